package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hubid/hubid/internal/store"
)

const appCols = `client_id, name, owner_id, secret_hash, public, redirect_uris, scopes, token_ttl,
	id_token_alg, space_id, space_hosts, authorized_orgs, disabled, created_at, updated_at,
	refresh_tokens, post_logout_redirect_uris, refresh_idle, refresh_absolute, registered,
	require_pkce, resource_server`

const insertApp = `INSERT INTO apps (` + appCols + `) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`

const (
	qAppByID   = `SELECT ` + appCols + ` FROM apps WHERE client_id = ?`
	qUpdateApp = `UPDATE apps SET name = ?2, owner_id = ?3, secret_hash = ?4, public = ?5,
		redirect_uris = ?6, scopes = ?7, token_ttl = ?8, id_token_alg = ?9, space_id = ?10,
		space_hosts = ?11, authorized_orgs = ?12, disabled = ?13, created_at = ?14, updated_at = ?15,
		refresh_tokens = ?16, post_logout_redirect_uris = ?17, refresh_idle = ?18, refresh_absolute = ?19, registered = ?20, require_pkce = ?21, resource_server = ?22
		WHERE client_id = ?1`
)

func scanApp(sc scanner) (store.App, error) {
	var a store.App
	err := sc.Scan(&a.ClientID, &a.Name, &a.OwnerID, digestCol{&a.SecretHash}, &a.Public,
		listCol{&a.RedirectURIs}, listCol{&a.Scopes}, durCol{&a.TokenTTL}, &a.IDTokenAlg, &a.SpaceID,
		listCol{&a.SpaceHosts}, listCol{&a.AuthorizedOrgs}, &a.Disabled,
		timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt}, &a.RefreshTokens, listCol{&a.PostLogoutRedirectURIs},
		durCol{&a.RefreshIdle}, durCol{&a.RefreshAbsolute}, &a.Registered, &a.RequirePKCE, &a.ResourceServer)
	return a, err
}

// appArgs returns a's columns in appCols order.
func appArgs(a *store.App) ([]any, error) {
	var e enc
	args := []any{a.ClientID, a.Name, a.OwnerID, e.digest(a.SecretHash), a.Public,
		e.list(a.RedirectURIs), e.list(a.Scopes), int64(a.TokenTTL), a.IDTokenAlg, a.SpaceID,
		e.list(a.SpaceHosts), e.list(a.AuthorizedOrgs), a.Disabled,
		e.time(a.CreatedAt), e.time(a.UpdatedAt), a.RefreshTokens, e.list(a.PostLogoutRedirectURIs),
		int64(a.RefreshIdle), int64(a.RefreshAbsolute), a.Registered, a.RequirePKCE, a.ResourceServer}
	return args, e.err
}

