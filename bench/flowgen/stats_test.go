package main

import (
	"bufio"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var s []time.Duration
	for i := 1; i <= 100; i++ {
		s = append(s, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {90, 90 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0.001, time.Millisecond}} {
		if got := percentile(s, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("empty: %v", got)
	}
	if got := percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("one sample: %v", got)
	}
}

func TestSeriesBounded(t *testing.T) {
	x := newSeries(1000, 1)
	for i := range 100000 {
		x.add(time.Duration(i))
	}
	if len(x.s) != 1000 || x.n != 100000 || x.max != 99999 {
		t.Fatalf("len %d n %d max %v", len(x.s), x.n, x.max)
	}
	// A uniform sample of 0..99999: the median is near 50000.
	s, n, _ := merge([]*series{x})
	if n != 100000 {
		t.Fatalf("n = %d", n)
	}
	if m := percentile(s, 50); m < 40000 || m > 60000 {
		t.Errorf("median of the reservoir = %d, want about 50000", m)
	}
	// Below the limit every sample is kept.
	y := newSeries(1000, 2)
	for i := range 10 {
		y.add(time.Duration(10 - i))
	}
	s, _, mx := merge([]*series{x, y})
	if len(s) != 1010 || !slices.IsSorted(s) || mx != 99999 {
		t.Errorf("merge: %d samples, sorted %v, max %v", len(s), slices.IsSorted(s), mx)
	}
}

func TestParseStat(t *testing.T) {
	// A command name with spaces and parentheses; utime 1234, stime 566.
	line := "4242 (my (odd) server) S 1 4242 4242 0 -1 4194560 1053 0 0 0 1234 566 0 0 20 0 9 0 1000 1700000000 5000 18446744073709551615\n"
	got, err := parseStat(line)
	if err != nil {
		t.Fatal(err)
	}
	if want := 18 * time.Second; got != want { // (1234+566) ticks at 100 Hz
		t.Errorf("cpu = %v, want %v", got, want)
	}
	if _, err := parseStat("4242 (x) S 1 2"); err == nil {
		t.Error("short line: no error")
	}
	if _, err := parseStat("garbage"); err == nil {
		t.Error("no command name: no error")
	}
	// This process has a readable stat file.
	if _, err := cpuTime(0); err != nil {
		t.Skipf("no /proc here: %v", err)
	}
}

func TestParseStatus(t *testing.T) {
	status := "Name:\thubid\nVmPeak:\t 2081304 kB\nVmSize:\t 2081304 kB\nVmHWM:\t  178280 kB\nVmRSS:\t   31972 kB\nThreads:\t9\n"
	m, err := parseStatus(bufio.NewScanner(strings.NewReader(status)))
	if err != nil {
		t.Fatal(err)
	}
	if m.HWM != 178280<<10 || m.RSS != 31972<<10 {
		t.Errorf("got %+v", m)
	}
	if _, err := parseStatus(bufio.NewScanner(strings.NewReader("Name:\tkthreadd\n"))); err == nil {
		t.Error("no Vm lines: no error")
	}
}

func TestParseProcStat(t *testing.T) {
	got, err := parseProcStat("cpu  100 5 50 9000 40 0 3 2 0 0\ncpu0 50 2 25 4500 20 0 1 1 0 0\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := 160 * time.Second / 100; got != want { // 100+5+50+0+3+2 ticks
		t.Errorf("busy = %v, want %v", got, want)
	}
	if _, err := parseProcStat("intr 1 2 3\n"); err == nil {
		t.Error("wrong first line: no error")
	}
}

// The login and consent forms as hubid and oidc-provider 9.13 render them
// (trimmed).
const (
	hubidLogin = `<form method="post" action="/login">
  <input type="hidden" name="next" value="/oauth/authorize?client_id=abc&amp;scope=openid&#43;profile">
  <label for="username">Username</label>
  <input id="username" name="username" type="text" autocomplete="username" required autofocus value="">
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit" class="primary">Sign in</button>
</form>`
	hubidConsent = `<form method="post" action="/oauth/authorize">
  <input type="hidden" name="client_id" value="abc">
  <input type="hidden" name="state" value="{&#34;x&#34;:1}">
  <input type="hidden" name="consent_token" value="tok">
  <div class="buttons">
    <button type="submit" name="consent" value="deny">Deny</button>
    <button type="submit" name="consent" value="allow" class="primary">Allow</button>
  </div>
</form>`
	opLogin = `<form autocomplete="off" action="/interaction/Xy_1" method="post">
  <input type="hidden" name="prompt" value="login"/>
  <input required type="text" name="login" placeholder="Enter any login" autofocus="on" value="">
  <input required type="password" name="password" placeholder="and password" >
  <button type="submit" class="login login-submit">Sign-in</button>
</form>`
	opConsent = `<form autocomplete="off" action="/interaction/Zz_2" method="post">
  <input type="hidden" name="prompt" value="consent"/>
  <button autofocus type="submit" class="login login-submit">Continue</button>
</form>`
)

func TestAdapters(t *testing.T) {
	cases := []struct {
		adapter, page, action string
		want                  map[string]string
	}{
		{"hubid", hubidLogin, "/login", map[string]string{"next": "/oauth/authorize?client_id=abc&scope=openid+profile", "username": "u", "password": "p"}},
		{"hubid", hubidConsent, "/oauth/authorize", map[string]string{"client_id": "abc", "state": `{"x":1}`, "consent_token": "tok", "consent": "allow"}},
		{"devinteractions", opLogin, "/interaction/Xy_1", map[string]string{"prompt": "login", "login": "u", "password": "p"}},
		{"devinteractions", opConsent, "/interaction/Zz_2", map[string]string{"prompt": "consent"}},
	}
	for _, c := range cases {
		f, err := parseForm(`<html><body><form method="get" action="/search"><input name="q"></form>` + c.page + `</body></html>`)
		if err != nil {
			t.Fatalf("%s: %v", c.adapter, err)
		}
		if f.action != c.action {
			t.Errorf("%s: action %q, want %q", c.adapter, f.action, c.action)
		}
		v, err := adapters[c.adapter].fill(f, c.page, "u", "p")
		if err != nil {
			t.Fatalf("%s: %v", c.adapter, err)
		}
		if len(v) != len(c.want) {
			t.Errorf("%s: fields %v, want %v", c.adapter, v, c.want)
		}
		for k, want := range c.want {
			if got := v.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", c.adapter, k, got, want)
			}
		}
	}
	// Each adapter refuses the other's pages rather than posting blindly.
	for _, c := range []struct{ adapter, page string }{{"hubid", opConsent}, {"devinteractions", hubidLogin}} {
		f, _ := parseForm(c.page)
		if _, err := adapters[c.adapter].fill(f, c.page, "u", "p"); err == nil {
			t.Errorf("%s filled a page it does not know", c.adapter)
		}
	}
	if _, err := parseForm(`<p>no form</p>`); err == nil {
		t.Error("a page without a form: no error")
	}
}

