package media

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // decoders: only these three formats become thumbnails
	_ "image/jpeg"
	_ "image/png"
)

// Limits of what is decoded: an image claiming more pixels than this is
// refused before its pixels are read (a few bytes of PNG can claim
// gigapixels).
const (
	MaxPixels = 25_000_000
	MaxSide   = 20_000
)

// Thumb is a decoded, scaled image and the cells it fills.
type Thumb struct {
	Image      image.Image
	Cols, Rows int
}

// cellAspect is a terminal cell's height over its width (about 2 for
// common fonts); kitty keeps the image's own aspect inside the cells.
const cellAspect = 2.0

// pxPerRow is the thumbnail's pixel height per cell row: enough for a
// HiDPI cell, small to send.
const pxPerRow = 32

// MakeThumb decodes data as PNG, JPEG or GIF (the first frame) and scales
// it to rows cells high and at most maxCols wide. Anything else — HTML,
// SVG, a truncated or lying file, a decompression bomb — is an error, and
// the desk shows the file line alone.
func MakeThumb(data []byte, rows, maxCols int) (Thumb, error) {
	if rows < 1 || maxCols < 1 {
		return Thumb{}, errors.New("no room for a thumbnail")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Thumb{}, fmt.Errorf("not an image the desk can show: %w", err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxSide || cfg.Height > MaxSide || cfg.Width*cfg.Height > MaxPixels {
		return Thumb{}, fmt.Errorf("%s of %d×%d pixels is too large to preview", format, cfg.Width, cfg.Height)
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return Thumb{}, fmt.Errorf("%s: %w", format, err)
	}
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	cols := int(float64(rows)*cellAspect*float64(w)/float64(h) + 0.5)
	if cols > maxCols { // a wide image: fewer rows rather than a cut one
		cols = maxCols
		rows = max(1, int(float64(cols)*float64(h)/float64(w)/cellAspect+0.5))
	}
	cols = max(cols, 1)
	th := min(h, rows*pxPerRow)
	tw := max(1, min(w, int(float64(th)*float64(w)/float64(h)+0.5)))
	return Thumb{Image: scale(src, tw, th), Cols: cols, Rows: rows}, nil
}

// scale shrinks src to w×h, each target pixel the mean of up to 4×4
// source pixels spread over the area it covers: no aliasing on photos,
// and no full-size copy of a 20-megapixel photo.
func scale(src image.Image, w, h int) image.Image {
	sb := src.Bounds()
	sw, sh := sb.Dx(), sb.Dy()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	const k = 4
	for y := range h {
		for x := range w {
			var r, g, b, a, n uint32
			for j := range k {
				sy := sb.Min.Y + (y*k+j)*sh/(h*k)
				for i := range k {
					sx := sb.Min.X + (x*k+i)*sw/(w*k)
					cr, cg, cb, ca := src.At(sx, sy).RGBA()
					r, g, b, a = r+cr>>8, g+cg>>8, b+cb>>8, a+ca>>8
					n++
				}
			}
			out.SetRGBA(x, y, color.RGBA{uint8(r / n), uint8(g / n), uint8(b / n), uint8(a / n)})
		}
	}
	return out
}
