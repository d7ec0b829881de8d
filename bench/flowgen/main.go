// Command flowgen is a load generator for OpenID providers: it drives
// complete authorization-code flows with existing browser sessions and
// reports flows per second, latency per flow and per step, and the
// server's CPU time per flow and peak memory.
//
// One flow is: GET the authorization endpoint with the worker's session
// cookie, without following redirects (it must answer 303, or 302, to the
// redirect_uri with a code and the flow's state); POST the code to the
// token endpoint with client_secret_basic (it must return access_token and
// id_token); verify the ID token's signature against the JWKS (fetched
// once) and its iss, aud, nonce and exp; GET the userinfo endpoint with the
// access token (it must return the ID token's sub). The redirect_uri is
// never contacted.
//
// Each of the -c workers has its own cookie jar and signs in once, through
// the provider's real login form, before anything is measured (-login
// selects the adapter for the provider's pages); consent is granted then.
// Without -rate the workers run flows back to back (closed loop). With
// -rate R flows are scheduled at R per second and handed to the -c
// workers (open loop); a flow's latency runs from its scheduled start, so
// queueing, in the server or in the driver, is not hidden. Flows that
// start during -warmup are discarded; then flows start for -d, and the
// run ends when they are done. flowgen connects to loopback addresses
// only.
//
// With -pid, the server's CPU time (user+system, all threads, from
// /proc/PID/stat) over the measurement gives CPU milliseconds per flow,
// the number that means most on a small shared machine. Its resident set
// size (/proc/PID/status VmRSS) is sampled every 50 ms during the
// measurement for the peak, and VmHWM gives the peak over its life. The
// busy time of the whole machine (/proc/stat) minus the server's and
// flowgen's own shows how much other processes disturbed the run. Linux
// only for these.
//
//	flowgen -issuer http://127.0.0.1:8080 -client-id ID -client-secret S \
//	  -redirect-uri http://127.0.0.1:9999/login/callback \
//	  -login hubid -username demo -password PW -c 8 -d 10s -warmup 3s -pid PID
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

