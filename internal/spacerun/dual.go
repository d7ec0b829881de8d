package spacerun

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Timeouts of the Space host server.
const (
	// SniffTimeout bounds how long a new connection may stay silent before
	// its first byte tells TLS from plain HTTP.
	SniffTimeout      = 10 * time.Second
	readHeaderTimeout = 20 * time.Second
	idleTimeout       = 2 * time.Minute
)

// tlsRecordHandshake is the first byte of every TLS connection (a
// handshake record); no HTTP/1 request line starts with it.
const tlsRecordHandshake = 0x16

// DualServer serves one handler over plain HTTP/1.1 and TLS on the same
// listener. Create it with ServeDual.
type DualServer struct {
	srv  *http.Server
	ln   *dualListener
	done chan struct{}
	err  error // Serve's result, set before done is closed
}

// ServeDual starts serving h on ln, over both plain HTTP/1.1 and HTTPS:
// each accepted connection is classified by its first byte (0x16, a TLS
// handshake record, means TLS with tlsCfg; anything else is plain HTTP).
// Requests that came over TLS have r.TLS set. Only HTTP/1.1 is spoken,
// also over TLS (ALPN "http/1.1"; see the HTTP/2 advisory GO-2026-6617).
// tlsCfg is cloned; nil serves plain HTTP only and drops TLS connections.
// The server's own errors (bad handshakes, malformed requests) go to log at
// warning level; nil discards them.
func ServeDual(ln net.Listener, tlsCfg *tls.Config, h http.Handler, log *slog.Logger) *DualServer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if tlsCfg != nil {
		tlsCfg = tlsCfg.Clone()
		tlsCfg.NextProtos = []string{"http/1.1"}
		if tlsCfg.MinVersion == 0 {
			tlsCfg.MinVersion = tls.VersionTLS12
		}
	}
	var protos http.Protocols
	protos.SetHTTP1(true)
	dl := &dualListener{
		raw:    ln,
		tlsCfg: tlsCfg,
		conns:  make(chan net.Conn),
		closed: make(chan struct{}),
		live:   map[*sniffedConn]struct{}{},
	}
	s := &DualServer{
		srv: &http.Server{
			Handler:           h,
			Protocols:         &protos,
			TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){},
			ReadHeaderTimeout: readHeaderTimeout,
			IdleTimeout:       idleTimeout,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		ln:   dl,
		done: make(chan struct{}),
	}
	go dl.acceptLoop()
	go func() {
		err := s.srv.Serve(dl)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.err = err
		close(s.done)
	}()
	return s
}

// Addr is the address the server listens on.
func (s *DualServer) Addr() net.Addr { return s.ln.Addr() }

// Shutdown stops accepting connections, waits for requests in flight to
// finish (or ctx to end), then closes every connection left, hijacked ones
// (WebSockets) included. It returns ctx's error when requests were still
// running.
func (s *DualServer) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	s.ln.closeAll()
	<-s.done
	return err
}

// Close stops the server at once, closing every connection.
func (s *DualServer) Close() error {
	err := s.srv.Close()
	s.ln.closeAll()
	<-s.done
	return err
}

// Wait blocks until the server has stopped and returns why: nil after
// Shutdown or Close, the listener's error otherwise.
func (s *DualServer) Wait() error {
	<-s.done
	return s.err
}

// dualListener accepts from raw, sniffs each connection in its own
// goroutine (so that a silent client does not hold up others), and hands
// http.Server either a *tls.Conn (which is how http.Server knows to set
// r.TLS) or the plain connection, with the peeked byte kept.
type dualListener struct {
	raw    net.Listener
	tlsCfg *tls.Config
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once

	mu      sync.Mutex
	err     error                     // why acceptLoop stopped
	live    map[*sniffedConn]struct{} // every connection not yet closed
	stopped bool                      // closeAll ran: refuse new ones
}

func (l *dualListener) acceptLoop() {
	var backoff time.Duration
	for {
		c, err := l.raw.Accept()
		if err != nil {
			var te interface{ Temporary() bool }
			if errors.As(err, &te) && te.Temporary() {
				// Transient, such as EMFILE (http.Server treats these
				// the same way): back off and retry.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				select {
				case <-time.After(backoff):
					continue
				case <-l.closed:
					return
				}
			}
			select {
			case <-l.closed: // closed by us: not an error
			default:
				l.mu.Lock()
				l.err = err
				l.mu.Unlock()
				l.shut()
			}
			return
		}
		backoff = 0
		sc := &sniffedConn{Conn: c, r: bufio.NewReader(c), l: l}
		if !l.track(sc) {
			c.Close()
			return
		}
		go l.sniff(sc)
	}
}

func (l *dualListener) sniff(sc *sniffedConn) {
	sc.SetReadDeadline(time.Now().Add(SniffTimeout))
	first, err := sc.r.Peek(1)
	sc.SetReadDeadline(time.Time{})
	if err != nil {
		sc.Close()
		return
	}
	var c net.Conn = sc
	if first[0] == tlsRecordHandshake {
		if l.tlsCfg == nil {
			sc.Close()
			return
		}
		c = tls.Server(sc, l.tlsCfg)
	}
	select {
	case l.conns <- c:
	case <-l.closed:
		c.Close()
	}
}

// Accept returns the next classified connection.
func (l *dualListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.err != nil {
			return nil, l.err
		}
		return nil, net.ErrClosed
	}
}

// Close stops accepting and drops connections still being sniffed;
// connections already handed to http.Server are left to it.
func (l *dualListener) Close() error {
	l.shut()
	return nil
}

func (l *dualListener) shut() {
	l.once.Do(func() {
		close(l.closed)
		l.raw.Close()
	})
}

func (l *dualListener) Addr() net.Addr { return l.raw.Addr() }

func (l *dualListener) track(c *sniffedConn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		return false
	}
	l.live[c] = struct{}{}
	return true
}

func (l *dualListener) untrack(c *sniffedConn) {
	l.mu.Lock()
	delete(l.live, c)
	l.mu.Unlock()
}

// closeAll closes the listener and every connection still open,
// including hijacked ones that http.Server no longer tracks.
func (l *dualListener) closeAll() {
	l.shut()
	l.mu.Lock()
	l.stopped = true
	conns := make([]*sniffedConn, 0, len(l.live))
	for c := range l.live {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// sniffedConn is a connection whose first bytes were read ahead into r.
type sniffedConn struct {
	net.Conn
	r    *bufio.Reader
	l    *dualListener
	once sync.Once
}

func (c *sniffedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func (c *sniffedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.untrack(c) })
	return err
}
