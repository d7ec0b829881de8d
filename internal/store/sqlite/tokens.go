package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hubid/hubid/internal/store"
)

const codeCols = `hash, client_id, user_id, redirect_uri, scopes, nonce, code_challenge,
	auth_time, created_at, expires_at, orgs, used_at`

// qInsertCode records a redeemed code; a second one with the same hash
// inserts nothing.
const qInsertCode = `INSERT INTO auth_codes (` + codeCols + `) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (hash) DO NOTHING`

func scanCode(sc scanner) (store.AuthCode, error) {
	var c store.AuthCode
	err := sc.Scan(digestCol{&c.Hash}, &c.ClientID, &c.UserID, &c.RedirectURI, listCol{&c.Scopes},
		&c.Nonce, &c.CodeChallenge, timeCol{&c.AuthTime}, timeCol{&c.CreatedAt},
		timeCol{&c.ExpiresAt}, listCol{&c.Orgs}, timeCol{&c.UsedAt})
	return c, err
}

// Code implements store.Store.
func (db *DB) Code(ctx context.Context, hash store.Digest) (store.AuthCode, error) {
	row, err := db.queryRow(ctx, `SELECT `+codeCols+` FROM auth_codes WHERE hash = ?`, hash[:])
	if err != nil {
		return store.AuthCode{}, fail("get code", err)
	}
	c, err := scanCode(row)
	if err != nil {
		return store.AuthCode{}, fail("get code", notFound(err))
	}
	return c, nil
}

