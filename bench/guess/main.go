// Command guess measures what the rate limits leave an attacker, against a
// hubid on 127.0.0.1 (it refuses any other address). It runs for -d (at
// most 60 s) or -n requests, whichever ends first, and stops by itself.
//
// -mode login: -c connections post wrong passwords for -username from
// 127.0.0.1, as fast as the server answers; meanwhile the real user signs
// in with -password every -probe from another address, 127.0.0.2 (the
// same machine, so nothing leaves it). It reports the guesses the server
// checked per second (401 answers), the refusals (429), and the real
// user's sign-in times.
//
// -mode device: -c connections post device authorizations for
// -client-id without credentials, as a public app may; every 200 is a
// row written. It reports rows per second and refusals.
//
//	guess -issuer http://127.0.0.1:8080 -mode login -username demo -password PW -c 64 -d 10s
//	guess -issuer http://127.0.0.1:8080 -mode device -client-id ID -c 16 -d 10s
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "guess:", err)
		os.Exit(1)
	}
}

type counts struct{ ok, checked, limited, other atomic.Int64 }

func run(args []string) error {
	fs := flag.NewFlagSet("guess", flag.ContinueOnError)
	issuer := fs.String("issuer", "http://127.0.0.1:8080", "hubid's URL; must be http://127.0.0.1:PORT")
	mode := fs.String("mode", "login", "login or device")
	username := fs.String("username", "demo", "login: the account attacked (and the real user)")
	password := fs.String("password", "", "login: the real user's password")
	clientID := fs.String("client-id", "", "device: the public app's client_id")
	conns := fs.Int("c", 64, "attacking connections (1-256)")
	dur := fs.Duration("d", 10*time.Second, "duration (at most 60s)")
	maxReq := fs.Int64("n", 1_000_000, "at most this many attacking requests")
	probe := fs.Duration("probe", 250*time.Millisecond, "login: how often the real user signs in")
	if err := fs.Parse(args); err != nil {
		return err
	}
	u, err := url.Parse(*issuer)
	if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.Port() == "" {
		return fmt.Errorf("-issuer %q: only http://127.0.0.1:PORT is allowed", *issuer)
	}
	if *conns < 1 || *conns > 256 || *dur <= 0 || *dur > time.Minute || *maxReq < 1 {
		return errors.New("-c must be 1-256, -d at most 60s, -n positive")
	}
	base := strings.TrimSuffix(*issuer, "/")
	var path string
	var form func(i int64) url.Values
	switch *mode {
	case "login":
		if *password == "" {
			return errors.New("-mode login needs -password (the real user's)")
		}
		path = "/login"
		form = func(i int64) url.Values {
			return url.Values{"username": {*username}, "password": {fmt.Sprint("wrong-guess-", i)}, "next": {"/"}}
		}
	case "device":
		if *clientID == "" {
			return errors.New("-mode device needs -client-id")
		}
		path = "/oauth/device"
		form = func(int64) url.Values { return url.Values{"client_id": {*clientID}} }
	default:
		return fmt.Errorf("-mode %q: use login or device", *mode)
	}

	ctx, cancel := context.WithTimeout(context.Background(), *dur)
	defer cancel()
	attacker := client(*conns, nil)
	var c counts
	var sent atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range *conns {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := sent.Add(1)
				if i > *maxReq {
					return
				}
				status, err := post(ctx, attacker, base, path, form(i))
				switch {
				case err != nil:
					if ctx.Err() == nil {
						c.other.Add(1)
					}
				case status == http.StatusOK:
					c.ok.Add(1)
				case status == http.StatusUnauthorized:
					c.checked.Add(1)
				case status == http.StatusTooManyRequests:
					c.limited.Add(1)
				default:
					c.other.Add(1)
				}
			}
		})
	}
	var real []time.Duration
	var realFailed int
	if *mode == "login" {
		// The real user, from 127.0.0.2, signs in every probe.
		rc := client(1, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)})
		t := time.NewTicker(*probe)
		for ctx.Err() == nil {
			t0 := time.Now()
			status, err := post(ctx, rc, base, "/login", url.Values{"username": {*username}, "password": {*password}, "next": {"/"}})
			if err == nil && status == http.StatusSeeOther {
				real = append(real, time.Since(t0))
			} else if ctx.Err() == nil {
				realFailed++
			}
			select {
			case <-ctx.Done():
			case <-t.C:
			}
		}
		t.Stop()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	fmt.Printf("mode %s, %d connections, %.1f s, %d requests\n", *mode, *conns, secs, min(sent.Load(), *maxReq))
	if *mode == "login" {
		fmt.Printf("guesses checked (401): %d = %.2f/s against %q\n", c.checked.Load(), float64(c.checked.Load())/secs, *username)
	} else {
		fmt.Printf("rows written (200): %d = %.1f/s\n", c.ok.Load(), float64(c.ok.Load())/secs)
	}
	fmt.Printf("refused (429): %d = %.0f/s; other answers or errors: %d\n", c.limited.Load(), float64(c.limited.Load())/secs, c.other.Load())
	if *mode == "login" {
		slices.Sort(real)
		if len(real) == 0 {
			fmt.Printf("real user from 127.0.0.2: no successful sign-in (%d failed)\n", realFailed)
			return nil
		}
		fmt.Printf("real user from 127.0.0.2: %d sign-ins, %d failed; p50 %v, p90 %v, max %v\n", len(real), realFailed,
			real[len(real)/2].Round(time.Millisecond), real[len(real)*9/10].Round(time.Millisecond), real[len(real)-1].Round(time.Millisecond))
	}
	return nil
}

// client is an HTTP client with n connections that never follows
// redirects, dialing from local when given.
func client(n int, local net.Addr) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, LocalAddr: local}
	return &http.Client{
		Timeout:       30 * time.Second,
		Transport:     &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: n, MaxConnsPerHost: n},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func post(ctx context.Context, c *http.Client, base, path string, form url.Values) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}
