-- SPDX-License-Identifier: MIT
-- otpbox schema for PostgreSQL, version 4: sql/004_status.sql with the same
-- columns in the same order. Fetcher heartbeats, read by `otpbox status`.
-- One row per account and folder, written by the fetcher that syncs it.
-- Writes are rate-limited by the fetcher (a change of outcome at once,
-- otherwise at most once per 30 s per row), so an idle mailbox does not
-- write the database on every poll. Times are Unix seconds. With several
-- hosts, host tells whose fetcher wrote the row last.

DO $$
BEGIN
	IF (SELECT version FROM otpbox_schema) IS DISTINCT FROM 3 THEN
		RAISE EXCEPTION 'otpbox: migration 4 applies to schema version 3';
	END IF;
END $$;

CREATE TABLE fetch_status (
	account      text NOT NULL,
	folder       text NOT NULL,
	mode         text NOT NULL CHECK (mode IN ('once', 'watch')),
	pid          bigint NOT NULL,
	host         text NOT NULL,          -- the machine the fetcher runs on
	heartbeat_at bigint NOT NULL,        -- the fetcher was alive
	attempt_at   bigint,                 -- last sync (or check) started
	success_at   bigint,                 -- last sync that reached the server's end
	error        text,                   -- last error, NULL after a success
	error_since  bigint,                 -- first failure of the current run of errors
	error_at     bigint,                 -- the latest failure
	PRIMARY KEY (account, folder)
);

UPDATE otpbox_schema SET version = 4;
