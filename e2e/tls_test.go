package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

// testCert makes a CA and a server certificate for 127.0.0.1 signed by it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "agentdesk test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// TestTLSDeskAndAPI serves wss:// and https:// with a certificate from a
// private CA: a client that trusts the CA works, one that does not is
// refused during the handshake, and plain ws:// gets nowhere.
func TestTLSDeskAndAPI(t *testing.T) {
	cert, pool := testCert(t)
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "agentdesk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var token string
	if err := st.Update(context.Background(), func(tx *store.Tx) error {
		if _, err := tx.CreateAgent("t", store.NewAgent{ID: "alice", Name: "Alice", Role: protocol.RoleAgent}); err != nil {
			return err
		}
		token, _, err = tx.CreateToken("t", "alice", "")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- server.New(st, server.Config{}).Serve(ctx, ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}()
	defer func() { cancel(); <-done }()
	addr := ln.Addr().String()

	d := startDesk(t, client.Options{URL: "wss://" + addr, Token: token, TLSConfig: &tls.Config{RootCAs: pool}})
	d.until(t, "online over wss://", online)
	d.stop()

	// Not trusting the CA: the handshake fails and the state says why.
	c, err := client.New(client.Options{URL: "wss://" + addr, Token: token, TLSConfig: &tls.Config{RootCAs: x509.NewCertPool()}})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithTimeout(context.Background(), 3*time.Second)
	go c.Run(runCtx)
	var why error
	for u := range c.Updates() {
		if sc, ok := u.(client.StateChanged); ok && sc.State == client.StateOffline {
			why = sc.Err
			break
		}
	}
	stop()
	c.Close()
	var unknown x509.UnknownAuthorityError
	if !errors.As(why, &unknown) && (why == nil || !strings.Contains(why.Error(), "certificate")) {
		t.Errorf("untrusted certificate: offline because %v, want a certificate error", why)
	}

	// The HTTP API on the same port is https only.
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}
	resp, err := hc.Get("https://" + addr + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("https healthz: %v %v", err, resp)
	}
	resp.Body.Close()
	// Plain http gets a 400 that says to use https, not an empty reply.
	resp, err = (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("plain http to the TLS port: %v, want a 400 saying to use https", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "use https://") {
		t.Errorf("plain http to the TLS port: %d %q", resp.StatusCode, body)
	}
}
