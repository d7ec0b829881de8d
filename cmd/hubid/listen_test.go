package main

import (
	"errors"
	"net"
	"testing"
	"testing/synctest"
)

// chanListener hands out the connections sent on its channel.
type chanListener struct {
	conns  chan net.Conn
	closed chan struct{}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}
func (l *chanListener) Close() error   { close(l.closed); return nil }
func (l *chanListener) Addr() net.Addr { return &net.TCPAddr{} }

// TestLimitListener: at the limit, Accept waits until a connection closes;
// closing one twice frees one slot; Close ends a waiting Accept.
func TestLimitListener(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		inner := &chanListener{conns: make(chan net.Conn, 10), closed: make(chan struct{})}
		for range 4 {
			a, b := net.Pipe()
			defer b.Close()
			inner.conns <- a
		}
		ln := limitListen(inner, 2)
		first, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ln.Accept(); err != nil {
			t.Fatal(err)
		}
		accepted := make(chan net.Conn)
		go func() {
			c, _ := ln.Accept()
			accepted <- c
		}()
		synctest.Wait()
		select {
		case <-accepted:
			t.Fatal("a third connection was accepted with two open and a limit of 2")
		default:
		}
		first.Close()
		first.Close() // a second Close frees nothing more
		third := <-accepted
		if third == nil {
			t.Fatal("no connection accepted after one closed")
		}
		go func() {
			c, err := ln.Accept()
			if c != nil || !errors.Is(err, net.ErrClosed) {
				t.Errorf("Accept at the limit after Close: %v, %v; want net.ErrClosed", c, err)
			}
			accepted <- nil
		}()
		synctest.Wait()
		ln.Close()
		<-accepted
	})
}