type config struct {
	issuer, clientID, clientSecret, redirectURI, scope string
	redirect                                           *url.URL
	workers                                            int
	rate                                               float64
	duration, warmup, timeout                          time.Duration
	pid                                                int
	login, username, password                          string
	label                                              string
	json                                               bool
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "flowgen: %v\n", err)
		return 2
	}
	res, err := bench(context.Background(), cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "flowgen: %v\n", err)
		return 1
	}
	if cfg.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(res)
	} else {
		res.print(stdout)
	}
	if res.Errors > 0 || res.Flows == 0 {
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("flowgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	fs.StringVar(&c.issuer, "issuer", "", "the provider's issuer URL (discovery is at ISSUER/.well-known/openid-configuration); loopback only")
	fs.StringVar(&c.clientID, "client-id", "", "client_id of a confidential client")
	fs.StringVar(&c.clientSecret, "client-secret", "", "its secret (sent with client_secret_basic)")
	fs.StringVar(&c.redirectURI, "redirect-uri", "http://127.0.0.1:9999/login/callback", "a registered redirect URI (never contacted)")
	fs.StringVar(&c.scope, "scope", "openid profile email", "scope of the authorization requests")
	fs.IntVar(&c.workers, "c", 1, "workers, each with its own login session (in open loop: the pool serving the schedule)")
	fs.Float64Var(&c.rate, "rate", 0, "open loop: start flows at this many per second (0: closed loop, -c workers back to back)")
	fs.DurationVar(&c.duration, "d", 10*time.Second, "measured duration (flows start during it; the run ends when they finish)")
	fs.DurationVar(&c.warmup, "warmup", 3*time.Second, "warm-up before the measurement; its flows are discarded")
	fs.DurationVar(&c.timeout, "timeout", 10*time.Second, "timeout of each HTTP request")
	fs.IntVar(&c.pid, "pid", 0, "the server's process id, to report its CPU time per flow and peak RSS (Linux /proc)")
	fs.StringVar(&c.login, "login", "hubid", "login adapter for the provider's pages: hubid or devinteractions (node oidc-provider)")
	fs.StringVar(&c.username, "username", "", "user to sign in as (devinteractions takes any)")
	fs.StringVar(&c.password, "password", "", "the user's password (devinteractions takes any)")
	fs.StringVar(&c.label, "label", "", "a name for this run, copied into the result")
	fs.BoolVar(&c.json, "json", false, "print the result as one JSON object")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: flowgen -issuer URL -client-id ID -client-secret SECRET -login hubid|devinteractions -username U -password P [flags]\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var problems []string
	if u, err := url.Parse(c.issuer); c.issuer == "" || err != nil || u.Host == "" {
		problems = append(problems, "-issuer must be an absolute URL")
	}
	if c.clientID == "" || c.clientSecret == "" {
		problems = append(problems, "-client-id and -client-secret are required")
	}
	if u, err := url.Parse(c.redirectURI); err != nil || u.Host == "" {
		problems = append(problems, "-redirect-uri must be an absolute URL")
	} else {
		c.redirect = u
	}
	if _, ok := adapters[c.login]; !ok {
		problems = append(problems, fmt.Sprintf("-login %q: use hubid or devinteractions", c.login))
	}
	if c.username == "" || c.password == "" {
		problems = append(problems, "-username and -password are required (any values for devinteractions)")
	}
	if c.workers < 1 || c.workers > 1024 {
		problems = append(problems, "-c must be 1 to 1024")
	}
	if c.rate < 0 || c.rate > 100000 {
		problems = append(problems, "-rate must be 0 (closed loop) to 100000")
	}
	if c.duration <= 0 || c.duration > 10*time.Minute || c.warmup < 0 || c.warmup > time.Minute {
		problems = append(problems, "-d must be in (0, 10m] and -warmup in [0, 1m]")
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return c, nil
}

// worker is one simulated browser and what it measured.
type worker struct {
	*client
	id                                   int
	flow, authz, token, verify, userinfo *series
	queued                               *series // open loop: scheduled start to actual start
	flows, errors, discarded             int64
	firstErr                             error
	firstErrAt                           time.Time
	lastEnd                              time.Time
}

// perWorkerSamples bounds the memory of the latency samples: 5 series of
// at most this many durations per worker, enough to keep every flow of a
// 20-second run at several thousand flows per second.
const perWorkerSamples = 1 << 17

func (w *worker) record(start, sched, end time.Time, st stepTimes, err error) {
	if end.After(w.lastEnd) {
		w.lastEnd = end
	}
	if err != nil {
		w.errors++
		if w.firstErr == nil {
			w.firstErr, w.firstErrAt = err, end
		}
		return
	}
	w.flows++
	w.flow.add(end.Sub(sched))
	w.queued.add(start.Sub(sched))
	w.authz.add(st.authorize)
	w.token.add(st.token)
	w.verify.add(st.verify)
	w.userinfo.add(st.userinfo)
}

// bench discovers the provider, signs every worker in, runs the warm-up and
// the measurement, and summarizes.
func bench(ctx context.Context, cfg *config, log io.Writer) (*Result, error) {
	tr := newTransport(cfg.workers)
	defer tr.CloseIdleConnections()
	back := &http.Client{Transport: tr, Timeout: cfg.timeout}
	// Refuse a non-loopback issuer before the first request too (the
	// dialer would anyway), with a clearer message.
	if u, _ := url.Parse(cfg.issuer); !isLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("-issuer %s: flowgen only talks to loopback addresses (127.0.0.0/8, ::1, localhost)", cfg.issuer)
	}
	p, err := discover(ctx, back, cfg.issuer)
	if err != nil {
		return nil, err
	}
	ad := adapters[cfg.login]
	runID := fmt.Sprintf("%x", time.Now().UnixNano()&0xffffffffff)
	workers := make([]*worker, cfg.workers)
	for i := range workers {
		jar, _ := cookiejar.New(nil)
		br := &http.Client{Transport: tr, Jar: jar, Timeout: cfg.timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		seed := uint64(i) + 1
		workers[i] = &worker{
			client: &client{cfg: cfg, p: p, browser: br, back: back}, id: i,
			flow: newSeries(perWorkerSamples, seed), authz: newSeries(perWorkerSamples, seed), token: newSeries(perWorkerSamples, seed),
			verify: newSeries(perWorkerSamples, seed), userinfo: newSeries(perWorkerSamples, seed), queued: newSeries(perWorkerSamples, seed),
		}
	}

	// Setup, not measured: every worker signs in through the login form.
	setupCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	setupStart := time.Now()
	errc := make(chan error, len(workers))
	for _, w := range workers {
		go func() {
			errc <- w.login(setupCtx, ad, fmt.Sprintf("setup-%s-%d", runID, w.id), fmt.Sprintf("n-setup-%s-%d", runID, w.id))
		}()
	}
	for range workers {
		if err := <-errc; err != nil {
			return nil, fmt.Errorf("setup (%s login as %q): %w", cfg.login, cfg.username, err)
		}
	}
	setup := time.Since(setupStart)

	res := &Result{
		Label: cfg.label, Issuer: p.Issuer, Login: cfg.login, Workers: cfg.workers, Rate: cfg.rate,
		Warmup: cfg.warmup.Seconds(), Duration: cfg.duration.Seconds(), SetupSeconds: round3(setup.Seconds()),
		ClockTicks: clockTicks, LoadBefore: loadAverage(),
	}
	res.Mode = "closed"
	if cfg.rate > 0 {
		res.Mode = "open"
	}

	// The run: flows that start (or are scheduled) in [w0, w1) count.
	t0 := time.Now()
	w0, w1 := t0.Add(cfg.warmup), t0.Add(cfg.warmup+cfg.duration)
	// Every flow has at most 3 requests of cfg.timeout; flows still queued
	// (open loop) get this long after w1 before they count as failed.
	runCtx, cancelRun := context.WithDeadline(ctx, w1.Add(3*cfg.timeout+5*time.Second))
	defer cancelRun()

	var mu sync.Mutex // guards the samples at w0
	var cpu0, self0, busy0 time.Duration
	var cpuErr error
	var rss0 int64
	snap := time.AfterFunc(time.Until(w0), func() {
		mu.Lock()
		defer mu.Unlock()
		if cfg.pid != 0 {
			cpu0, cpuErr = cpuTime(cfg.pid)
			if m, err := readMemory(cfg.pid); err == nil {
				rss0 = m.RSS
			}
		}
		self0, _ = cpuTime(0)
		busy0, _ = machineBusy()
	})
	defer snap.Stop()
	// The server's RSS, sampled every 50 ms during the measurement.
	peak := make(chan int64, 1)
	samplerDone := make(chan struct{})
	go func() {
		var max int64
		defer func() { peak <- max }()
		if cfg.pid == 0 {
			return
		}
		select {
		case <-time.After(time.Until(w0)):
		case <-samplerDone:
			return
		}
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if m, err := readMemory(cfg.pid); err == nil && m.RSS > max {
				max = m.RSS
			}
			select {
			case <-t.C:
			case <-samplerDone:
				return
			}
		}
	}()

	var wg sync.WaitGroup
	var sched chan time.Time
	if cfg.rate > 0 {
		sched = make(chan time.Time, 4096)
		go schedule(runCtx, sched, t0, w1, cfg.rate)
	}
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				var s time.Time
				if sched == nil {
					s = time.Now()
					if !s.Before(w1) {
						return
					}
				} else {
					var ok bool
					select {
					case s, ok = <-sched:
						if !ok {
							return
						}
					case <-runCtx.Done():
						return
					}
				}
				state := fmt.Sprintf("s-%s-%d-%d", runID, w.id, i)
				start := time.Now()
				var st stepTimes
				var err error
				if runCtx.Err() != nil {
					err = failf("driver", "flow scheduled at +%v not started before the drain deadline: the driver fell behind the schedule", s.Sub(t0).Round(time.Millisecond))
				} else {
					st, err = w.runFlow(runCtx, state, "n"+state[1:])
				}
				end := time.Now()
				if s.Before(w0) {
					w.discarded++
					continue
				}
				w.record(start, s, end, st, err)
			}
		}()
	}
	wg.Wait()
	end := time.Now()
	close(samplerDone)
	peakRSS := <-peak
	res.LoadAfter = loadAverage()
	mu.Lock()
	defer mu.Unlock()

	res.summarize(workers, w0, w1)
	self1, _ := cpuTime(0)
	busy1, busyErr := machineBusy()
	res.Driver = &ProcStats{CPUms: ms(self1 - self0)}
	if res.Flows > 0 {
		res.Driver.CPUmsPerFlow = round3(res.Driver.CPUms / float64(res.Flows))
	}
	if cfg.pid != 0 {
		cpu1, err := cpuTime(cfg.pid)
		mem, merr := readMemory(cfg.pid)
		if err = errors.Join(cpuErr, err, merr); err != nil {
			return nil, fmt.Errorf("server process %d: %w", cfg.pid, err)
		}
		window := end.Sub(w0).Seconds()
		s := &ProcStats{PID: cfg.pid, CPUms: ms(cpu1 - cpu0), PeakRSSMiB: mib(max(peakRSS, mem.RSS)), StartRSSMiB: mib(rss0),
			RSSMiB: mib(mem.RSS), LifetimePeakRSSMiB: mib(mem.HWM)}
		s.CPUPercent = round3(100 * (cpu1 - cpu0).Seconds() / window)
		if res.Flows > 0 {
			s.CPUmsPerFlow = round3(s.CPUms / float64(res.Flows))
		}
		res.Server = s
	}
	if busyErr == nil && busy0 > 0 {
		window := end.Sub(w0).Seconds()
		res.MachineCPUPercent = round3(100 * (busy1 - busy0).Seconds() / window)
		if res.Server != nil {
			others := (busy1 - busy0) - (self1 - self0) - time.Duration(res.Server.CPUms*1e6)
			res.OthersCPUPercent = round3(100 * max(others, 0).Seconds() / window)
		}
	}
	return res, nil
}

