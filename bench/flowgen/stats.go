package main

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// series collects durations with bounded memory: every sample is kept up
// to limit, then reservoir sampling (Algorithm R) keeps a uniform sample of
// limit of them. The count and the maximum are always exact.
type series struct {
	n     int64
	max   time.Duration
	s     []time.Duration
	limit int
	rng   *rand.Rand
}

func newSeries(limit int, seed uint64) *series {
	return &series{limit: limit, rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))}
}

func (x *series) add(d time.Duration) {
	x.n++
	if d > x.max {
		x.max = d
	}
	if len(x.s) < x.limit {
		x.s = append(x.s, d)
		return
	}
	if j := x.rng.Int64N(x.n); j < int64(x.limit) {
		x.s[j] = d
	}
}

// merge returns the union of the samples of xs, sorted, with the exact
// count and maximum. Each worker's reservoir samples its own flows
// uniformly and the workers run the same loop, so the union is a fair
// sample of all flows.
func merge(xs []*series) (samples []time.Duration, n int64, max time.Duration) {
	for _, x := range xs {
		samples = append(samples, x.s...)
		n += x.n
		if x.max > max {
			max = x.max
		}
	}
	slices.Sort(samples)
	return samples, n, max
}

// percentile is the nearest-rank percentile (0 < p <= 100) of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// Latency is a distribution in milliseconds.
type Latency struct {
	N   int64   `json:"n"`
	P50 float64 `json:"p50_ms"`
	P90 float64 `json:"p90_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

func summarize(xs []*series) Latency {
	s, n, mx := merge(xs)
	return Latency{N: n, P50: ms(percentile(s, 50)), P90: ms(percentile(s, 90)), P99: ms(percentile(s, 99)), Max: ms(mx)}
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat.
// The kernel reports them in USER_HZ on every architecture Linux supports
// today, and USER_HZ is 100 there (what `getconf CLK_TCK` prints),
// whatever the kernel's own CONFIG_HZ is. So CPU times have a 10 ms
// resolution: measure for seconds, not milliseconds.
const clockTicks = 100

// cpuTime reads the user+system CPU time of process pid (all its threads)
// from /proc/PID/stat; pid 0 means this process.
func cpuTime(pid int) (time.Duration, error) {
	path := "/proc/self/stat"
	if pid != 0 {
		path = fmt.Sprintf("/proc/%d/stat", pid)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return parseStat(string(b))
}

// parseStat extracts utime+stime from a /proc/PID/stat line. The command
// name (field 2) is in parentheses and may itself contain spaces and
// parentheses, so fields are counted from the last ')'.
func parseStat(s string) (time.Duration, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc stat: no command name in %.60q", s)
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc stat: %d fields after the command name, want at least 13", len(f))
	}
	var ticks int64
	for _, v := range f[11:13] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc stat: %v", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// memory is what /proc/PID/status says about a process's resident memory.
type memory struct {
	HWM, RSS int64 // bytes: peak resident set size (VmHWM) and current (VmRSS)
}

func readMemory(pid int) (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	defer f.Close()
	return parseStatus(bufio.NewScanner(f))
}

func parseStatus(sc *bufio.Scanner) (memory, error) {
	var m memory
	var seen int
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmHWM" && k != "VmRSS") {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return m, fmt.Errorf("/proc status: unexpected %s line %q", k, v)
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return m, fmt.Errorf("/proc status: %s: %v", k, err)
		}
		if k == "VmHWM" {
			m.HWM = n << 10
		} else {
			m.RSS = n << 10
		}
		seen++
	}
	if err := sc.Err(); err != nil {
		return m, err
	}
	if seen != 2 {
		return m, fmt.Errorf("/proc status: no VmHWM/VmRSS (a kernel thread, or not Linux?)")
	}
	return m, nil
}

// machineBusy reads the CPU time all CPUs of the machine spent not idle
// (user, nice, system, irq, softirq, steal; guest time is part of user)
// from the first line of /proc/stat.
func machineBusy() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	return parseProcStat(string(b))
}

func parseProcStat(s string) (time.Duration, error) {
	line, _, _ := strings.Cut(s, "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, fmt.Errorf("/proc/stat: unexpected first line %.80q", line)
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} { // user nice system [idle iowait] irq softirq steal
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: %v", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// loadAverage returns the 1-minute load average, or -1 if unknown.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return v
}
