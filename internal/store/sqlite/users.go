package sqlite

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/hubid/hubid/internal/store"
)

const userCols = `id, username, full_name, email, email_verified, avatar_url, website, is_pro, can_pay, password_hash, created_at`

const insertUser = `INSERT INTO users (` + userCols + `) VALUES (?,?,?,?,?,?,?,?,?,?,?)`

const (
	qUserByID   = `SELECT ` + userCols + ` FROM users WHERE id = ?`
	qUpdateUser = `UPDATE users SET username = ?2, full_name = ?3, email = ?4, email_verified = ?5,
		avatar_url = ?6, website = ?7, is_pro = ?8, can_pay = ?9, password_hash = ?10, created_at = ?11
		WHERE id = ?1`
)

func scanUser(sc scanner) (store.User, error) {
	var u store.User
	err := sc.Scan(userDests(&u)...)
	return u, err
}

// userDests returns the Scan destinations of userCols into u.
func userDests(u *store.User) []any {
	return []any{&u.ID, &u.Username, &u.FullName, &u.Email, &u.EmailVerified, &u.AvatarURL,
		&u.Website, &u.IsPro, &u.CanPay, &u.PasswordHash, timeCol{&u.CreatedAt}}
}

// userArgs returns u's columns in userCols order.
func userArgs(u *store.User) ([]any, error) {
	var e enc
	args := []any{u.ID, u.Username, u.FullName, u.Email, u.EmailVerified, u.AvatarURL,
		u.Website, u.IsPro, u.CanPay, u.PasswordHash, e.time(u.CreatedAt)}
	return args, e.err
}

// CreateUser implements store.Store.
func (db *DB) CreateUser(ctx context.Context, u store.User) error {
	args, err := userArgs(&u)
	if err != nil {
		return err
	}
	if _, err := db.exec(ctx, insertUser, args...); err != nil {
		return fail("create user", err)
	}
	return nil
}

func (db *DB) userWhere(ctx context.Context, query string, arg any) (store.User, error) {
	row, err := db.queryRow(ctx, query, arg)
	if err != nil {
		return store.User{}, fail("get user", err)
	}
	u, err := scanUser(row)
	if err != nil {
		return store.User{}, fail("get user", notFound(err))
	}
	return u, nil
}

// User implements store.Store.
func (db *DB) User(ctx context.Context, id string) (store.User, error) {
	return db.userWhere(ctx, qUserByID, id)
}

// UserByName implements store.Store. The match ignores ASCII case.
func (db *DB) UserByName(ctx context.Context, username string) (store.User, error) {
	return db.userWhere(ctx, `SELECT `+userCols+` FROM users WHERE username = ?`, username)
}

// UserByEmail implements store.Store. The match ignores ASCII case.
func (db *DB) UserByEmail(ctx context.Context, email string) (store.User, error) {
	if email == "" {
		return store.User{}, store.ErrNotFound
	}
	rows, err := db.query(ctx, `SELECT `+userCols+` FROM users WHERE email = ? COLLATE NOCASE LIMIT 2`, email)
	if err != nil {
		return store.User{}, fail("get user by email", err)
	}
	defer rows.Close()
	var us []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return store.User{}, fail("get user by email", err)
		}
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		return store.User{}, fail("get user by email", err)
	}
	if len(us) != 1 {
		return store.User{}, store.ErrNotFound
	}
	return us[0], nil
}

// UpdateUser implements store.Store. update must not change the ID.
func (db *DB) UpdateUser(ctx context.Context, id string, update func(*store.User) error) error {
	err := db.write(ctx, func(t *tx) error {
		row, err := t.queryRow(qUserByID, id)
		if err != nil {
			return err
		}
		u, err := scanUser(row)
		if err != nil {
			return notFound(err)
		}
		if err := update(&u); err != nil {
			return updaterError{err}
		}
		if u.ID != id {
			return fmt.Errorf("sqlite: update user %q: the updater changed the ID to %q", id, u.ID)
		}
		args, err := userArgs(&u)
		if err != nil {
			return err
		}
		_, err = t.exec(qUpdateUser, args...)
		return err
	})
	return updateFail("update user", err)
}

// updaterError marks an error returned by an updater func, which Update*
// methods return unchanged.
type updaterError struct{ err error }

func (e updaterError) Error() string { return e.err.Error() }
func (e updaterError) Unwrap() error { return e.err }

func updateFail(op string, err error) error {
	if err == nil {
		return nil
	}
	var ue updaterError
	if errors.As(err, &ue) {
		return ue.err
	}
	return fail(op, err)
}

// DeleteUser implements store.Store. The user's memberships, consents,
// codes, device codes, tokens and sessions go with it (ON DELETE CASCADE);
// apps it owns stay.
func (db *DB) DeleteUser(ctx context.Context, id string) error {
	res, err := db.exec(ctx, `DELETE FROM users WHERE id = ?`, id)
	if err == nil {
		err = affected(res)
	}
	if err != nil {
		return fail("delete user", err)
	}
	return nil
}

// ListUsers implements store.Store. Users are ordered by username.
func (db *DB) ListUsers(ctx context.Context) ([]store.User, error) {
	rows, err := db.query(ctx, `SELECT `+userCols+` FROM users ORDER BY username, id`)
	if err != nil {
		return nil, fail("list users", err)
	}
	defer rows.Close()
	var us []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fail("list users", err)
		}
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fail("list users", err)
	}
	return us, nil
}

const orgCols = `id, name, full_name, avatar_url, plan, created_at, can_pay`

