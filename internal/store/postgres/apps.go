package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hubid/hubid/internal/store"
)

const appCols = `client_id, name, owner_id, secret_hash, public, redirect_uris, scopes, token_ttl,
	id_token_alg, space_id, space_hosts, authorized_orgs, disabled, created_at, updated_at,
	refresh_tokens, post_logout_redirect_uris, refresh_idle, refresh_absolute, registered,
	require_pkce, resource_server`

const qAppByID = `SELECT ` + appCols + ` FROM apps WHERE client_id = $1`

func scanApp(row pgx.Row) (store.App, error) {
	var a store.App
	err := row.Scan(&a.ClientID, &a.Name, &a.OwnerID, digestCol{&a.SecretHash}, &a.Public,
		&a.RedirectURIs, &a.Scopes, durCol{&a.TokenTTL}, &a.IDTokenAlg, &a.SpaceID,
		&a.SpaceHosts, &a.AuthorizedOrgs, &a.Disabled,
		timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt}, &a.RefreshTokens, &a.PostLogoutRedirectURIs,
		durCol{&a.RefreshIdle}, durCol{&a.RefreshAbsolute}, &a.Registered, &a.RequirePKCE, &a.ResourceServer)
	lists(&a.RedirectURIs, &a.Scopes, &a.SpaceHosts, &a.AuthorizedOrgs, &a.PostLogoutRedirectURIs)
	return a, err
}

// appArgs returns a's columns in appCols order.
func appArgs(a *store.App) []any {
	return []any{a.ClientID, a.Name, a.OwnerID, digest(a.SecretHash), a.Public,
		list(a.RedirectURIs), list(a.Scopes), int64(a.TokenTTL), a.IDTokenAlg, a.SpaceID,
		list(a.SpaceHosts), list(a.AuthorizedOrgs), a.Disabled,
		ts(a.CreatedAt), ts(a.UpdatedAt), a.RefreshTokens, list(a.PostLogoutRedirectURIs),
		int64(a.RefreshIdle), int64(a.RefreshAbsolute), a.Registered, a.RequirePKCE, a.ResourceServer}
}

