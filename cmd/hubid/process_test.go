package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hubidProcess is hubid running as a process of its own: the test binary
// run as hubid (TestMain, HUBID_TEST_MAIN=1), so that it gets real
// signals.
type hubidProcess struct {
	cmd    *exec.Cmd
	base   string
	stderr *syncBuffer
	done   chan error
}

// startProcess starts "hubid args…" (which must listen on 127.0.0.1:0 and
// log its address, as serve does) and returns once it answers /healthz.
// The test's cleanup kills it if it still runs.
func startProcess(t *testing.T, args ...string) *hubidProcess {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := &hubidProcess{cmd: exec.Command(exe, args...), stderr: new(syncBuffer), done: make(chan error, 1)}
	p.cmd.Env = append(os.Environ(), "HUBID_TEST_MAIN=1", "HUBID_DATABASE_URL=", "HUBID_DATA=")
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		p.done <- nil // for a wait racing the cleanup
	})
	addrRE := regexp.MustCompile(`"addr":"(127\.0\.0\.1:\d+)"`)
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if p.base == "" {
			if m := addrRE.FindStringSubmatch(p.stderr.String()); m != nil {
				p.base = "http://" + m[1]
			}
		}
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("hubid %s exited (%v): %s", args[0], err, p.stderr.String())
		default:
		}
		if p.base == "" {
			continue
		}
		if resp, err := http.Get(p.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
	}
	t.Fatalf("hubid %s never became healthy: %s", args[0], p.stderr.String())
	return nil
}

// wait waits for the process to exit and returns its exit status.
func (p *hubidProcess) wait(t *testing.T) int {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(60 * time.Second):
		t.Fatalf("hubid did not exit: %s", p.stderr.String())
		return -1
	}
}

// TestSIGTERMDrains: SIGTERM makes serve stop accepting connections and
// exit 0, after finishing a request it was in the middle of. The request
// is held in flight by its body: the server has read its headers and the
// handler asked for the body (100 Continue) before the signal; the body
// comes only once the listener is closed.
func TestSIGTERMDrains(t *testing.T) {
	dir := t.TempDir()
	p := startProcess(t, "serve", "--addr", "127.0.0.1:0", "--data", dir, "--issuer", "https://hub.example", "--secret-key-file", testKeyFile(t))
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(p.base + path)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %v %v", path, resp, err)
		}
		resp.Body.Close()
	}

	addr := strings.TrimPrefix(p.base, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	body := "grant_type=client_credentials&client_id=nobody"
	fmt.Fprintf(conn, "POST /oauth/token HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", addr, len(body))
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("want 100 Continue (the handler reading the body), got %q %v", line, err)
	}
	if _, err := r.ReadString('\n'); err != nil { // the blank line after 100 Continue
		t.Fatal(err)
	}

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Shutting down closes the listener first: wait for that.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("serve still accepts connections after SIGTERM")
		}
	}
	if _, err := conn.Write([]byte(body)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("the in-flight request got no response: %v", err)
	}
	var sb strings.Builder
	_, err = bufio.NewReader(resp.Body).WriteTo(&sb)
	resp.Body.Close()
	if err != nil || resp.StatusCode < 400 || resp.StatusCode >= 500 || !strings.Contains(sb.String(), `"error"`) {
		t.Errorf("the in-flight request: %d %q %v; want the token endpoint's complete 4xx answer", resp.StatusCode, sb.String(), err)
	}
	if code := p.wait(t); code != 0 {
		t.Errorf("serve exited %d after SIGTERM: %s", code, p.stderr.String())
	}
}
