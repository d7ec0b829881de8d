package e2e

import (
	"crypto/tls"
	"time"
)

// insecureTLS trusts any certificate: the Space's certificate comes from
// the local CA hubid creates, and these tests only talk to loopback.
func insecureTLS() *tls.Config { return &tls.Config{InsecureSkipVerify: true} }

func sleep() { time.Sleep(50 * time.Millisecond) }
