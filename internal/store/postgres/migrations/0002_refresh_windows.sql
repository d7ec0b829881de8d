-- Per-app refresh-token windows (nanoseconds; 0 = the hub's default, -1 as
-- refresh_absolute = no absolute limit).
ALTER TABLE apps ADD COLUMN refresh_idle bigint NOT NULL DEFAULT 0;
ALTER TABLE apps ADD COLUMN refresh_absolute bigint NOT NULL DEFAULT 0;
