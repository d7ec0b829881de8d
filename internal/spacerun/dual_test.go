package spacerun

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const dualTestHost = "alice-demo.localhost"

// dualTestServer runs h with ServeDual on a loopback port, with a leaf
// for dualTestHost from a fresh CA. It returns the server, its port and
// clients for http:// and https:// URLs (any host name dials the server;
// https trusts only the CA and even offers h2).
func dualTestServer(t *testing.T, h http.Handler) (srv *DualServer, port string, plain, secure *http.Client) {
	t.Helper()
	ca, err := LoadOrCreateCA(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ = net.SplitHostPort(ln.Addr().String())
	leaf, err := ca.Leaf([]string{dualTestHost + ":" + port}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	srv = ServeDual(ln, &tls.Config{Certificates: []tls.Certificate{leaf}}, h, nil)
	t.Cleanup(func() { srv.Close() })

	addr := ln.Addr().String()
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	plain = &http.Client{Transport: &http.Transport{DialContext: dial}, Timeout: 10 * time.Second}
	secure = &http.Client{Transport: &http.Transport{
		DialContext:       dial,
		TLSClientConfig:   &tls.Config{RootCAs: ca.Pool(), NextProtos: []string{"h2", "http/1.1"}},
		ForceAttemptHTTP2: true,
	}, Timeout: 10 * time.Second}
	t.Cleanup(plain.CloseIdleConnections)
	t.Cleanup(secure.CloseIdleConnections)
	return srv, port, plain, secure
}

func schemeHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		fmt.Fprintf(w, "%s %s %s", scheme, r.Proto, r.Host)
	})
}

func getBody(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp, string(b)
}

func TestDualServesHTTPAndHTTPSOnOnePort(t *testing.T) {
	_, port, plain, secure := dualTestServer(t, schemeHandler())
	host := dualTestHost + ":" + port

	for i := range 2 { // twice: keep-alive connections of both kinds
		_, got := getBody(t, plain, "http://"+host+"/")
		if want := "http HTTP/1.1 " + host; got != want {
			t.Errorf("round %d: http:// answered %q, want %q", i, got, want)
		}
		resp, got := getBody(t, secure, "https://"+host+"/")
		if want := "https HTTP/1.1 " + host; got != want {
			t.Errorf("round %d: https:// answered %q, want %q", i, got, want)
		}
		if resp.TLS == nil || resp.TLS.NegotiatedProtocol != "http/1.1" {
			t.Errorf("round %d: TLS state %+v, want ALPN http/1.1", i, resp.TLS)
		}
	}
	// Direct loopback access validates too.
	_, got := getBody(t, secure, "https://127.0.0.1:"+port+"/")
	if want := "https HTTP/1.1 127.0.0.1:" + port; got != want {
		t.Errorf("https://127.0.0.1 answered %q, want %q", got, want)
	}
}

func TestDualGarbageAndSilentClients(t *testing.T) {
	srv, port, plain, _ := dualTestServer(t, schemeHandler())
	addr := srv.Addr().String()

	// A silent client does not hold up the others.
	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()

	for _, junk := range []string{
		"\x00\xff\xfe garbage\r\n\r\n",
		"\x16\x03\x01\x00\x05hello not a client hello",
		"\x16",
		"GET / HTTP/9.9\r\n\r\n",
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(c, junk); err != nil {
			t.Fatal(err)
		}
		if junk == "\x16" {
			c.(*net.TCPConn).CloseWrite()
		}
		// Whatever the answer (400, a TLS alert, or nothing), the
		// connection must end rather than hang.
		if _, err := io.Copy(io.Discard, c); err != nil {
			t.Errorf("%q: %v", junk, err)
		}
		c.Close()
	}
	_, got := getBody(t, plain, "http://127.0.0.1:"+port+"/")
	if want := "http HTTP/1.1 127.0.0.1:" + port; got != want {
		t.Errorf("after garbage: %q, want %q", got, want)
	}
}

func TestDualPlainGarbageGets400(t *testing.T) {
	srv, _, _, _ := dualTestServer(t, schemeHandler())
	c, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "\x01\x02\x03 nonsense\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d, want 400", resp.StatusCode)
	}
}

func TestDualShutdownClosesHijackedConns(t *testing.T) {
	hijacked := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
		close(hijacked)
		io.Copy(io.Discard, c) // hold it open until it is closed
	})
	srv, _, _, _ := dualTestServer(t, h)
	c, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d", resp.StatusCode)
	}
	<-hijacked

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := srv.Wait(); err != nil {
		t.Errorf("Wait after Shutdown: %v", err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("hijacked connection after Shutdown: read err %v, want EOF", err)
	}
	if _, err := net.DialTimeout("tcp", srv.Addr().String(), time.Second); err == nil {
		t.Error("still accepting after Shutdown")
	}
}

func TestDualShutdownWaitsForRequests(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "done")
	})
	srv, port, _, secure := dualTestServer(t, h)
	got := make(chan string, 1)
	go func() {
		resp, err := secure.Get("https://" + dualTestHost + ":" + port + "/")
		if err != nil {
			got <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- strconv.Itoa(resp.StatusCode) + " " + string(b)
	}()
	<-started
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(context.Background()) }()
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with a request in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if diff := cmp.Diff("200 done", <-got); diff != "" {
		t.Errorf("request in flight (-want +got):\n%s", diff)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}
