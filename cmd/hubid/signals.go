package main

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// signalHub is hubid's handling of signals: SIGINT and SIGTERM cancel the
// command's context, unless a command has taken the signals over (space
// run, which forwards them to the app it runs).
type signalHub struct {
	mu     sync.Mutex
	taken  bool
	cancel context.CancelFunc
}

// newSignalContext returns a context that SIGINT or SIGTERM cancels while
// no command has taken the signals, the hub, and a func releasing both.
func newSignalContext(parent context.Context) (context.Context, *signalHub, func()) {
	ctx, cancel := context.WithCancel(parent)
	h := &signalHub{cancel: cancel}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		for {
			select {
			case <-ch:
				h.mu.Lock()
				taken := h.taken
				h.mu.Unlock()
				if !taken {
					cancel()
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return ctx, h, func() { signal.Stop(ch); cancel() }
}

// take delivers sig to the returned channel, instead of SIGINT and SIGTERM
// cancelling the context and instead of the default action of the others
// (SIGHUP and SIGQUIT would end hubid), until release is called.
func (h *signalHub) take(sig ...os.Signal) (<-chan os.Signal, func()) {
	h.mu.Lock()
	h.taken = true
	h.mu.Unlock()
	ch := make(chan os.Signal, 8)
	signal.Notify(ch, sig...)
	return ch, func() {
		signal.Stop(ch)
		h.mu.Lock()
		h.taken = false
		h.mu.Unlock()
	}
}
