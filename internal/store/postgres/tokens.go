package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hubid/hubid/internal/store"
)

const codeCols = `hash, client_id, user_id, redirect_uri, scopes, nonce, code_challenge,
	auth_time, created_at, expires_at, orgs, used_at`

// Code implements store.Store.
func (db *DB) Code(ctx context.Context, hash store.Digest) (store.AuthCode, error) {
	var c store.AuthCode
	err := db.pool.QueryRow(ctx, `SELECT `+codeCols+` FROM auth_codes WHERE hash = $1`, hash[:]).Scan(
		digestCol{&c.Hash}, &c.ClientID, &c.UserID, &c.RedirectURI, &c.Scopes,
		&c.Nonce, &c.CodeChallenge, timeCol{&c.AuthTime}, timeCol{&c.CreatedAt},
		timeCol{&c.ExpiresAt}, &c.Orgs, timeCol{&c.UsedAt})
	if err != nil {
		return store.AuthCode{}, fail("get code", err)
	}
	lists(&c.Scopes, &c.Orgs)
	return c, nil
}

// RedeemCode implements store.Store: in one transaction it inserts c, used
// at now, and the issued tokens. The insert does nothing for a code
// already recorded, which is then store.ErrCodeUsed; of concurrent
// redeemers, the others wait on the first's uncommitted row and find it
// there once it commits. On any error nothing is stored. It does not look
// at ExpiresAt: the caller checked it.
func (db *DB) RedeemCode(ctx context.Context, c store.AuthCode, now time.Time, issued []store.Token) error {
	if now.IsZero() {
		return errors.New("postgres: redeem code: zero time")
	}
	err := db.markAndIssue(ctx, issued, `INSERT INTO auth_codes (`+codeCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)
		ON CONFLICT (hash) DO NOTHING RETURNING hash`,
		c.Hash[:], c.ClientID, c.UserID, c.RedirectURI, list(c.Scopes), c.Nonce, c.CodeChallenge,
		ts(c.AuthTime), ts(c.CreatedAt), ts(c.ExpiresAt), list(c.Orgs), now)
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrCodeUsed
	}
	if err != nil {
		return fail("redeem code", err)
	}
	return nil
}

// markAndIssue is the shape of every redemption, sent as one batch in one
// transaction: mark (a statement returning one row when it marked a code
// or token used, none when it could not), then the inserts of the issued
// tokens. If mark returns no row it fails with pgx.ErrNoRows and the
// transaction rolls back, whatever the inserts did. dest receive mark's
// row.
func (db *DB) markAndIssue(ctx context.Context, issued []store.Token, mark string, args ...any) error {
	return db.markAndIssueInto(ctx, issued, nil, mark, args...)
}

func (db *DB) markAndIssueInto(ctx context.Context, issued []store.Token, dest []any, mark string, args ...any) error {
	return db.write(ctx, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(mark, args...)
		for i := range issued {
			b.Queue(insertToken, tokenArgs(&issued[i])...)
		}
		br := tx.SendBatch(ctx, b)
		defer br.Close()
		if dest == nil {
			var ignored []byte
			dest = []any{&ignored}
		}
		if err := br.QueryRow().Scan(dest...); err != nil {
			return err
		}
		for range issued {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		return br.Close()
	})
}

const tokenCols = `hash, kind, user_id, client_id, scopes, name, role, code_hash, created_at, expires_at, revoked_at,
	family_id, rotated_at, successor, orgs`

var insertToken = `INSERT INTO tokens (` + tokenCols + `) VALUES (` + placeholders(1, 15) + `)`

// placeholders returns "$from, …, $to".
func placeholders(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		if i > from {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(i))
	}
	return b.String()
}

// tokenDests returns the Scan destinations of tokenCols into t; call
// fixToken after the Scan.
func tokenDests(t *store.Token) []any {
	return []any{digestCol{&t.Hash}, &t.Kind, &t.UserID, nullStringCol{&t.ClientID}, &t.Scopes,
		&t.Name, &t.Role, digestCol{&t.CodeHash}, timeCol{&t.CreatedAt}, timeCol{&t.ExpiresAt}, timeCol{&t.RevokedAt},
		&t.FamilyID, timeCol{&t.RotatedAt}, bytesCol{&t.Successor}, &t.Orgs}
}

func fixToken(t *store.Token) { lists(&t.Scopes, &t.Orgs) }

// tokenArgs returns t's columns in tokenCols order.
func tokenArgs(t *store.Token) []any {
	return []any{t.Hash[:], t.Kind, t.UserID, nullString(t.ClientID), list(t.Scopes), t.Name, t.Role,
		digest(t.CodeHash), ts(t.CreatedAt), ts(t.ExpiresAt), ts(t.RevokedAt),
		t.FamilyID, ts(t.RotatedAt), nullBytes(t.Successor), list(t.Orgs)}
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

// CreateToken implements store.Store. The user, and the client if set, must
// exist.
func (db *DB) CreateToken(ctx context.Context, t store.Token) error {
	if _, err := db.pool.Exec(ctx, insertToken, tokenArgs(&t)...); err != nil {
		return fail("create token", err)
	}
	return nil
}

const qTokenByHash = `SELECT ` + tokenCols + ` FROM tokens WHERE hash = $1`

// Token implements store.Store.
func (db *DB) Token(ctx context.Context, hash store.Digest) (store.Token, error) {
	var t store.Token
	if err := db.pool.QueryRow(ctx, qTokenByHash, hash[:]).Scan(tokenDests(&t)...); err != nil {
		return store.Token{}, fail("get token", err)
	}
	fixToken(&t)
	return t, nil
}

var qTokenWithUser = `SELECT ` + prefixed("t", tokenCols) + `, ` + prefixed("u", userCols) +
	` FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = $1`

// TokenWithUser implements store.Store, in one statement.
func (db *DB) TokenWithUser(ctx context.Context, hash store.Digest) (store.Token, store.User, error) {
	var t store.Token
	var u store.User
	if err := db.pool.QueryRow(ctx, qTokenWithUser, hash[:]).Scan(append(tokenDests(&t), userDests(&u)...)...); err != nil {
		return store.Token{}, store.User{}, fail("get token", err)
	}
	fixToken(&t)
	return t, u, nil
}

// RevokeTokens implements store.Store. It refuses an empty filter (which
// would revoke every token) and a zero now (which would revoke nothing).
func (db *DB) RevokeTokens(ctx context.Context, f store.TokenFilter, now time.Time) (int64, error) {
	if f == (store.TokenFilter{}) {
		return 0, errors.New("postgres: revoke tokens: empty filter")
	}
	if now.IsZero() {
		return 0, errors.New("postgres: revoke tokens: zero time")
	}
	args := []any{now}
	var q strings.Builder
	q.WriteString(`UPDATE tokens SET revoked_at = $1 WHERE revoked_at IS NULL`)
	and := func(cond string, arg any) {
		args = append(args, arg)
		fmt.Fprintf(&q, ` AND `+cond, len(args))
	}
	if f.UserID != "" {
		and(`user_id = $%d`, f.UserID)
	}
	if f.ClientID != "" {
		and(`client_id = $%d`, f.ClientID)
	}
	if f.CodeHash != (store.Digest{}) {
		and(`code_hash = $%d`, f.CodeHash[:])
	}
	if f.Hash != (store.Digest{}) {
		and(`hash = $%d`, f.Hash[:])
	}
	if f.FamilyID != "" {
		// The second condition lets PostgreSQL use the partial index
		// tokens_family.
		and(`family_id = $%d AND family_id <> ''`, f.FamilyID)
	}
	tag, err := db.pool.Exec(ctx, q.String(), args...)
	if err != nil {
		return 0, fail("revoke tokens", err)
	}
	return tag.RowsAffected(), nil
}

// RotateRefresh implements store.Store. The UPDATE that marks the token
// rotated holds its row lock until commit; a concurrent rotator waits for
// it, then re-checks the WHERE clause on the committed row, finds it
// rotated and updates nothing, so exactly one wins.
func (db *DB) RotateRefresh(ctx context.Context, hash store.Digest, now time.Time, sealed []byte, issued []store.Token) (store.Token, error) {
	if now.IsZero() {
		return store.Token{}, errors.New("postgres: rotate refresh: zero time")
	}
	var t store.Token
	err := db.markAndIssueInto(ctx, issued, tokenDests(&t), `UPDATE tokens SET rotated_at = $1, successor = $2
		WHERE hash = $3 AND kind = 'refresh' AND rotated_at IS NULL AND revoked_at IS NULL
		RETURNING `+tokenCols, now, nullBytes(sealed), hash[:])
	if err == nil {
		fixToken(&t)
		return t, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return store.Token{}, fail("rotate refresh", err)
	}
	// Nothing was rotated: say why, from the committed row (a rotation,
	// once committed, is never undone).
	old, err := db.Token(ctx, hash)
	switch {
	case err != nil:
		return store.Token{}, err
	case old.Kind == store.KindRefresh && !old.RotatedAt.IsZero():
		return old, store.ErrTokenRotated
	default:
		return store.Token{}, fmt.Errorf("postgres: rotate refresh: token is not a live refresh token: %w", store.ErrNotFound)
	}
}

// ListTokens implements store.Store: newest first, ties broken by hash.
func (db *DB) ListTokens(ctx context.Context, userID, kind string) ([]store.Token, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+tokenCols+` FROM tokens WHERE user_id = $1 AND kind = $2
		ORDER BY created_at DESC NULLS LAST, hash`, userID, kind)
	ts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Token, error) {
		var t store.Token
		err := row.Scan(tokenDests(&t)...)
		fixToken(&t)
		return t, err
	})
	if err != nil {
		return nil, fail("list tokens", err)
	}
	return ts, nil
}

const sessionCols = `hash, user_id, auth_time, created_at, expires_at`

func sessionDests(s *store.Session) []any {
	return []any{digestCol{&s.Hash}, &s.UserID, timeCol{&s.AuthTime}, timeCol{&s.CreatedAt}, timeCol{&s.ExpiresAt}}
}

// CreateSession implements store.Store. The user must exist.
func (db *DB) CreateSession(ctx context.Context, s store.Session) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO sessions (`+sessionCols+`) VALUES ($1,$2,$3,$4,$5)`,
		s.Hash[:], s.UserID, ts(s.AuthTime), ts(s.CreatedAt), ts(s.ExpiresAt))
	if err != nil {
		return fail("create session", err)
	}
	return nil
}

