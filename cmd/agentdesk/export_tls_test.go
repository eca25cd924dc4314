package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

// selfSigned returns a certificate for 127.0.0.1 that is its own CA, and
// the PEM file of that CA.
func selfSigned(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, caFile
}

// TestExportThroughTLSServer: export --server wss:// with a private CA
// takes --ca; without it the untrusted certificate is said at once (it used
// to wait 15 s and report "not online").
func TestExportThroughTLSServer(t *testing.T) {
	db := reviewedDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var trainerTok string
	if err := st.Update(ctx, func(tx *store.Tx) error {
		var err error
		trainerTok, _, err = tx.CreateToken("test", "tina", "")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	cert, caFile := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(st, server.Config{RateLimit: -1})
	served := make(chan error, 1)
	go func() {
		served <- srv.Serve(ctx, ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}()
	defer func() { cancel(); <-served }()
	url := "wss://" + ln.Addr().String()

	var stdout, stderr bytes.Buffer
	start := time.Now()
	if code := run(ctx, []string{"export", "--server", url, "--token", trainerTok, "--out", t.TempDir()}, &stdout, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "not trusted (pass its CA with --ca)") || time.Since(start) > 10*time.Second {
		t.Errorf("without --ca: exit %d after %s: %s", code, time.Since(start), stderr.String())
	}
	stderr.Reset()
	if code := run(ctx, []string{"export", "--server", url, "--token", trainerTok, "--ca", caFile, "--format", "dpo", "--out", t.TempDir()}, &stdout, &stderr); code != 0 {
		t.Fatalf("with --ca: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "dpo: 2 records") {
		t.Errorf("with --ca: %s", stdout.String())
	}
}
