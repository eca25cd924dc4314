package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// AttachmentConfig limits the files customers, channels and agents send.
// Zero values take the defaults in brackets.
type AttachmentConfig struct {
	MaxBytes int64 // largest file [10 MiB]
	// Allowed are the content types accepted, as sniffed from the bytes
	// (the sender's claim and the file name are ignored) [DefaultAllowedTypes].
	Allowed []string
	// MaxUnsent bounds the uploads one owner may hold that were not yet
	// sent with a message [50]; they are deleted after UnsentTTL [24h].
	MaxUnsent int
	UnsentTTL time.Duration
}

// DefaultAllowedTypes: images, PDF, plain text and office documents, common
// audio and video. Nothing a browser or desktop would run: no HTML, SVG,
// scripts, executables or archives (which can carry them).
var DefaultAllowedTypes = []string{
	"image/png", "image/jpeg", "image/gif", "image/webp", "image/heic", "image/heif", "image/bmp", "image/tiff",
	"application/pdf", "text/plain", "text/csv",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation",
	"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
	"application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
	"audio/mpeg", "audio/ogg", "audio/amr", "audio/x-m4a", "audio/wav", "video/mp4", "video/quicktime",
}

// neverServed are types a browser renders or runs; even when configured as
// allowed they are served as application/octet-stream.
var neverServed = []string{"text/html", "application/xhtml+xml", "image/svg+xml", "text/javascript",
	"application/javascript", "text/xml", "application/xml", "application/x-shockwave-flash"}

func (c *AttachmentConfig) defaults() {
	if c.MaxBytes <= 0 {
		c.MaxBytes = 10 << 20
	}
	if len(c.Allowed) == 0 {
		c.Allowed = DefaultAllowedTypes
	}
	if c.MaxUnsent <= 0 {
		c.MaxUnsent = 50
	}
	if c.UnsentTTL <= 0 {
		c.UnsentTTL = 24 * time.Hour
	}
}

// Attachments is the server's attachment store: it sniffs, checks and keeps
// uploaded files and serves them back as downloads. Channels built into the
// server (the web widget, e-mail) use it through Server.Attachments; the
// HTTP routes are in attachments_http.go.
type Attachments struct {
	srv *Server
	cfg AttachmentConfig
}

// Attachments returns the server's attachment store.
func (s *Server) Attachments() *Attachments { return s.att }

// Config returns the limits in force.
func (a *Attachments) Config() AttachmentConfig { return a.cfg }

// Upload is a file to store. Owner is who may later send it with a message
// (store.Attach.Owner): an agent id, an integration's account, or a
// channel's own principal such as "widget:<site>:<visitor>".
type Upload struct {
	Name   string
	Data   io.Reader
	Owner  string
	Source string // store.SourceAPI, SourceDesk, SourceEmail, SourceWidget
}

// AttachmentError is a refused upload: too large, empty, or a type not
// allowed. Status is the HTTP status the API answers with.
type AttachmentError struct {
	Status int
	Msg    string
}

func (e *AttachmentError) Error() string { return e.Msg }

// Put checks and stores an upload. The bytes are read up to the size limit;
// the type is sniffed from them; the name is cleaned (no path, no control
// or bidi characters) and given the extension of the sniffed type when its
// own does not match, so "invoice.pdf.exe" holding a PDF is saved as
// "invoice.pdf.exe.pdf" and never opens as a program.
func (a *Attachments) Put(ctx context.Context, up Upload) (protocol.Attachment, error) {
	data, err := io.ReadAll(io.LimitReader(up.Data, a.cfg.MaxBytes+1))
	if err != nil {
		return protocol.Attachment{}, fmt.Errorf("read upload: %w", err)
	}
	n, err := a.Check(up.Name, data)
	if err != nil {
		return protocol.Attachment{}, err
	}
	n.Owner, n.Source = up.Owner, up.Source
	var att protocol.Attachment
	_, err = a.srv.store.Apply(ctx, store.System, "", func(tx *store.Tx) (any, error) {
		unsent, err := tx.UnsentAttachments(up.Owner)
		if err != nil {
			return nil, err
		}
		if unsent >= a.cfg.MaxUnsent {
			return nil, protocol.Errorf(protocol.CodeRateLimited, "%d uploads not yet sent; send or wait for them to expire", unsent)
		}
		att, err = tx.PutAttachment(n)
		return nil, err
	})
	return att, err
}