// RedeemCode implements store.Store: in one write transaction it inserts c,
// used at now, and the issued tokens. A code already recorded is
// store.ErrCodeUsed; on any error nothing is stored. It does not look at
// ExpiresAt: the caller checked it.
func (db *DB) RedeemCode(ctx context.Context, c store.AuthCode, now time.Time, issued []store.Token) error {
	var e enc
	args := []any{c.Hash[:], c.ClientID, c.UserID, c.RedirectURI, e.list(c.Scopes), c.Nonce, c.CodeChallenge,
		e.time(c.AuthTime), e.time(c.CreatedAt), e.time(c.ExpiresAt), e.list(c.Orgs), nil}
	if e.err != nil {
		return e.err
	}
	return db.markAndIssue(ctx, "redeem code", now, issued, func(t *tx, at any) error {
		args[len(args)-1] = at
		res, err := t.exec(qInsertCode, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		return store.ErrCodeUsed
	})
}

// markAndIssue is the shape of every redemption: in one write transaction,
// mark (which marks a code or token used at the encoded now, or fails), then
// insert the issued tokens. On any error nothing is stored; the error is
// wrapped as operation op.
func (db *DB) markAndIssue(ctx context.Context, op string, now time.Time, issued []store.Token, mark func(t *tx, at any) error) error {
	if now.IsZero() {
		return errors.New("sqlite: " + op + ": zero time")
	}
	var e enc
	at := e.time(now)
	rows := make([][]any, len(issued))
	for i := range issued {
		rows[i] = tokenArgs(&e, &issued[i])
	}
	if e.err != nil {
		return e.err
	}
	err := db.write(ctx, func(t *tx) error {
		if err := mark(t, at); err != nil {
			return err
		}
		for _, args := range rows {
			if _, err := t.exec(insertToken, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fail(op, err)
	}
	return nil
}

const tokenCols = `hash, kind, user_id, client_id, scopes, name, role, code_hash, created_at, expires_at, revoked_at,
	family_id, rotated_at, successor, orgs`

const insertToken = `INSERT INTO tokens (` + tokenCols + `) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`

func scanToken(sc scanner) (store.Token, error) {
	var t store.Token
	err := sc.Scan(tokenDests(&t)...)
	fixToken(&t)
	return t, err
}

// tokenDests returns the Scan destinations of tokenCols into t; call
// fixToken after the Scan.
func tokenDests(t *store.Token) []any {
	return []any{digestCol{&t.Hash}, &t.Kind, &t.UserID, nullStringCol{&t.ClientID}, listCol{&t.Scopes},
		&t.Name, &t.Role, digestCol{&t.CodeHash}, timeCol{&t.CreatedAt}, timeCol{&t.ExpiresAt}, timeCol{&t.RevokedAt},
		&t.FamilyID, timeCol{&t.RotatedAt}, &t.Successor, listCol{&t.Orgs}}
}

func fixToken(t *store.Token) {
	if len(t.Successor) == 0 {
		t.Successor = nil
	}
}

// prefixed returns the comma-separated columns cols, each prefixed with
// table and a dot, for joins.
func prefixed(table, cols string) string {
	var b strings.Builder
	for i, c := range strings.Split(cols, ",") {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(table + "." + strings.TrimSpace(c))
	}
	return b.String()
}

var qTokenWithUser = `SELECT ` + prefixed("t", tokenCols) + `, ` + prefixed("u", userCols) +
	` FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`

// TokenWithUser implements store.Store, in one statement.
func (db *DB) TokenWithUser(ctx context.Context, hash store.Digest) (store.Token, store.User, error) {
	row, err := db.queryRow(ctx, qTokenWithUser, hash[:])
	if err != nil {
		return store.Token{}, store.User{}, fail("get token", err)
	}
	var t store.Token
	var u store.User
	if err := row.Scan(append(tokenDests(&t), userDests(&u)...)...); err != nil {
		return store.Token{}, store.User{}, fail("get token", notFound(err))
	}
	fixToken(&t)
	return t, u, nil
}

// tokenArgs returns t's columns in tokenCols order.
func tokenArgs(e *enc, t *store.Token) []any {
	return []any{t.Hash[:], t.Kind, t.UserID, nullString(t.ClientID), e.list(t.Scopes), t.Name, t.Role,
		e.digest(t.CodeHash), e.time(t.CreatedAt), e.time(t.ExpiresAt), e.time(t.RevokedAt),
		t.FamilyID, e.time(t.RotatedAt), nullBytes(t.Successor), e.list(t.Orgs)}
}

// nullBytes stores an empty byte slice as NULL.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// CreateToken implements store.Store. The user, and the client if set, must
// exist.
func (db *DB) CreateToken(ctx context.Context, t store.Token) error {
	var e enc
	args := tokenArgs(&e, &t)
	if e.err != nil {
		return e.err
	}
	if _, err := db.exec(ctx, insertToken, args...); err != nil {
		return fail("create token", err)
	}
	return nil
}

// Token implements store.Store.
func (db *DB) Token(ctx context.Context, hash store.Digest) (store.Token, error) {
	row, err := db.queryRow(ctx, `SELECT `+tokenCols+` FROM tokens WHERE hash = ?`, hash[:])
	if err != nil {
		return store.Token{}, fail("get token", err)
	}
	t, err := scanToken(row)
	if err != nil {
		return store.Token{}, fail("get token", notFound(err))
	}
	return t, nil
}

// RevokeTokens implements store.Store. It refuses an empty filter (which
// would revoke every token) and a zero now (which would revoke nothing).
func (db *DB) RevokeTokens(ctx context.Context, f store.TokenFilter, now time.Time) (int64, error) {
	if f == (store.TokenFilter{}) {
		return 0, errors.New("sqlite: revoke tokens: empty filter")
	}
	if now.IsZero() {
		return 0, errors.New("sqlite: revoke tokens: zero time")
	}
	var e enc
	args := []any{e.time(now)}
	if e.err != nil {
		return 0, e.err
	}
	var q strings.Builder
	q.WriteString(`UPDATE tokens SET revoked_at = ? WHERE revoked_at IS NULL`)
	if f.UserID != "" {
		q.WriteString(` AND user_id = ?`)
		args = append(args, f.UserID)
	}
	if f.ClientID != "" {
		q.WriteString(` AND client_id = ?`)
		args = append(args, f.ClientID)
	}
	if f.CodeHash != (store.Digest{}) {
		q.WriteString(` AND code_hash = ?`)
		args = append(args, f.CodeHash[:])
	}
	if f.Hash != (store.Digest{}) {
		q.WriteString(` AND hash = ?`)
		args = append(args, f.Hash[:])
	}
	if f.FamilyID != "" {
		// The second condition lets SQLite use the partial index
		// tokens_family; without it, revoking a family scans every token.
		q.WriteString(` AND family_id = ? AND family_id <> ''`)
		args = append(args, f.FamilyID)
	}
	res, err := db.exec(ctx, q.String(), args...)
	if err != nil {
		return 0, fail("revoke tokens", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fail("revoke tokens", err)
	}
	return n, nil
}

const (
	qRotateRefresh = `UPDATE tokens SET rotated_at = ?, successor = ?
		WHERE hash = ? AND kind = 'refresh' AND rotated_at IS NULL AND revoked_at IS NULL`
	qTokenByHash = `SELECT ` + tokenCols + ` FROM tokens WHERE hash = ?`
)

// RotateRefresh implements store.Store.
func (db *DB) RotateRefresh(ctx context.Context, hash store.Digest, now time.Time, sealed []byte, issued []store.Token) (store.Token, error) {
	var old store.Token
	err := db.markAndIssue(ctx, "rotate refresh", now, issued, func(t *tx, at any) error {
		res, err := t.exec(qRotateRefresh, at, nullBytes(sealed), hash[:])
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		row, err := t.queryRow(qTokenByHash, hash[:])
		if err != nil {
			return err
		}
		if old, err = scanToken(row); err != nil {
			return notFound(err)
		}
		switch {
		case n > 0:
			return nil
		case old.Kind == store.KindRefresh && !old.RotatedAt.IsZero():
			return store.ErrTokenRotated
		default:
			return fmt.Errorf("token is not a live refresh token: %w", store.ErrNotFound)
		}
	})
	switch {
	case errors.Is(err, store.ErrTokenRotated):
		return old, err
	case err != nil:
		return store.Token{}, err
	}
	return old, nil
}

// ListTokens implements store.Store: newest first, ties broken by hash.
func (db *DB) ListTokens(ctx context.Context, userID, kind string) ([]store.Token, error) {
	rows, err := db.query(ctx, `SELECT `+tokenCols+` FROM tokens WHERE user_id = ? AND kind = ?
		ORDER BY created_at DESC, hash`, userID, kind)
	if err != nil {
		return nil, fail("list tokens", err)
	}
	defer rows.Close()
	var ts []store.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fail("list tokens", err)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fail("list tokens", err)
	}
	return ts, nil
}

const sessionCols = `hash, user_id, auth_time, created_at, expires_at`

// CreateSession implements store.Store. The user must exist.
func (db *DB) CreateSession(ctx context.Context, s store.Session) error {
	var e enc
	args := []any{s.Hash[:], s.UserID, e.time(s.AuthTime), e.time(s.CreatedAt), e.time(s.ExpiresAt)}
	if e.err != nil {
		return e.err
	}
	if _, err := db.exec(ctx, `INSERT INTO sessions (`+sessionCols+`) VALUES (?,?,?,?,?)`, args...); err != nil {
		return fail("create session", err)
	}
	return nil
}

// Session implements store.Store.
func (db *DB) Session(ctx context.Context, hash store.Digest) (store.Session, error) {
	row, err := db.queryRow(ctx, `SELECT `+sessionCols+` FROM sessions WHERE hash = ?`, hash[:])
	if err != nil {
		return store.Session{}, fail("get session", err)
	}
	var s store.Session
	if err := row.Scan(sessionDests(&s)...); err != nil {
		return store.Session{}, fail("get session", notFound(err))
	}
	return s, nil
}

func sessionDests(s *store.Session) []any {
	return []any{digestCol{&s.Hash}, &s.UserID, timeCol{&s.AuthTime}, timeCol{&s.CreatedAt}, timeCol{&s.ExpiresAt}}
}

var qSessionWithUser = `SELECT ` + prefixed("s", sessionCols) + `, ` + prefixed("u", userCols) +
	` FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.hash = ?`

// SessionWithUser implements store.Store, in one statement.
func (db *DB) SessionWithUser(ctx context.Context, hash store.Digest) (store.Session, store.User, error) {
	row, err := db.queryRow(ctx, qSessionWithUser, hash[:])
	if err != nil {
		return store.Session{}, store.User{}, fail("get session", err)
	}
	var s store.Session
	var u store.User
	if err := row.Scan(append(sessionDests(&s), userDests(&u)...)...); err != nil {
		return store.Session{}, store.User{}, fail("get session", notFound(err))
	}
	return s, u, nil
}

// DeleteUserSessions implements store.Store.
func (db *DB) DeleteUserSessions(ctx context.Context, userID string) (int64, error) {
	res, err := db.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	if err != nil {
		return 0, fail("delete user sessions", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fail("delete user sessions", err)
	}
	return n, nil
}

// DeleteSession implements store.Store.
func (db *DB) DeleteSession(ctx context.Context, hash store.Digest) error {
	res, err := db.exec(ctx, `DELETE FROM sessions WHERE hash = ?`, hash[:])
	if err == nil {
		err = affected(res)
	}
	if err != nil {
		return fail("delete session", err)
	}
	return nil
}