// CreateApp implements store.Store.
func (db *DB) CreateApp(ctx context.Context, a store.App) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO apps (`+appCols+`)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22)`, appArgs(&a)...)
	if err != nil {
		return fail("create app", err)
	}
	return nil
}

// App implements store.Store.
func (db *DB) App(ctx context.Context, clientID string) (store.App, error) {
	return db.appWhere(ctx, qAppByID, clientID)
}

// AppBySpace implements store.Store.
func (db *DB) AppBySpace(ctx context.Context, spaceID string) (store.App, error) {
	if spaceID == "" {
		return store.App{}, store.ErrNotFound
	}
	// The second condition lets PostgreSQL use the partial index apps_space.
	return db.appWhere(ctx, `SELECT `+appCols+` FROM apps WHERE space_id = $1 AND space_id <> ''`, spaceID)
}

func (db *DB) appWhere(ctx context.Context, query string, arg any) (store.App, error) {
	a, err := scanApp(db.pool.QueryRow(ctx, query, arg))
	if err != nil {
		return store.App{}, fail("get app", err)
	}
	return a, nil
}

// UpdateApp implements store.Store. update must not change the ClientID.
func (db *DB) UpdateApp(ctx context.Context, clientID string, update func(*store.App) error) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		a, err := scanApp(tx.QueryRow(ctx, qAppByID+` FOR UPDATE`, clientID))
		if err != nil {
			return err
		}
		if err := update(&a); err != nil {
			return updaterError{err}
		}
		if a.ClientID != clientID {
			return fmt.Errorf("postgres: update app %q: the updater changed the client ID to %q", clientID, a.ClientID)
		}
		_, err = tx.Exec(ctx, `UPDATE apps SET name = $2, owner_id = $3, secret_hash = $4, public = $5,
			redirect_uris = $6, scopes = $7, token_ttl = $8, id_token_alg = $9, space_id = $10,
			space_hosts = $11, authorized_orgs = $12, disabled = $13, created_at = $14, updated_at = $15,
			refresh_tokens = $16, post_logout_redirect_uris = $17, refresh_idle = $18, refresh_absolute = $19, registered = $20, require_pkce = $21, resource_server = $22
			WHERE client_id = $1`, appArgs(&a)...)
		return err
	})
	return updateFail("update app", err)
}

// DeleteApp implements store.Store. Its consents, codes, device codes and
// tokens go with it (ON DELETE CASCADE).
func (db *DB) DeleteApp(ctx context.Context, clientID string) error {
	if err := affected(db.pool.Exec(ctx, `DELETE FROM apps WHERE client_id = $1`, clientID)); err != nil {
		return fail("delete app", err)
	}
	return nil
}

// DeleteUnusedRegisteredApps implements store.Store. It deletes in
// batches of gcBatch apps and skips apps other transactions have locked
// (SKIP LOCKED): a consent or token being written for an app holds a lock
// on it (the foreign key's), so that app is kept, and replicas running it
// at once split the work.
func (db *DB) DeleteUnusedRegisteredApps(ctx context.Context, createdBefore, now time.Time) (int64, error) {
	if createdBefore.IsZero() || now.IsZero() {
		return 0, errors.New("postgres: delete unused registered apps: zero time")
	}
	const q = `DELETE FROM apps WHERE client_id IN (SELECT a.client_id FROM apps a
		WHERE a.registered AND a.owner_id = '' AND a.created_at < $1
		AND NOT EXISTS (SELECT 1 FROM consents c WHERE c.client_id = a.client_id)
		AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.client_id = a.client_id
			AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2))
		LIMIT $3 FOR UPDATE SKIP LOCKED)`
	var n int64
	for {
		tag, err := db.pool.Exec(ctx, q, createdBefore, now, gcBatch)
		if err != nil {
			return n, fail("delete unused registered apps", err)
		}
		n += tag.RowsAffected()
		if tag.RowsAffected() < gcBatch {
			return n, nil
		}
	}
}

// ListApps implements store.Store. Apps are ordered by creation time, then
// client ID.
func (db *DB) ListApps(ctx context.Context) ([]store.App, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+appCols+` FROM apps ORDER BY created_at NULLS FIRST, client_id`)
	as, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.App, error) { return scanApp(row) })
	if err != nil {
		return nil, fail("list apps", err)
	}
	return as, nil
}

const consentCols = `user_id, client_id, scopes, created_at, updated_at, orgs`

func scanConsent(row pgx.Row) (store.Consent, error) {
	var c store.Consent
	err := row.Scan(&c.UserID, &c.ClientID, &c.Scopes, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt}, &c.Orgs)
	lists(&c.Scopes, &c.Orgs)
	return c, err
}

// Consent implements store.Store.
func (db *DB) Consent(ctx context.Context, userID, clientID string) (store.Consent, error) {
	c, err := scanConsent(db.pool.QueryRow(ctx, `SELECT `+consentCols+` FROM consents WHERE user_id = $1 AND client_id = $2`, userID, clientID))
	if err != nil {
		return store.Consent{}, fail("get consent", err)
	}
	return c, nil
}

// PutConsent implements store.Store: the stored consent becomes exactly c.
func (db *DB) PutConsent(ctx context.Context, c store.Consent) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO consents (`+consentCols+`) VALUES ($1,$2,$3,$4,$5,$6)
		ON CONFLICT (user_id, client_id) DO UPDATE SET
		scopes = excluded.scopes, created_at = excluded.created_at, updated_at = excluded.updated_at, orgs = excluded.orgs`,
		c.UserID, c.ClientID, list(c.Scopes), ts(c.CreatedAt), ts(c.UpdatedAt), list(c.Orgs))
	if err != nil {
		return fail("put consent", err)
	}
	return nil
}

// SetGrantOrgs implements store.Store.
func (db *DB) SetGrantOrgs(ctx context.Context, userID, clientID string, orgs []string) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		err := affected(tx.Exec(ctx, `UPDATE consents SET orgs = $3 WHERE user_id = $1 AND client_id = $2`, userID, clientID, list(orgs)))
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE tokens SET orgs = $3
			WHERE user_id = $1 AND client_id = $2 AND revoked_at IS NULL AND kind IN ($4, $5)`,
			userID, clientID, list(orgs), store.KindAccess, store.KindRefresh)
		return err
	})
	if err != nil {
		return fail("set grant orgs", err)
	}
	return nil
}

// DeleteConsent implements store.Store.
func (db *DB) DeleteConsent(ctx context.Context, userID, clientID string) error {
	if err := affected(db.pool.Exec(ctx, `DELETE FROM consents WHERE user_id = $1 AND client_id = $2`, userID, clientID)); err != nil {
		return fail("delete consent", err)
	}
	return nil
}

// ListConsents implements store.Store. Consents are ordered by client ID.
func (db *DB) ListConsents(ctx context.Context, userID string) ([]store.Consent, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+consentCols+` FROM consents WHERE user_id = $1 ORDER BY client_id`, userID)
	cs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Consent, error) { return scanConsent(row) })
	if err != nil {
		return nil, fail("list consents", err)
	}
	return cs, nil
}
