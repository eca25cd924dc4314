package media

import (
	"bytes"
	"fmt"
	"image"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/ansi/kitty"
)

// Image ids the desk uses: 16–255, so an id is one 256-colour index the
// renderer writes as 38;5;id (below 16 it could become a basic SGR colour
// the terminal reads differently).
const (
	FirstID = 16
	LastID  = 255
)

// Transmit is the escape that sends img (a decoded thumbnail) to the
// terminal as image id with a virtual placement of cols×rows cells,
// replacing any image of that id, quietly (the terminal answers nothing,
// so no reply can reach the desk's input). Write it with tea.Raw.
func Transmit(id int, img image.Image, cols, rows int) (string, error) {
	if id < FirstID || id > LastID {
		return "", fmt.Errorf("image id %d outside %d–%d", id, FirstID, LastID)
	}
	var b bytes.Buffer
	b.WriteString(Delete(id))
	err := kitty.EncodeGraphics(&b, img, &kitty.Options{
		ID: id, Action: kitty.TransmitAndPut, Transmission: kitty.Direct, Format: kitty.PNG,
		Columns: cols, Rows: rows, VirtualPlacement: true, Quiet: 2, Chunk: true,
	})
	return b.String(), err
}

// Delete is the escape that frees image id and its placements.
func Delete(id int) string {
	return ansi.KittyGraphics(nil, "q=2", "i="+strconv.Itoa(id), "d=I", "a=d")
}

// Placeholders are the rows of cells that show image id: every cell names
// its row and column (diacritics), so a renderer that writes any cell
// alone, in any order, still writes a complete one.
func Placeholders(id, cols, rows int) []string {
	fg := "\x1b[38;5;" + strconv.Itoa(id) + "m"
	out := make([]string, 0, rows)
	for r := range rows {
		var b strings.Builder
		b.WriteString(fg)
		for c := range cols {
			b.WriteRune(kitty.Placeholder)
			b.WriteRune(kitty.Diacritic(r))
			b.WriteRune(kitty.Diacritic(c))
		}
		b.WriteString("\x1b[39m")
		out = append(out, b.String())
	}
	return out
}
