package main

import (
	"net"
	"sync"
)

// defaultMaxConnections is the default of --max-connections: well under
// the usual soft limit of 1024 open files, leaving room for the database,
// its journal and log files.
const defaultMaxConnections = 512

// limitListener accepts at most cap(sem) connections at once: Accept
// waits for one to close before it takes the next from the kernel's
// backlog, so a flood of (idle) connections cannot use up the process's
// file descriptors. It is netutil.LimitListener, without the dependency.
type limitListener struct {
	net.Listener
	sem       chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// limitListen limits ln to n open connections.
func limitListen(ln net.Listener, n int) net.Listener {
	return &limitListener{Listener: ln, sem: make(chan struct{}, n), done: make(chan struct{})}
}

// Accept waits for a free slot, then accepts.
func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: sync.OnceFunc(func() { <-l.sem })}, nil
}

// Close stops a waiting Accept and closes the listener.
func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// limitConn frees its slot when closed, once.
type limitConn struct {
	net.Conn
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}