func TestAudience(t *testing.T) {
	for in, want := range map[string][]string{`"a"`: {"a"}, `["a","b"]`: {"a", "b"}} {
		var a audience
		if err := json.Unmarshal([]byte(in), &a); err != nil || !slices.Equal(a, want) {
			t.Errorf("%s: %v %v", in, a, err)
		}
	}
	var a audience
	if err := json.Unmarshal([]byte(`3`), &a); err == nil {
		t.Error("a number: no error")
	}
}

func TestLoopbackOnly(t *testing.T) {
	for addr, ok := range map[string]bool{"127.0.0.1:80": true, "[::1]:8080": true, "127.8.9.1:1": true, "10.0.0.1:80": false, "[2001:db8::1]:443": false, "93.184.216.34:80": false} {
		if err := loopbackOnly("tcp", addr, nil); (err == nil) != ok {
			t.Errorf("%s: err %v, want allowed=%v", addr, err, ok)
		}
	}
	for h, ok := range map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true, "example.com": false, "10.1.2.3": false} {
		if isLoopbackHost(h) != ok {
			t.Errorf("isLoopbackHost(%q) != %v", h, ok)
		}
	}
}

func TestFlags(t *testing.T) {
	var out strings.Builder
	if _, err := parseFlags([]string{"-issuer", "http://127.0.0.1:1", "-client-id", "a", "-client-secret", "b", "-username", "u", "-password", "p"}, &out); err != nil {
		t.Fatal(err)
	}
	_, err := parseFlags([]string{"-issuer", "nope", "-login", "other", "-c", "0"}, &out)
	if err == nil || !strings.Contains(err.Error(), "-issuer") || !strings.Contains(err.Error(), "-login") || !strings.Contains(err.Error(), "-c must") {
		t.Errorf("bad flags: %v", err)
	}
}
