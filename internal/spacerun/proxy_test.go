package spacerun

import (
	"bufio"
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// proxyTestBackend is a stand-in Space app: /echo reports what the app
// saw, /sse streams two events (the second only after the test read the
// first), /ws upgrades to an echoing WebSocket (hand-rolled handshake;
// the bytes after it are echoed as they are).
func proxyTestBackend(t *testing.T, firstEventRead <-chan struct{}) *url.URL {
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{
			"Host":              r.Host,
			"X-Forwarded-Proto": r.Header.Get("X-Forwarded-Proto"),
			"X-Forwarded-Host":  r.Header.Get("X-Forwarded-Host"),
			"X-Forwarded-For":   r.Header.Get("X-Forwarded-For"),
			"Forwarded":         r.Header.Get("Forwarded"),
			"Path":              r.URL.RequestURI(),
		})
	})
	mux.HandleFunc("/sse", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: one\n\n")
		http.NewResponseController(w).Flush()
		select {
		case <-firstEventRead:
		case <-time.After(10 * time.Second):
			return // never read: the proxy buffered it
		}
		io.WriteString(w, "data: two\n\n")
	})
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			http.Error(w, "want a websocket upgrade", http.StatusBadRequest)
			return
		}
		c, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		fmt.Fprintf(brw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
			wsAccept(r.Header.Get("Sec-WebSocket-Key")))
		brw.Flush()
		io.Copy(c, brw) // echo
	})
	backend := httptest.NewServer(mux)
	t.Cleanup(backend.Close)
	u, _ := url.Parse(backend.URL)
	return u
}

func wsAccept(key string) string {
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC11B85"))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func TestProxyForwardsHostAndProto(t *testing.T) {
	target := proxyTestBackend(t, nil)
	_, port, plain, secure := dualTestServer(t, NewProxy(target, nil))
	host := dualTestHost + ":" + port

	for _, tc := range []struct {
		client *http.Client
		scheme string
	}{{plain, "http"}, {secure, "https"}} {
		req, _ := http.NewRequest("GET", tc.scheme+"://"+host+"/echo?x=1", nil)
		// Spoofed by the client: must not reach the app.
		req.Header.Set("X-Forwarded-Proto", "gopher")
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		req.Header.Set("Forwarded", "for=203.0.113.9")
		resp, err := tc.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]string
		json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		want := map[string]string{
			"Host":              host,
			"X-Forwarded-Proto": tc.scheme,
			"X-Forwarded-Host":  host,
			"X-Forwarded-For":   "127.0.0.1",
			"Forwarded":         "",
			"Path":              "/echo?x=1",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: what the app saw (-want +got):\n%s", tc.scheme, diff)
		}
	}
}

func TestProxyStreamsSSE(t *testing.T) {
	firstRead := make(chan struct{})
	target := proxyTestBackend(t, firstRead)
	_, port, _, secure := dualTestServer(t, NewProxy(target, nil))

	resp, err := secure.Get("https://" + dualTestHost + ":" + port + "/sse")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	var events []string
	for len(events) < 2 {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("after %q: %v", events, err)
		}
		if d, ok := strings.CutPrefix(strings.TrimSpace(line), "data: "); ok {
			events = append(events, d)
			if len(events) == 1 {
				close(firstRead) // only now does the app send the second
			}
		}
	}
	if diff := cmp.Diff([]string{"one", "two"}, events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestProxyUpgradesWebSocket(t *testing.T) {
	target := proxyTestBackend(t, nil)
	srv, port, _, _ := dualTestServer(t, NewProxy(target, nil))

	for _, overTLS := range []bool{false, true} {
		raw, err := net.Dial("tcp", srv.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		var c net.Conn = raw
		if overTLS {
			// The handshake's certificate is checked elsewhere; here
			// only the upgrade through TLS matters.
			c = tls.Client(raw, &tls.Config{ServerName: dualTestHost, InsecureSkipVerify: true})
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		key := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef"))
		fmt.Fprintf(c, "GET /ws HTTP/1.1\r\nHost: %s:%s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n\r\n", dualTestHost, port, key)
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("tls=%v: %v", overTLS, err)
		}
		if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != wsAccept(key) {
			t.Fatalf("tls=%v: upgrade answered %s %v", overTLS, resp.Status, resp.Header)
		}
		for _, msg := range []string{"ping", "second message"} {
			io.WriteString(c, msg)
			buf := make([]byte, len(msg))
			if _, err := io.ReadFull(br, buf); err != nil {
				t.Fatalf("tls=%v: echo: %v", overTLS, err)
			}
			if string(buf) != msg {
				t.Errorf("tls=%v: echo %q, want %q", overTLS, buf, msg)
			}
		}
		c.Close()
	}
}

func TestProxyAppNotAnswering(t *testing.T) {
	// A port nobody listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, deadPort, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	target, _ := url.Parse("http://127.0.0.1:" + deadPort)
	h := NewProxy(target, nil)

	want := "The Space's app is not answering on port " + deadPort + " yet (it may still be starting)"
	for _, tc := range []struct {
		method, accept, ctype string
		refresh               bool
	}{
		{"GET", "text/html,application/xhtml+xml,*/*;q=0.8", "text/html; charset=utf-8", true},
		{"POST", "text/html", "text/html; charset=utf-8", false},
		{"GET", "application/json", "text/plain; charset=utf-8", false},
	} {
		req := httptest.NewRequest(tc.method, "http://"+dualTestHost+"/", nil)
		req.Header.Set("Accept", tc.accept)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadGateway {
			t.Errorf("%s %s: status %d, want 502", tc.method, tc.accept, rec.Code)
		}
		body := rec.Body.String()
		if !strings.Contains(strings.ReplaceAll(body, "&#39;", "'"), want) {
			t.Errorf("%s %s: body %q lacks %q", tc.method, tc.accept, body, want)
		}
		if got := rec.Header().Get("Content-Type"); got != tc.ctype {
			t.Errorf("%s %s: Content-Type %q, want %q", tc.method, tc.accept, got, tc.ctype)
		}
		if got := strings.Contains(body, `http-equiv="refresh"`); got != tc.refresh {
			t.Errorf("%s %s: self-refresh %v, want %v", tc.method, tc.accept, got, tc.refresh)
		}
	}
}