// schedule sends the scheduled start times of an open-loop run: rate per
// second from t0 until w1. A time is sent even when it is already past
// (the workers were busy), so the flow's latency still counts from it.
func schedule(ctx context.Context, out chan<- time.Time, t0, w1 time.Time, rate float64) {
	defer close(out)
	for i := int64(0); ; i++ {
		at := t0.Add(time.Duration(float64(i) * float64(time.Second) / rate))
		if !at.Before(w1) {
			return
		}
		if d := time.Until(at); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return
			}
		}
		select {
		case out <- at:
		case <-ctx.Done():
			return
		}
	}
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

// Result is what a run measured. Times are milliseconds unless named
// otherwise.
type Result struct {
	Label        string             `json:"label,omitempty"`
	Issuer       string             `json:"issuer"`
	Login        string             `json:"login"`
	Mode         string             `json:"mode"` // closed or open
	Workers      int                `json:"workers"`
	Rate         float64            `json:"target_rate,omitempty"`
	Warmup       float64            `json:"warmup_seconds"`
	Duration     float64            `json:"duration_seconds"`
	Elapsed      float64            `json:"measured_seconds"` // from the end of the warm-up to the end of the last counted flow
	SetupSeconds float64            `json:"setup_seconds"`
	Flows        int64              `json:"flows"`
	Errors       int64              `json:"errors"`
	FirstError   string             `json:"first_error,omitempty"`
	FlowsPerSec  float64            `json:"flows_per_second"`
	Flow         Latency            `json:"flow"`
	Steps        map[string]Latency `json:"steps"`
	Queued       *Latency           `json:"queued,omitempty"` // open loop: scheduled start to actual start
	Server       *ProcStats         `json:"server,omitempty"`
	Driver       *ProcStats         `json:"driver"`
	ClockTicks   int                `json:"clock_ticks_per_second"`
	// MachineCPUPercent is the busy time of all CPUs during the
	// measurement, in % of one CPU; OthersCPUPercent is what remains after
	// the server's and flowgen's own: other processes competing for the
	// machine (with -pid only).
	MachineCPUPercent float64 `json:"machine_cpu_percent"`
	OthersCPUPercent  float64 `json:"others_cpu_percent"`
	LoadBefore        float64 `json:"loadavg1_before"`
	LoadAfter         float64 `json:"loadavg1_after"`
}

