package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/hubid/hubid/internal/store"
)

const userCols = `id, username, full_name, email, email_verified, avatar_url, website, is_pro, can_pay, password_hash, created_at`

const qUserByID = `SELECT ` + userCols + ` FROM users WHERE id = $1`

// userDests returns the Scan destinations of userCols into u.
func userDests(u *store.User) []any {
	return []any{&u.ID, &u.Username, &u.FullName, &u.Email, &u.EmailVerified, &u.AvatarURL,
		&u.Website, &u.IsPro, &u.CanPay, &u.PasswordHash, timeCol{&u.CreatedAt}}
}

// userArgs returns u's columns in userCols order.
func userArgs(u *store.User) []any {
	return []any{u.ID, u.Username, u.FullName, u.Email, u.EmailVerified, u.AvatarURL,
		u.Website, u.IsPro, u.CanPay, u.PasswordHash, ts(u.CreatedAt)}
}

func scanUser(row pgx.Row) (store.User, error) {
	var u store.User
	err := row.Scan(userDests(&u)...)
	return u, err
}

// CreateUser implements store.Store.
func (db *DB) CreateUser(ctx context.Context, u store.User) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO users (`+userCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`, userArgs(&u)...)
	if err != nil {
		return fail("create user", err)
	}
	return nil
}

func (db *DB) userWhere(ctx context.Context, query string, arg any) (store.User, error) {
	u, err := scanUser(db.pool.QueryRow(ctx, query, arg))
	if err != nil {
		return store.User{}, fail("get user", err)
	}
	return u, nil
}

// User implements store.Store.
func (db *DB) User(ctx context.Context, id string) (store.User, error) {
	return db.userWhere(ctx, qUserByID, id)
}

// UserByName implements store.Store. The match ignores ASCII case.
func (db *DB) UserByName(ctx context.Context, username string) (store.User, error) {
	return db.userWhere(ctx, `SELECT `+userCols+` FROM users WHERE ascii_lower(username) = ascii_lower($1)`, username)
}

// UserByEmail implements store.Store. The match ignores ASCII case.
func (db *DB) UserByEmail(ctx context.Context, email string) (store.User, error) {
	if email == "" {
		return store.User{}, store.ErrNotFound
	}
	rows, _ := db.pool.Query(ctx, `SELECT `+userCols+` FROM users WHERE ascii_lower(email) = ascii_lower($1) LIMIT 2`, email)
	us, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.User, error) { return scanUser(row) })
	if err != nil {
		return store.User{}, fail("get user by email", err)
	}
	if len(us) != 1 {
		return store.User{}, store.ErrNotFound
	}
	return us[0], nil
}

// UpdateUser implements store.Store. update must not change the ID.
func (db *DB) UpdateUser(ctx context.Context, id string, update func(*store.User) error) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		u, err := scanUser(tx.QueryRow(ctx, qUserByID+` FOR UPDATE`, id))
		if err != nil {
			return err
		}
		if err := update(&u); err != nil {
			return updaterError{err}
		}
		if u.ID != id {
			return fmt.Errorf("postgres: update user %q: the updater changed the ID to %q", id, u.ID)
		}
		_, err = tx.Exec(ctx, `UPDATE users SET username = $2, full_name = $3, email = $4, email_verified = $5,
			avatar_url = $6, website = $7, is_pro = $8, can_pay = $9, password_hash = $10, created_at = $11
			WHERE id = $1`, userArgs(&u)...)
		return err
	})
	return updateFail("update user", err)
}

// DeleteUser implements store.Store. The user's memberships, consents,
// codes, device codes, tokens and sessions go with it (ON DELETE CASCADE);
// apps it owns stay.
func (db *DB) DeleteUser(ctx context.Context, id string) error {
	if err := affected(db.pool.Exec(ctx, `DELETE FROM users WHERE id = $1`, id)); err != nil {
		return fail("delete user", err)
	}
	return nil
}

// ListUsers implements store.Store. Users are ordered by username, ignoring
// ASCII case.
func (db *DB) ListUsers(ctx context.Context) ([]store.User, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+userCols+` FROM users ORDER BY ascii_lower(username), id`)
	us, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.User, error) { return scanUser(row) })
	if err != nil {
		return nil, fail("list users", err)
	}
	return us, nil
}

