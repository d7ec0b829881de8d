package spacerun

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"
)

// File names of the local Space CA inside its directory.
const (
	CACertFile = "ca.pem"     // the CA certificate, 0644: this is the file people trust
	CAKeyFile  = "ca-key.pem" // its private key, 0600
)

const (
	caCommonName = "hubid local Space CA"
	caValidity   = 10 * 365 * 24 * time.Hour
	leafValidity = 90 * 24 * time.Hour
	// backdate covers small clock differences between hubid and a browser.
	backdate = time.Hour
)

// CA is the local certificate authority that signs the Space host's TLS
// certificates for `hubid space run`. It is generated once, kept in a
// directory, and reused, so a person trusts it in a browser only once.
type CA struct {
	cert     *x509.Certificate
	key      *ecdsa.PrivateKey
	certPath string
}

// LoadOrCreateCA returns the CA kept in dir (ca.pem and ca-key.pem),
// creating dir (0700) and the CA when they do not exist yet: an ECDSA P-256
// self-signed certificate named "hubid local Space CA", valid 10 years from
// now, that may only sign leaf certificates.
//
// Concurrent callers end up with the same files: the key is published
// first and the first writer wins (hard link of a complete temporary file,
// never a partial write), then the certificate the same way, and every
// caller re-reads what is on disk. A certificate that does not match the
// key or has expired is replaced (keeping the key).
func LoadOrCreateCA(dir string, now time.Time) (*CA, error) {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs // CertPath is printed for people to find the file
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("local Space CA: %w", err)
	}
	keyPath := filepath.Join(dir, CAKeyFile)
	certPath := filepath.Join(dir, CACertFile)

	key, err := readCAKey(keyPath)
	if errors.Is(err, fs.ErrNotExist) {
		k, gerr := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if gerr != nil {
			return nil, fmt.Errorf("local Space CA: generate key: %w", gerr)
		}
		der, merr := x509.MarshalPKCS8PrivateKey(k)
		if merr != nil {
			return nil, fmt.Errorf("local Space CA: encode key: %w", merr)
		}
		data := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		if err := publishFile(keyPath, data, 0o600, false); err != nil {
			return nil, fmt.Errorf("local Space CA: %w", err)
		}
		key, err = readCAKey(keyPath)
	}
	if err != nil {
		return nil, fmt.Errorf("local Space CA: %w", err)
	}

	cert, err := readCACert(certPath)
	if err == nil && caUsable(cert, key, now) {
		return &CA{cert: cert, key: key, certPath: certPath}, nil
	}
	// Missing: the first writer wins. Present but unreadable, expired or
	// for another key: replace it, keeping the key.
	replace := !errors.Is(err, fs.ErrNotExist)
	der, err := newCACert(key, now)
	if err != nil {
		return nil, fmt.Errorf("local Space CA: %w", err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := publishFile(certPath, data, 0o644, replace); err != nil {
		return nil, fmt.Errorf("local Space CA: %w", err)
	}
	cert, err = readCACert(certPath)
	if err != nil {
		return nil, fmt.Errorf("local Space CA: %w", err)
	}
	if !caUsable(cert, key, now) {
		return nil, fmt.Errorf("local Space CA: %s does not match %s", certPath, keyPath)
	}
	return &CA{cert: cert, key: key, certPath: certPath}, nil
}

// CertPath is the absolute path of the CA certificate (PEM), the file to
// import into a browser or system trust store.
func (ca *CA) CertPath() string { return ca.certPath }

// Certificate returns the CA certificate.
func (ca *CA) Certificate() *x509.Certificate { return ca.cert }

// Pool returns a certificate pool holding only this CA, for clients and
// tests that should trust the Space host.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// Leaf issues a fresh server certificate (ECDSA P-256, valid 90 days,
// server authentication only) for hosts, with the CA in its chain. Each
// host may carry a port ("alice-demo.localhost:7860", "[::1]:80") or be a
// comma-separated list, as SPACE_HOST is; ports are dropped, IP addresses
// become IP SANs, names DNS SANs. localhost, 127.0.0.1 and ::1 are always
// added so that direct loopback access validates too.
func (ca *CA) Leaf(hosts []string, now time.Time) (tls.Certificate, error) {
	var dnsNames []string
	var ips []net.IP
	seen := map[string]bool{}
	add := func(h string) {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" || seen[h] {
			return
		}
		seen[h] = true
		if ip := net.ParseIP(h); ip != nil {
			ips = append(ips, ip)
			return
		}
		dnsNames = append(dnsNames, h)
	}
	for _, list := range hosts {
		for _, h := range strings.Split(list, ",") {
			add(stripPort(strings.TrimSpace(h)))
		}
	}
	for _, h := range []string{"localhost", "127.0.0.1", "::1"} {
		add(h)
	}
	cn := "localhost"
	if len(dnsNames) > 0 {
		cn = dnsNames[0]
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("leaf certificate: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("leaf certificate: %w", err)
	}
	notAfter := now.Add(leafValidity)
	if notAfter.After(ca.cert.NotAfter) {
		notAfter = ca.cert.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"hubid"}, CommonName: cn},
		NotBefore:             now.Add(-backdate),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              dnsNames,
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("leaf certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("leaf certificate: %w", err)
	}
	return tls.Certificate{
		Certificate: [][]byte{der, ca.cert.Raw},
		PrivateKey:  key,
		Leaf:        leaf,
	}, nil
}

// stripPort returns the host part of "host:port", "[v6]:port" or "[v6]",
// and h itself when it has no port (a bare IPv6 address included).
func stripPort(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		return host
	}
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		return h[1 : len(h)-1]
	}
	return h
}

// caUsable reports whether cert is a CA certificate for key, valid at now.
func caUsable(cert *x509.Certificate, key *ecdsa.PrivateKey, now time.Time) bool {
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		return false
	}
	return cert.IsCA && !now.Before(cert.NotBefore) && now.Before(cert.NotAfter)
}

func newCACert(key *ecdsa.PrivateKey, now time.Time) ([]byte, error) {
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	name := pkix.Name{Organization: []string{"hubid"}, CommonName: caCommonName}
	if who := whoAmI(); who != "" {
		// Tells CAs from different machines or users apart in a trust store.
		name.OrganizationalUnit = []string{who}
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               name,
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create certificate: %w", err)
	}
	return der, nil
}

func whoAmI() string {
	host, _ := os.Hostname()
	u, err := user.Current()
	switch {
	case err == nil && host != "":
		return u.Username + "@" + host
	case err == nil:
		return u.Username
	}
	return host
}

func randomSerial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
}

func readCAKey(path string) (*ecdsa.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: no PEM \"PRIVATE KEY\" block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an ECDSA key", path)
	}
	return ek, nil
}

func readCACert(path string) (*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%s: no PEM \"CERTIFICATE\" block", path)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cert, nil
}

// publishFile makes data appear at path atomically: it is written and
// synced to a temporary file in the same directory first. With replace
// false the first writer wins (a hard link fails when path exists, and
// the caller re-reads whatever is there); with replace true, or on file
// systems without hard links, the file is renamed over path.
func publishFile(path string, data []byte, perm os.FileMode, replace bool) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if !replace {
		err := os.Link(tmp, path)
		if err == nil || errors.Is(err, fs.ErrExist) {
			return nil
		}
		// No hard links here (some network or FUSE file systems): fall
		// back to rename, unless someone published meanwhile.
		if _, err := os.Stat(path); err == nil {
			return nil
		}
	}
	return os.Rename(tmp, path)
}
