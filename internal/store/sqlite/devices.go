package sqlite

import (
	"context"
	"errors"
	"time"

	"github.com/hubid/hubid/internal/store"
)

const deviceCols = `hash, user_code_hash, client_id, scopes, status, user_id, auth_time, interval_ns,
	last_poll_at, created_at, expires_at, used_at`

const (
	qDeviceByHash = `SELECT ` + deviceCols + ` FROM device_codes WHERE hash = ?`
	qUpdateDevice = `UPDATE device_codes SET user_code_hash = ?2, client_id = ?3, scopes = ?4, status = ?5,
		user_id = ?6, auth_time = ?7, interval_ns = ?8, last_poll_at = ?9, created_at = ?10, expires_at = ?11,
		used_at = ?12 WHERE hash = ?1`
	qRedeemDevice = `UPDATE device_codes SET used_at = ? WHERE hash = ? AND used_at IS NULL AND status = 'approved'`
	qDeviceExists = `SELECT used_at IS NOT NULL FROM device_codes WHERE hash = ?`
)

func scanDevice(sc scanner) (store.DeviceCode, error) {
	var d store.DeviceCode
	err := sc.Scan(digestCol{&d.Hash}, digestCol{&d.UserCodeHash}, &d.ClientID, listCol{&d.Scopes}, &d.Status,
		nullStringCol{&d.UserID}, timeCol{&d.AuthTime}, durCol{&d.Interval}, timeCol{&d.LastPollAt},
		timeCol{&d.CreatedAt}, timeCol{&d.ExpiresAt}, timeCol{&d.UsedAt})
	return d, err
}

func deviceArgs(e *enc, d *store.DeviceCode) []any {
	return []any{d.Hash[:], d.UserCodeHash[:], d.ClientID, e.list(d.Scopes), d.Status, nullString(d.UserID),
		e.time(d.AuthTime), int64(d.Interval), e.time(d.LastPollAt), e.time(d.CreatedAt), e.time(d.ExpiresAt), e.time(d.UsedAt)}
}

// CreateDeviceCode implements store.Store. The client must exist.
func (db *DB) CreateDeviceCode(ctx context.Context, d store.DeviceCode) error {
	var e enc
	args := deviceArgs(&e, &d)
	if e.err != nil {
		return e.err
	}
	if _, err := db.exec(ctx, `INSERT INTO device_codes (`+deviceCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`, args...); err != nil {
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
	return db.deviceWhere(ctx, `SELECT `+deviceCols+` FROM device_codes WHERE user_code_hash = ?`, userCodeHash[:])
}

func (db *DB) deviceWhere(ctx context.Context, q string, arg any) (store.DeviceCode, error) {
	row, err := db.queryRow(ctx, q, arg)
	if err != nil {
		return store.DeviceCode{}, fail("get device code", err)
	}
	d, err := scanDevice(row)
	if err != nil {
		return store.DeviceCode{}, fail("get device code", notFound(err))
	}
	return d, nil
}

// UpdateDeviceCode implements store.Store.
func (db *DB) UpdateDeviceCode(ctx context.Context, hash store.Digest, update func(*store.DeviceCode) error) error {
	err := db.write(ctx, func(t *tx) error {
		row, err := t.queryRow(qDeviceByHash, hash[:])
		if err != nil {
			return err
		}
		d, err := scanDevice(row)
		if err != nil {
			return notFound(err)
		}
		if err := update(&d); err != nil {
			return updaterError{err}
		}
		if d.Hash != hash {
			return errors.New("sqlite: update device code: the updater changed the key")
		}
		var e enc
		args := deviceArgs(&e, &d)
		if e.err != nil {
			return e.err
		}
		_, err = t.exec(qUpdateDevice, args...)
		return err
	})
	return updateFail("update device code", err)
}

// RedeemDeviceCode implements store.Store.
func (db *DB) RedeemDeviceCode(ctx context.Context, hash store.Digest, now time.Time, issued []store.Token) error {
	return db.markAndIssue(ctx, "redeem device code", now, issued, func(t *tx, at any) error {
		res, err := t.exec(qRedeemDevice, at, hash[:])
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		row, err := t.queryRow(qDeviceExists, hash[:])
		if err != nil {
			return err
		}
		var used bool
		if err := row.Scan(&used); err != nil {
			return notFound(err)
		}
		if used {
			return store.ErrCodeUsed
		}
		return errors.New("the device code is not approved")
	})
}