// ProcStats is a process's CPU time over the measurement and its memory.
type ProcStats struct {
	PID          int     `json:"pid,omitempty"`
	CPUms        float64 `json:"cpu_ms"`
	CPUPercent   float64 `json:"cpu_percent_of_one_core,omitempty"`
	CPUmsPerFlow float64 `json:"cpu_ms_per_flow"`
	// Resident set size (VmRSS): the highest of samples taken every 50 ms
	// during the measurement, at its start, and at the end; and VmHWM at the
	// end, the peak over the process's life (the logins of the setup
	// included).
	PeakRSSMiB         float64 `json:"peak_rss_mib,omitempty"`
	StartRSSMiB        float64 `json:"start_rss_mib,omitempty"`
	RSSMiB             float64 `json:"rss_mib,omitempty"`
	LifetimePeakRSSMiB float64 `json:"lifetime_peak_rss_mib,omitempty"`
}

func mib(b int64) float64 { return round3(float64(b) / (1 << 20)) }

func (r *Result) summarize(ws []*worker, w0, w1 time.Time) {
	var flow, authz, token, verify, userinfo, queued []*series
	last := w1
	var firstAt time.Time
	for _, w := range ws {
		r.Flows += w.flows
		r.Errors += w.errors
		if w.firstErr != nil && (firstAt.IsZero() || w.firstErrAt.Before(firstAt)) {
			r.FirstError, firstAt = w.firstErr.Error(), w.firstErrAt
		}
		if w.lastEnd.After(last) {
			last = w.lastEnd
		}
		flow, authz, token = append(flow, w.flow), append(authz, w.authz), append(token, w.token)
		verify, userinfo, queued = append(verify, w.verify), append(userinfo, w.userinfo), append(queued, w.queued)
	}
	r.Elapsed = round3(last.Sub(w0).Seconds())
	if r.Elapsed > 0 {
		r.FlowsPerSec = round3(float64(r.Flows) / r.Elapsed)
	}
	r.Flow = summarize(flow)
	r.Steps = map[string]Latency{
		"authorize": summarize(authz), "token": summarize(token), "verify": summarize(verify), "userinfo": summarize(userinfo),
	}
	if r.Mode == "open" {
		q := summarize(queued)
		r.Queued = &q
	}
}

