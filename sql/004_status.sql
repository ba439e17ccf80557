-- SPDX-License-Identifier: MIT
-- otpbox schema: fetcher heartbeats, read by `otpbox status`. One row per
-- account and folder, written by the fetcher that syncs it. Writes are
-- rate-limited by the fetcher (a change of outcome at once, otherwise at
-- most once per 30 s per row), so an idle mailbox does not write the
-- database on every poll. Times are Unix seconds.
CREATE TABLE fetch_status (
	account      TEXT NOT NULL,
	folder       TEXT NOT NULL,
	mode         TEXT NOT NULL CHECK (mode IN ('once', 'watch')),
	pid          INTEGER NOT NULL,
	host         TEXT NOT NULL,          -- the machine the fetcher runs on
	heartbeat_at INTEGER NOT NULL,       -- the fetcher was alive
	attempt_at   INTEGER,                -- last sync (or check) started
	success_at   INTEGER,                -- last sync that reached the server's end
	error        TEXT,                   -- last error, NULL after a success
	error_since  INTEGER,                -- first failure of the current run of errors
	error_at     INTEGER,                -- the latest failure
	PRIMARY KEY (account, folder)
);