// Check validates a file against the limits and returns it ready to store
// (name cleaned, type sniffed), without storing it. The e-mail channel uses
// it to decide per part before it writes anything.
func (a *Attachments) Check(name string, data []byte) (store.NewAttachment, error) {
	if int64(len(data)) > a.cfg.MaxBytes {
		return store.NewAttachment{}, &AttachmentError{Status: http.StatusRequestEntityTooLarge,
			Msg: fmt.Sprintf("file larger than %d bytes", a.cfg.MaxBytes)}
	}
	if len(data) == 0 {
		return store.NewAttachment{}, &AttachmentError{Status: http.StatusBadRequest, Msg: "empty file"}
	}
	ct := SniffType(data)
	if !slices.Contains(a.cfg.Allowed, ct) {
		return store.NewAttachment{}, &AttachmentError{Status: http.StatusUnsupportedMediaType,
			Msg: fmt.Sprintf("files of type %s are not accepted (the type is read from the content)", ct)}
	}
	return store.NewAttachment{Name: CleanFileName(name, ct), ContentType: ct, Data: data}, nil
}

// SniffType is the content type of data judged from its bytes alone,
// without parameters.
func SniffType(data []byte) string {
	ct := mimetype.Detect(data).String()
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.TrimSpace(ct)
}

// extensions a file of a type may keep; the first is added when its name
// has none of them. Types not listed use mimetype's extension.
var extensions = map[string][]string{
	"image/jpeg": {".jpg", ".jpeg", ".jfif"},
	"image/tiff": {".tiff", ".tif"},
	"image/heif": {".heif", ".heic"},
	"text/plain": {".txt", ".log", ".md", ".text"},
	"audio/mpeg": {".mp3"},
	"audio/ogg":  {".ogg", ".oga", ".opus"},
	"video/mp4":  {".mp4", ".m4v"},
}

// CleanFileName makes a sender's file name safe to show and to save: the
// last path element, no control, format (bidi) or path characters, at most
// 180 bytes, and an extension that matches contentType.
func CleanFileName(name, contentType string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || strings.ContainsRune(`<>:"|?*`, r) {
			return -1
		}
		if unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ". ")
	exts := extensions[contentType]
	if len(exts) == 0 {
		if m := mimetype.Lookup(contentType); m != nil && m.Extension() != "" {
			exts = []string{m.Extension()}
		}
	}
	if name == "" {
		name = "attachment"
	}
	if len(exts) > 0 && !slices.Contains(exts, strings.ToLower(path.Ext(name))) {
		name += exts[0]
	}
	if len(name) > 180 {
		ext := path.Ext(name)
		keep := 180 - len(ext)
		for keep > 0 && !utf8.RuneStart(name[keep]) {
			keep--
		}
		name = name[:keep] + ext
	}
	return name
}

// ServeAttachment writes a stored file as a download: served as an
// attachment (never displayed inline), with nosniff, a sandboxing CSP and a
// content type that is never one a browser renders or runs. The caller has
// authorised the request.
func (a *Attachments) ServeAttachment(w http.ResponseWriter, r *http.Request, id string) {
	rec, err := a.srv.store.Attachment(r.Context(), id)
	var data []byte
	if err == nil {
		data, err = a.srv.store.AttachmentData(r.Context(), id)
	}
	if err != nil {
		writeAPIError(w, a.srv.ch.asAPIError(r, withField(err, "id")))
		return
	}
	ct := rec.ContentType
	if slices.Contains(neverServed, ct) || !slices.Contains(a.cfg.Allowed, ct) {
		ct = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", contentDisposition(rec.Name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("ETag", `"`+rec.SHA256+`"`)
	http.ServeContent(w, r, "", time.UnixMilli(rec.CreatedAt), bytes.NewReader(data))
}

// contentDisposition is "attachment" with an ASCII fallback name and the
// real one in RFC 5987 form.
func contentDisposition(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' || r == ';' {
			return '_'
		}
		return r
	}, name)
	var ext strings.Builder
	for _, b := range []byte(name) {
		if b < 0x80 && (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("!#$&+-.^_`|~", b) >= 0) {
			ext.WriteByte(b)
		} else {
			fmt.Fprintf(&ext, "%%%02X", b)
		}
	}
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, ext.String())
}

// pruneUnsent deletes uploads never sent within the TTL.
func (a *Attachments) pruneUnsent(ctx context.Context) error {
	return a.srv.store.Update(ctx, func(tx *store.Tx) error {
		n, err := tx.PruneAttachments(a.cfg.UnsentTTL.Milliseconds())
		if n > 0 {
			a.srv.log.Info("pruned unsent attachments", "count", n)
		}
		return err
	})
}
