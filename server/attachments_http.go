package server

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// Attachment routes. Integrations (integration tokens) upload under
// /v1/api/attachments and desks (desk tokens) under /v1/desk/attachments;
// both download from the same place they upload to. An upload not yet sent
// with a message is visible to its uploader only; a sent one to every
// account that may read the conversation (any staff role, as
// get_conversation; any integration token).
func (a *Attachments) routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/api/attachments", a.upload(false))
	mux.HandleFunc("GET /v1/api/attachments/{id}", a.download(false))
	mux.HandleFunc("POST /v1/desk/attachments", a.upload(true))
	mux.HandleFunc("GET /v1/desk/attachments/{id}", a.download(true))
}

type attachmentAnswer struct {
	Attachment protocol.Attachment `json:"attachment"`
}

// authenticate checks the bearer token (a desk token when desk, else an
// integration token) and the per-token rate.
func (a *Attachments) authenticate(r *http.Request, desk bool) (store.Actor, error) {
	ch := a.srv.ch
	if a.srv.draining.Load() {
		return store.Actor{}, protocol.Errorf(protocol.CodeUnavailable, "server shutting down; retry shortly")
	}
	token := bearer(r)
	if token == "" {
		return store.Actor{}, withField(protocol.Errorf(protocol.CodeUnauthorized, "missing bearer token"), "Authorization")
	}
	var agent protocol.Agent
	var tokenID string
	var err error
	if desk {
		agent, tokenID, err = a.srv.store.Authenticate(r.Context(), token)
	} else {
		agent, tokenID, err = a.srv.store.AuthenticateIntegration(r.Context(), token)
	}
	if err != nil {
		return store.Actor{}, withField(err, "Authorization")
	}
	if !ch.allow(tokenID) {
		return store.Actor{}, protocol.Errorf(protocol.CodeRateLimited, "too many requests for this token; slow down")
	}
	return store.Actor{ID: agent.ID, Role: agent.Role}, nil
}

func (a *Attachments) upload(desk bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		actor, err := a.authenticate(r, desk)
		if err == nil && desk && actor.Role == protocol.RoleTrainer {
			err = protocol.Errorf(protocol.CodeForbidden, "trainers do not send files to customers")
		}
		if err != nil {
			writeAPIError(w, a.srv.ch.asAPIError(r, err))
			return
		}
		source := store.SourceAPI
		if desk {
			source = store.SourceDesk
		}
		a.accept(w, r, actor.ID, source)
	}
}

// accept stores the file of an authorised upload request as owner's and
// answers with it, or with why it was refused.
func (a *Attachments) accept(w http.ResponseWriter, r *http.Request, owner, source string) {
	// The limit plus room for multipart framing; Put enforces the file's own size.
	r.Body = http.MaxBytesReader(w, r.Body, a.cfg.MaxBytes+64<<10)
	name, body, err := uploadedFile(r)
	if err == nil {
		var att protocol.Attachment
		att, err = a.Put(r.Context(), Upload{Name: name, Data: body, Owner: owner, Source: source})
		if err == nil {
			writeJSON(w, http.StatusCreated, attachmentAnswer{Attachment: att})
			return
		}
	}
	var mbe *http.MaxBytesError
	var ae *AttachmentError
	switch {
	case errors.As(err, &mbe):
		err = &protocol.APIError{Status: http.StatusRequestEntityTooLarge, Code: protocol.CodeInvalid, Field: "file",
			Message: "file larger than the limit of " + byteSize(a.cfg.MaxBytes)}
	case errors.As(err, &ae):
		err = &protocol.APIError{Status: ae.Status, Code: protocol.CodeInvalid, Field: "file", Message: ae.Msg}
	}
	writeAPIError(w, a.srv.ch.asAPIError(r, err))
}

// uploadedFile finds the file in a request: the first file part of a
// multipart/form-data body (curl -F file=@photo.jpg), or the raw body with
// its name in ?name= or a Content-Disposition header.
func uploadedFile(r *http.Request) (string, io.Reader, error) {
	name := r.URL.Query().Get("name")
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		mr, err := r.MultipartReader()
		if err != nil {
			return "", nil, invalid("body", "multipart body: %v", err)
		}
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return "", nil, invalid("file", "no file part in the form; send it as field \"file\"")
			}
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return "", nil, err
				}
				return "", nil, invalid("body", "multipart body: %v", err)
			}
			if p.FileName() != "" {
				if name == "" {
					name = p.FileName()
				}
				return name, p, nil
			}
		}
	}
	if name == "" {
		if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil {
			name = params["filename"]
		}
	}
	if strings.TrimSpace(name) == "" {
		return "", nil, invalid("name", "name the file: ?name=photo.jpg, a Content-Disposition filename, or a multipart file part")
	}
	return name, r.Body, nil
}

func (a *Attachments) download(desk bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		actor, err := a.authenticate(r, desk)
		if err != nil {
			writeAPIError(w, a.srv.ch.asAPIError(r, err))
			return
		}
		id := r.PathValue("id")
		rec, err := a.srv.store.Attachment(r.Context(), id)
		if err == nil && rec.MessageID == "" && rec.Owner != actor.ID {
			err = protocol.Errorf(protocol.CodeNotFound, "no attachment %s", id) // someone else's unsent upload
		}
		if err != nil {
			writeAPIError(w, a.srv.ch.asAPIError(r, withField(err, "id")))
			return
		}
		a.ServeAttachment(w, r, id)
	}
}

func writeAPIError(w http.ResponseWriter, ae *protocol.APIError) {
	if ae.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="agentdesk"`)
	}
	if ae.Status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, ae.Status, ae)
}

// byteSize writes n bytes the way people read it.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