// CreateApp implements store.Store.
func (db *DB) CreateApp(ctx context.Context, a store.App) error {
	args, err := appArgs(&a)
	if err != nil {
		return err
	}
	if _, err := db.exec(ctx, insertApp, args...); err != nil {
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
	// The second condition lets SQLite use the partial index apps_space.
	return db.appWhere(ctx, `SELECT `+appCols+` FROM apps WHERE space_id = ? AND space_id <> ''`, spaceID)
}

func (db *DB) appWhere(ctx context.Context, query string, arg any) (store.App, error) {
	row, err := db.queryRow(ctx, query, arg)
	if err != nil {
		return store.App{}, fail("get app", err)
	}
	a, err := scanApp(row)
	if err != nil {
		return store.App{}, fail("get app", notFound(err))
	}
	return a, nil
}

// UpdateApp implements store.Store. update must not change the ClientID.
func (db *DB) UpdateApp(ctx context.Context, clientID string, update func(*store.App) error) error {
	err := db.write(ctx, func(t *tx) error {
		row, err := t.queryRow(qAppByID, clientID)
		if err != nil {
			return err
		}
		a, err := scanApp(row)
		if err != nil {
			return notFound(err)
		}
		if err := update(&a); err != nil {
			return updaterError{err}
		}
		if a.ClientID != clientID {
			return fmt.Errorf("sqlite: update app %q: the updater changed the client ID to %q", clientID, a.ClientID)
		}
		args, err := appArgs(&a)
		if err != nil {
			return err
		}
		_, err = t.exec(qUpdateApp, args...)
		return err
	})
	return updateFail("update app", err)
}

// DeleteApp implements store.Store. Its consents, codes, device codes and
// tokens go with it (ON DELETE CASCADE).
func (db *DB) DeleteApp(ctx context.Context, clientID string) error {
	res, err := db.exec(ctx, `DELETE FROM apps WHERE client_id = ?`, clientID)
	if err == nil {
		err = affected(res)
	}
	if err != nil {
		return fail("delete app", err)
	}
	return nil
}

// DeleteUnusedRegisteredApps implements store.Store, in one statement on
// the single writer: a consent or token written at the same time comes
// before or after it, never in between.
func (db *DB) DeleteUnusedRegisteredApps(ctx context.Context, createdBefore, now time.Time) (int64, error) {
	if createdBefore.IsZero() || now.IsZero() {
		return 0, errors.New("sqlite: delete unused registered apps: zero time")
	}
	var e enc
	before, at := e.time(createdBefore), e.time(now)
	if e.err != nil {
		return 0, e.err
	}
	res, err := db.exec(ctx, `DELETE FROM apps WHERE registered = 1 AND owner_id = '' AND created_at < ?1
		AND NOT EXISTS (SELECT 1 FROM consents c WHERE c.client_id = apps.client_id)
		AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.client_id = apps.client_id
			AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?2))`, before, at)
	if err != nil {
		return 0, fail("delete unused registered apps", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fail("delete unused registered apps", err)
	}
	return n, nil
}

// ListApps implements store.Store. Apps are ordered by creation time, then
// client ID.
func (db *DB) ListApps(ctx context.Context) ([]store.App, error) {
	rows, err := db.query(ctx, `SELECT `+appCols+` FROM apps ORDER BY created_at, client_id`)
	if err != nil {
		return nil, fail("list apps", err)
	}
	defer rows.Close()
	var as []store.App
	for rows.Next() {
		a, err := scanApp(rows)
		if err != nil {
			return nil, fail("list apps", err)
		}
		as = append(as, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fail("list apps", err)
	}
	return as, nil
}

const consentCols = `user_id, client_id, scopes, created_at, updated_at, orgs`

func scanConsent(sc scanner) (store.Consent, error) {
	var c store.Consent
	err := sc.Scan(&c.UserID, &c.ClientID, listCol{&c.Scopes}, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt}, listCol{&c.Orgs})
	return c, err
}

// Consent implements store.Store.
func (db *DB) Consent(ctx context.Context, userID, clientID string) (store.Consent, error) {
	row, err := db.queryRow(ctx, `SELECT `+consentCols+` FROM consents WHERE user_id = ? AND client_id = ?`, userID, clientID)
	if err != nil {
		return store.Consent{}, fail("get consent", err)
	}
	c, err := scanConsent(row)
	if err != nil {
		return store.Consent{}, fail("get consent", notFound(err))
	}
	return c, nil
}

// PutConsent implements store.Store: the stored consent becomes exactly c.
func (db *DB) PutConsent(ctx context.Context, c store.Consent) error {
	var e enc
	args := []any{c.UserID, c.ClientID, e.list(c.Scopes), e.time(c.CreatedAt), e.time(c.UpdatedAt), e.list(c.Orgs)}
	if e.err != nil {
		return e.err
	}
	_, err := db.exec(ctx, `INSERT INTO consents (`+consentCols+`) VALUES (?,?,?,?,?,?)
		ON CONFLICT (user_id, client_id) DO UPDATE SET
		scopes = excluded.scopes, created_at = excluded.created_at, updated_at = excluded.updated_at, orgs = excluded.orgs`, args...)
	if err != nil {
		return fail("put consent", err)
	}
	return nil
}

// SetGrantOrgs implements store.Store.
func (db *DB) SetGrantOrgs(ctx context.Context, userID, clientID string, orgs []string) error {
	var e enc
	list := e.list(orgs)
	if e.err != nil {
		return e.err
	}
	err := db.write(ctx, func(t *tx) error {
		res, err := t.exec(`UPDATE consents SET orgs = ? WHERE user_id = ? AND client_id = ?`, list, userID, clientID)
		if err != nil {
			return err
		}
		if err := affected(res); err != nil {
			return err
		}
		_, err = t.exec(`UPDATE tokens SET orgs = ? WHERE user_id = ? AND client_id = ? AND revoked_at IS NULL AND kind IN (?, ?)`,
			list, userID, clientID, store.KindAccess, store.KindRefresh)
		return err
	})
	if err != nil {
		return fail("set grant orgs", err)
	}
	return nil
}

// DeleteConsent implements store.Store.
func (db *DB) DeleteConsent(ctx context.Context, userID, clientID string) error {
	res, err := db.exec(ctx, `DELETE FROM consents WHERE user_id = ? AND client_id = ?`, userID, clientID)
	if err == nil {
		err = affected(res)
	}
	if err != nil {
		return fail("delete consent", err)
	}
	return nil
}

// ListConsents implements store.Store. Consents are ordered by client ID.
func (db *DB) ListConsents(ctx context.Context, userID string) ([]store.Consent, error) {
	rows, err := db.query(ctx, `SELECT `+consentCols+` FROM consents WHERE user_id = ? ORDER BY client_id`, userID)
	if err != nil {
		return nil, fail("list consents", err)
	}
	defer rows.Close()
	var cs []store.Consent
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			return nil, fail("list consents", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fail("list consents", err)
	}
	return cs, nil
}