const orgCols = `id, name, full_name, avatar_url, plan, created_at, can_pay`

func orgDests(o *store.Org) []any {
	return []any{&o.ID, &o.Name, &o.FullName, &o.AvatarURL, &o.Plan, timeCol{&o.CreatedAt}, &o.CanPay}
}

func scanOrg(row pgx.Row) (store.Org, error) {
	var o store.Org
	err := row.Scan(orgDests(&o)...)
	return o, err
}

// CreateOrg implements store.Store.
func (db *DB) CreateOrg(ctx context.Context, o store.Org) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO orgs (`+orgCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
		o.ID, o.Name, o.FullName, o.AvatarURL, o.Plan, ts(o.CreatedAt), o.CanPay)
	if err != nil {
		return fail("create org", err)
	}
	return nil
}

// Org implements store.Store.
func (db *DB) Org(ctx context.Context, id string) (store.Org, error) {
	o, err := scanOrg(db.pool.QueryRow(ctx, `SELECT `+orgCols+` FROM orgs WHERE id = $1`, id))
	if err != nil {
		return store.Org{}, fail("get org", err)
	}
	return o, nil
}

// OrgByName implements store.Store. The match ignores ASCII case.
func (db *DB) OrgByName(ctx context.Context, name string) (store.Org, error) {
	o, err := scanOrg(db.pool.QueryRow(ctx, `SELECT `+orgCols+` FROM orgs WHERE ascii_lower(name) = ascii_lower($1)`, name))
	if err != nil {
		return store.Org{}, fail("get org", err)
	}
	return o, nil
}

// ListOrgs implements store.Store. Orgs are ordered by name, ignoring ASCII
// case.
func (db *DB) ListOrgs(ctx context.Context) ([]store.Org, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+orgCols+` FROM orgs ORDER BY ascii_lower(name), id`)
	orgs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Org, error) { return scanOrg(row) })
	if err != nil {
		return nil, fail("list orgs", err)
	}
	return orgs, nil
}

// SetMember implements store.Store. Setting a role on a user or org that
// does not exist is store.ErrNotFound; removing a membership that does not
// exist is not an error. Removing one takes the org out of the user's
// consents and live tokens in the same transaction: a member who leaves an
// org takes it out of every grant at once, and rejoining does not bring it
// back.
func (db *DB) SetMember(ctx context.Context, orgID, userID, role string) error {
	var err error
	if role == "" {
		err = db.write(ctx, func(tx pgx.Tx) error {
			b := &pgx.Batch{}
			b.Queue(`DELETE FROM memberships WHERE user_id = $1 AND org_id = $2`, userID, orgID)
			b.Queue(`UPDATE consents SET orgs = nullif(array_remove(orgs, $2), '{}')
				WHERE user_id = $1 AND $2 = ANY (orgs)`, userID, orgID)
			b.Queue(`UPDATE tokens SET orgs = nullif(array_remove(orgs, $2), '{}')
				WHERE user_id = $1 AND revoked_at IS NULL AND $2 = ANY (orgs)`, userID, orgID)
			return tx.SendBatch(ctx, b).Close()
		})
	} else {
		_, err = db.pool.Exec(ctx, `INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, $3)
			ON CONFLICT (user_id, org_id) DO UPDATE SET role = excluded.role`, userID, orgID, role)
	}
	if err != nil {
		return fail("set member", err)
	}
	return nil
}

// Memberships implements store.Store, in one query.
func (db *DB) Memberships(ctx context.Context, userID string) ([]store.Membership, error) {
	rows, _ := db.pool.Query(ctx, `SELECT o.id, o.name, o.full_name, o.avatar_url, o.plan, o.created_at, o.can_pay, m.role
		FROM memberships m JOIN orgs o ON o.id = m.org_id
		WHERE m.user_id = $1 ORDER BY ascii_lower(o.name), o.id`, userID)
	ms, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Membership, error) {
		var m store.Membership
		err := row.Scan(append(orgDests(&m.Org), &m.Role)...)
		return m, err
	})
	if err != nil {
		return nil, fail("memberships", err)
	}
	return ms, nil
}
