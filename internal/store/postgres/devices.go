package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hubid/hubid/internal/store"
)

const deviceCols = `hash, user_code_hash, client_id, scopes, status, user_id, auth_time, interval_ns,
	last_poll_at, created_at, expires_at, used_at`

const qDeviceByHash = `SELECT ` + deviceCols + ` FROM device_codes WHERE hash = $1`

func scanDevice(row pgx.Row) (store.DeviceCode, error) {
	var d store.DeviceCode
	err := row.Scan(digestCol{&d.Hash}, digestCol{&d.UserCodeHash}, &d.ClientID, &d.Scopes, &d.Status,
		nullStringCol{&d.UserID}, timeCol{&d.AuthTime}, durCol{&d.Interval}, timeCol{&d.LastPollAt},
		timeCol{&d.CreatedAt}, timeCol{&d.ExpiresAt}, timeCol{&d.UsedAt})
	lists(&d.Scopes)
	return d, err
}

func deviceArgs(d *store.DeviceCode) []any {
	return []any{d.Hash[:], d.UserCodeHash[:], d.ClientID, list(d.Scopes), d.Status, nullString(d.UserID),
		ts(d.AuthTime), int64(d.Interval), ts(d.LastPollAt), ts(d.CreatedAt), ts(d.ExpiresAt), ts(d.UsedAt)}
}

// CreateDeviceCode implements store.Store. The client must exist.
func (db *DB) CreateDeviceCode(ctx context.Context, d store.DeviceCode) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO device_codes (`+deviceCols+`) VALUES (`+placeholders(1, 12)+`)`, deviceArgs(&d)...)
	if err != nil {
		return fail("create device code", err)
	}
	return nil
}

// DeviceCode implements store.Store.
func (db *DB) DeviceCode(ctx context.Context, hash store.Digest) (store.DeviceCode, error) {
	return db.deviceWhere(ctx, qDeviceByHash, hash[:])
}

// DeviceCodeByUserCode implements store.Store.
func (db *DB) DeviceCodeByUserCode(ctx context.Context, userCodeHash store.Digest) (store.DeviceCode, error) {
	return db.deviceWhere(ctx, `SELECT `+deviceCols+` FROM device_codes WHERE user_code_hash = $1`, userCodeHash[:])
}

func (db *DB) deviceWhere(ctx context.Context, q string, arg any) (store.DeviceCode, error) {
	d, err := scanDevice(db.pool.QueryRow(ctx, q, arg))
	if err != nil {
		return store.DeviceCode{}, fail("get device code", err)
	}
	return d, nil
}

// UpdateDeviceCode implements store.Store: the row is locked from the read
// to the write, so concurrent updates (a poll and an approval) apply one
// after the other.
func (db *DB) UpdateDeviceCode(ctx context.Context, hash store.Digest, update func(*store.DeviceCode) error) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		d, err := scanDevice(tx.QueryRow(ctx, qDeviceByHash+` FOR UPDATE`, hash[:]))
		if err != nil {
			return err
		}
		if err := update(&d); err != nil {
			return updaterError{err}
		}
		if d.Hash != hash {
			return errors.New("postgres: update device code: the updater changed the key")
		}
		_, err = tx.Exec(ctx, `UPDATE device_codes SET user_code_hash = $2, client_id = $3, scopes = $4, status = $5,
			user_id = $6, auth_time = $7, interval_ns = $8, last_poll_at = $9, created_at = $10, expires_at = $11,
			used_at = $12 WHERE hash = $1`, deviceArgs(&d)...)
		return err
	})
	return updateFail("update device code", err)
}

// RedeemDeviceCode implements store.Store. As in RotateRefresh, the
// conditional UPDATE makes concurrent redeemers wait for the first and then
// find the code used.
func (db *DB) RedeemDeviceCode(ctx context.Context, hash store.Digest, now time.Time, issued []store.Token) error {
	if now.IsZero() {
		return errors.New("postgres: redeem device code: zero time")
	}
	err := db.markAndIssue(ctx, issued, `UPDATE device_codes SET used_at = $1
		WHERE hash = $2 AND used_at IS NULL AND status = 'approved' RETURNING hash`, now, hash[:])
	if err == nil {
		return nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return fail("redeem device code", err)
	}
	var used bool
	if err := db.pool.QueryRow(ctx, `SELECT used_at IS NOT NULL FROM device_codes WHERE hash = $1`, hash[:]).Scan(&used); err != nil {
		return fail("redeem device code", err)
	}
	if used {
		return store.ErrCodeUsed
	}
	return errors.New("postgres: redeem device code: the device code is not approved")
}
