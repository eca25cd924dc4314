package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/agentdesk/agentdesk/protocol"
)

// Attachments travel over HTTP beside the websocket (POST and GET
// /v1/desk/attachments on the same host, with the same token): files are
// too big for frames and need no ordering.

// MaxDownloadBytes bounds a download; the server's own limit is lower.
const MaxDownloadBytes = 64 << 20

func (c *Client) attachmentURL(id string) string {
	u := *c.url
	u.Scheme = strings.Replace(u.Scheme, "ws", "http", 1)
	u.RawQuery = ""
	u.Path = strings.TrimSuffix(u.Path, "/") + "/attachments"
	if id != "" {
		u.Path += "/" + url.PathEscape(id)
	}
	return u.String()
}

func (c *Client) httpClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if c.opts.TLSConfig != nil {
		tr.TLSClientConfig = c.opts.TLSConfig.Clone()
	}
	return &http.Client{Transport: tr, Timeout: 5 * c.opts.RequestTimeout}
}

func (c *Client) do(req *http.Request) (*http.Response, error) {
	req.Header.Set("Authorization", "Bearer "+c.opts.Token)
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, unavailable("attachments: %v", err)
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		var pe protocol.Error
		if json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&pe) != nil || pe.Code == "" {
			return nil, &protocol.Error{Code: protocol.CodeInternal, Message: resp.Status}
		}
		return nil, &pe
	}
	return resp, nil
}

// UploadAttachment sends a file to attach to a reply or note; send its id
// in protocol.TextReq.Attachments.
func (c *Client) UploadAttachment(ctx context.Context, name string, r io.Reader) (protocol.Attachment, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		return protocol.Attachment{}, err
	}
	if _, err := io.Copy(fw, r); err != nil {
		return protocol.Attachment{}, fmt.Errorf("read %s: %w", name, err)
	}
	mw.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.attachmentURL(""), &body)
	if err != nil {
		return protocol.Attachment{}, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.do(req)
	if err != nil {
		return protocol.Attachment{}, err
	}
	defer resp.Body.Close()
	var ans struct {
		Attachment protocol.Attachment `json:"attachment"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil {
		return protocol.Attachment{}, fmt.Errorf("upload answer: %w", err)
	}
	return ans.Attachment, nil
}

// DownloadAttachment fetches a file's bytes.
func (c *Client) DownloadAttachment(ctx context.Context, id string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.attachmentURL(id), nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxDownloadBytes+1))
	if err != nil {
		return nil, unavailable("download %s: %v", id, err)
	}
	if len(b) > MaxDownloadBytes {
		return nil, errors.New("attachment larger than the desk downloads")
	}
	return b, nil
}