func scanOrg(sc scanner, extra ...any) (store.Org, error) {
	var o store.Org
	dest := append([]any{&o.ID, &o.Name, &o.FullName, &o.AvatarURL, &o.Plan, timeCol{&o.CreatedAt}, &o.CanPay}, extra...)
	err := sc.Scan(dest...)
	return o, err
}

// CreateOrg implements store.Store.
func (db *DB) CreateOrg(ctx context.Context, o store.Org) error {
	var e enc
	args := []any{o.ID, o.Name, o.FullName, o.AvatarURL, o.Plan, e.time(o.CreatedAt), o.CanPay}
	if e.err != nil {
		return e.err
	}
	if _, err := db.exec(ctx, `INSERT INTO orgs (`+orgCols+`) VALUES (?,?,?,?,?,?,?)`, args...); err != nil {
		return fail("create org", err)
	}
	return nil
}

// Org implements store.Store.
func (db *DB) Org(ctx context.Context, id string) (store.Org, error) {
	row, err := db.queryRow(ctx, `SELECT `+orgCols+` FROM orgs WHERE id = ?`, id)
	if err != nil {
		return store.Org{}, fail("get org", err)
	}
	o, err := scanOrg(row)
	if err != nil {
		return store.Org{}, fail("get org", notFound(err))
	}
	return o, nil
}

// OrgByName implements store.Store. The match ignores ASCII case.
func (db *DB) OrgByName(ctx context.Context, name string) (store.Org, error) {
	row, err := db.queryRow(ctx, `SELECT `+orgCols+` FROM orgs WHERE name = ?`, name)
	if err != nil {
		return store.Org{}, fail("get org", err)
	}
	o, err := scanOrg(row)
	if err != nil {
		return store.Org{}, fail("get org", notFound(err))
	}
	return o, nil
}

// ListOrgs implements store.Store. Orgs are ordered by name.
func (db *DB) ListOrgs(ctx context.Context) ([]store.Org, error) {
	rows, err := db.query(ctx, `SELECT `+orgCols+` FROM orgs ORDER BY name, id`)
	if err != nil {
		return nil, fail("list orgs", err)
	}
	defer rows.Close()
	var orgs []store.Org
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, fail("list orgs", err)
		}
		orgs = append(orgs, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fail("list orgs", err)
	}
	return orgs, nil
}

// SetMember implements store.Store. Setting a role on a user or org that
// does not exist is store.ErrNotFound; removing a membership that does not
// exist is not an error.
func (db *DB) SetMember(ctx context.Context, orgID, userID, role string) error {
	var err error
	if role == "" {
		err = db.write(ctx, func(t *tx) error {
			if _, err := t.exec(`DELETE FROM memberships WHERE user_id = ? AND org_id = ?`, userID, orgID); err != nil {
				return err
			}
			return dropGrantedOrg(t, userID, orgID)
		})
	} else {
		_, err = db.exec(ctx, `INSERT INTO memberships (user_id, org_id, role) VALUES (?, ?, ?)
			ON CONFLICT (user_id, org_id) DO UPDATE SET role = excluded.role`, userID, orgID, role)
	}
	if err != nil {
		return fail("set member", err)
	}
	return nil
}

// dropGrantedOrg removes orgID from the org grants of the user's consents
// and live tokens, in t: a member who leaves an org takes it out of every
// grant at once, and rejoining does not bring it back.
func dropGrantedOrg(t *tx, userID, orgID string) error {
	for _, table := range []struct{ name, key, where string }{
		{"consents", "client_id", ""},
		{"tokens", "hash", " AND revoked_at IS NULL"},
	} {
		rows, err := t.query(`SELECT `+table.key+`, orgs FROM `+table.name+` WHERE user_id = ? AND orgs IS NOT NULL`+table.where, userID)
		if err != nil {
			return err
		}
		type change struct {
			key  any
			orgs any
		}
		var changes []change
		for rows.Next() {
			var key any
			var orgs []string
			if err := rows.Scan(&key, listCol{&orgs}); err != nil {
				rows.Close()
				return err
			}
			if !slices.Contains(orgs, orgID) {
				continue
			}
			var e enc
			changes = append(changes, change{key, e.list(slices.DeleteFunc(orgs, func(o string) bool { return o == orgID }))})
			if e.err != nil {
				rows.Close()
				return e.err
			}
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return err
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, c := range changes {
			if _, err := t.exec(`UPDATE `+table.name+` SET orgs = ? WHERE user_id = ? AND `+table.key+` = ?`, c.orgs, userID, c.key); err != nil {
				return err
			}
		}
	}
	return nil
}

// Memberships implements store.Store, in one query.
func (db *DB) Memberships(ctx context.Context, userID string) ([]store.Membership, error) {
	rows, err := db.query(ctx, `SELECT o.id, o.name, o.full_name, o.avatar_url, o.plan, o.created_at, o.can_pay, m.role
		FROM memberships m JOIN orgs o ON o.id = m.org_id
		WHERE m.user_id = ? ORDER BY o.name, o.id`, userID)
	if err != nil {
		return nil, fail("memberships", err)
	}
	defer rows.Close()
	var ms []store.Membership
	for rows.Next() {
		var role string
		o, err := scanOrg(rows, &role)
		if err != nil {
			return nil, fail("memberships", err)
		}
		ms = append(ms, store.Membership{Org: o, Role: role})
	}
	if err := rows.Err(); err != nil {
		return nil, fail("memberships", err)
	}
	return ms, nil
}