// Session implements store.Store.
func (db *DB) Session(ctx context.Context, hash store.Digest) (store.Session, error) {
	var s store.Session
	if err := db.pool.QueryRow(ctx, `SELECT `+sessionCols+` FROM sessions WHERE hash = $1`, hash[:]).Scan(sessionDests(&s)...); err != nil {
		return store.Session{}, fail("get session", err)
	}
	return s, nil
}

var qSessionWithUser = `SELECT ` + prefixed("s", sessionCols) + `, ` + prefixed("u", userCols) +
	` FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.hash = $1`

// SessionWithUser implements store.Store, in one statement.
func (db *DB) SessionWithUser(ctx context.Context, hash store.Digest) (store.Session, store.User, error) {
	var s store.Session
	var u store.User
	if err := db.pool.QueryRow(ctx, qSessionWithUser, hash[:]).Scan(append(sessionDests(&s), userDests(&u)...)...); err != nil {
		return store.Session{}, store.User{}, fail("get session", err)
	}
	return s, u, nil
}

// DeleteUserSessions implements store.Store.
func (db *DB) DeleteUserSessions(ctx context.Context, userID string) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	if err != nil {
		return 0, fail("delete user sessions", err)
	}
	return tag.RowsAffected(), nil
}

// DeleteSession implements store.Store.
func (db *DB) DeleteSession(ctx context.Context, hash store.Digest) error {
	if err := affected(db.pool.Exec(ctx, `DELETE FROM sessions WHERE hash = $1`, hash[:])); err != nil {
		return fail("delete session", err)
	}
	return nil
}
