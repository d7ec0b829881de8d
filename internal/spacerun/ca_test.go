package spacerun

import (
	"crypto/ecdsa"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var caTestNow = time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC)

func TestCAPersistedAndReused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "space-ca")
	ca, err := LoadOrCreateCA(dir, caTestNow)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ca.CertPath(), filepath.Join(dir, "ca.pem"); got != want {
		t.Errorf("CertPath() = %q, want %q", got, want)
	}
	for name, want := range map[string]os.FileMode{
		dir:                              0o700 | os.ModeDir,
		filepath.Join(dir, "ca.pem"):     0o644,
		filepath.Join(dir, "ca-key.pem"): 0o600,
	} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", name, fi.Mode(), want)
		}
	}
	left, err := filepath.Glob(filepath.Join(dir, ".*tmp*"))
	if err != nil || len(left) > 0 {
		t.Errorf("temporary files left behind: %v %v", left, err)
	}

	c := ca.Certificate()
	if c.Subject.CommonName != "hubid local Space CA" {
		t.Errorf("CN = %q", c.Subject.CommonName)
	}
	if !c.IsCA || !c.BasicConstraintsValid || c.MaxPathLen != 0 || !c.MaxPathLenZero {
		t.Errorf("basic constraints: IsCA=%v valid=%v MaxPathLen=%d zero=%v", c.IsCA, c.BasicConstraintsValid, c.MaxPathLen, c.MaxPathLenZero)
	}
	if c.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("KeyUsage %v lacks CertSign", c.KeyUsage)
	}
	if _, ok := c.PublicKey.(*ecdsa.PublicKey); !ok {
		t.Errorf("public key %T, want ECDSA", c.PublicKey)
	}
	if got := c.NotAfter.Sub(caTestNow); got < 9*365*24*time.Hour || got > 11*365*24*time.Hour {
		t.Errorf("validity %v, want about 10 years", got)
	}

	// A later run (a year on) reuses the same CA.
	again, err := LoadOrCreateCA(dir, caTestNow.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !again.Certificate().Equal(c) {
		t.Error("second LoadOrCreateCA made a new certificate")
	}
	if !again.key.Equal(ca.key) {
		t.Error("second LoadOrCreateCA made a new key")
	}
}

func TestCAConcurrentCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	const n = 8
	cas := make([]*CA, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { cas[i], errs[i] = LoadOrCreateCA(dir, caTestNow) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !cas[i].key.Equal(cas[0].key) || !cas[i].Certificate().Equal(cas[0].Certificate()) {
			t.Errorf("caller %d ended with another CA", i)
		}
	}
	onDisk, err := LoadOrCreateCA(dir, caTestNow)
	if err != nil {
		t.Fatal(err)
	}
	if !onDisk.Certificate().Equal(cas[0].Certificate()) {
		t.Error("the files hold another CA than the callers use")
	}
}

func TestCAReplacesStaleCertKeepingKey(t *testing.T) {
	dir1, dir2 := t.TempDir(), t.TempDir()
	ca1, err := LoadOrCreateCA(dir1, caTestNow)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateCA(dir2, caTestNow); err != nil {
		t.Fatal(err)
	}
	// A certificate for another key.
	other, err := os.ReadFile(filepath.Join(dir2, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir1, "ca.pem"), other, 0o644); err != nil {
		t.Fatal(err)
	}
	fixed, err := LoadOrCreateCA(dir1, caTestNow)
	if err != nil {
		t.Fatal(err)
	}
	if !fixed.key.Equal(ca1.key) {
		t.Error("key changed")
	}
	if !fixed.Certificate().PublicKey.(*ecdsa.PublicKey).Equal(&ca1.key.PublicKey) {
		t.Error("certificate not replaced by one for the key")
	}

	// Expired: renewed with the same key.
	later := caTestNow.AddDate(11, 0, 0)
	renewed, err := LoadOrCreateCA(dir1, later)
	if err != nil {
		t.Fatal(err)
	}
	if !renewed.key.Equal(ca1.key) || !later.Before(renewed.Certificate().NotAfter) {
		t.Errorf("expired CA not renewed with the same key (NotAfter %v)", renewed.Certificate().NotAfter)
	}
}