func (r *Result) print(w io.Writer) {
	mode := fmt.Sprintf("closed loop, c=%d", r.Workers)
	if r.Mode == "open" {
		mode = fmt.Sprintf("open loop at %g flows/s, %d workers", r.Rate, r.Workers)
	}
	if r.Label != "" {
		fmt.Fprintf(w, "%s\n", r.Label)
	}
	fmt.Fprintf(w, "%s (login %s): %s, %gs after a %gs warm-up (setup %.1fs)\n", r.Issuer, r.Login, mode, r.Duration, r.Warmup, r.SetupSeconds)
	fmt.Fprintf(w, "flows      %d ok, %d errors in %.2fs: %.1f flows/s\n", r.Flows, r.Errors, r.Elapsed, r.FlowsPerSec)
	if r.FirstError != "" {
		fmt.Fprintf(w, "first error: %s\n", r.FirstError)
	}
	line := func(name string, l Latency) {
		fmt.Fprintf(w, "%-10s p50 %7.3f  p90 %7.3f  p99 %7.3f  max %8.3f ms\n", name, l.P50, l.P90, l.P99, l.Max)
	}
	line("flow", r.Flow)
	for _, s := range []string{"authorize", "token", "verify", "userinfo"} {
		line("  "+s, r.Steps[s])
	}
	if r.Queued != nil {
		line("  queued", *r.Queued)
	}
	if s := r.Server; s != nil {
		fmt.Fprintf(w, "server     pid %d: CPU %.0f ms (%.0f%% of a core), %.3f ms/flow\n", s.PID, s.CPUms, s.CPUPercent, s.CPUmsPerFlow)
		fmt.Fprintf(w, "           RSS %.1f MiB at the start of the measurement, peak %.1f MiB, %.1f MiB at the end; lifetime peak (VmHWM) %.1f MiB\n",
			s.StartRSSMiB, s.PeakRSSMiB, s.RSSMiB, s.LifetimePeakRSSMiB)
	}
	fmt.Fprintf(w, "driver     CPU %.3f ms/flow\n", r.Driver.CPUmsPerFlow)
	fmt.Fprintf(w, "machine    CPU %.0f%% of one CPU busy, %.0f%% by other processes; load average %.2f before, %.2f after\n",
		r.MachineCPUPercent, r.OthersCPUPercent, r.LoadBefore, r.LoadAfter)
}