func TestCACorruptKeyIsAnError(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ca-key.pem"), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateCA(dir, caTestNow); err == nil {
		t.Fatal("LoadOrCreateCA accepted a corrupt key file")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "ca-key.pem")); string(b) != "not a key" {
		t.Error("the key file was overwritten")
	}
}

func TestCALeafVerifies(t *testing.T) {
	ca, err := LoadOrCreateCA(t.TempDir(), caTestNow)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Leaf([]string{"Alice-Demo.localhost:7860", "127.0.0.1:7860", "[::1]:7860", "a.example,b.example"}, caTestNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(leaf.Certificate) != 2 || !ca.Certificate().Equal(mustParse(t, leaf.Certificate[1])) {
		t.Fatal("chain does not end with the CA")
	}
	cert := mustParse(t, leaf.Certificate[0])
	if _, ok := leaf.PrivateKey.(*ecdsa.PrivateKey); !ok {
		t.Errorf("leaf key %T, want ECDSA", leaf.PrivateKey)
	}
	if leaf.Leaf == nil || !leaf.Leaf.Equal(cert) {
		t.Error("tls.Certificate.Leaf not set")
	}
	if diff := cmp.Diff([]string{"alice-demo.localhost", "a.example", "b.example", "localhost"}, cert.DNSNames); diff != "" {
		t.Errorf("DNS SANs (-want +got):\n%s", diff)
	}
	var ips []string
	for _, ip := range cert.IPAddresses {
		ips = append(ips, ip.String())
	}
	if diff := cmp.Diff([]string{"127.0.0.1", "::1"}, ips); diff != "" {
		t.Errorf("IP SANs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, cert.ExtKeyUsage); diff != "" {
		t.Errorf("ExtKeyUsage (-want +got):\n%s", diff)
	}
	if cert.IsCA {
		t.Error("leaf is a CA")
	}
	if got := cert.NotAfter.Sub(caTestNow); got != 90*24*time.Hour {
		t.Errorf("leaf validity %v, want 90 days", got)
	}

	for _, name := range []string{"alice-demo.localhost", "127.0.0.1", "localhost", "::1", "b.example"} {
		_, err := cert.Verify(x509.VerifyOptions{
			DNSName:     name,
			Roots:       ca.Pool(),
			CurrentTime: caTestNow.Add(time.Minute),
			KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		})
		if err != nil {
			t.Errorf("verify %s: %v", name, err)
		}
	}
	if _, err := cert.Verify(x509.VerifyOptions{DNSName: "bob-demo.localhost", Roots: ca.Pool(), CurrentTime: caTestNow}); err == nil {
		t.Error("leaf verified for a host it was not issued for")
	}
	if _, err := cert.Verify(x509.VerifyOptions{DNSName: "localhost", CurrentTime: caTestNow}); err == nil {
		t.Error("leaf verified without the CA")
	}
}

func TestCAStripPort(t *testing.T) {
	for in, want := range map[string]string{
		"host:80":     "host",
		"host":        "host",
		"[::1]:8080":  "::1",
		"[::1]":       "::1",
		"::1":         "::1",
		"10.0.0.1:1":  "10.0.0.1",
		"10.0.0.1":    "10.0.0.1",
		"fe80::1%lo0": "fe80::1%lo0",
	} {
		if got := stripPort(in); got != want {
			t.Errorf("stripPort(%q) = %q, want %q", in, got, want)
		}
	}
	if net.ParseIP(stripPort("[::1]:1")) == nil {
		t.Error("bracketed IPv6 not parsed as an IP")
	}
}

func mustParse(t *testing.T, der []byte) *x509.Certificate {
	t.Helper()
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
