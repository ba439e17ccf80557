-- SPDX-License-Identifier: MIT
-- otpbox schema, version 1. Applied inside one transaction by the store when
-- PRAGMA user_version is 0. Times are Unix seconds (UTC). Bots in any language
-- read the views at the end; their columns are a stable interface.

-- Marks the file as an otpbox database ('otpb').
PRAGMA application_id = 1869901922;

CREATE TABLE accounts (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE,
	username    TEXT NOT NULL,
	host        TEXT NOT NULL
);

-- One row per account and folder: the sync checkpoint. last_uid only moves
-- in the same transaction as the messages it covers.
CREATE TABLE folders (
	id          INTEGER PRIMARY KEY,
	account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	name        TEXT NOT NULL,
	uidvalidity INTEGER,
	last_uid    INTEGER NOT NULL DEFAULT 0,
	uidnext     INTEGER,
	synced_at   INTEGER,
	UNIQUE (account_id, name)
);

-- Every message the fetcher saw, parsed or not (parse_status says which).
CREATE TABLE messages (
	id           INTEGER PRIMARY KEY,
	folder_id    INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
	uidvalidity  INTEGER NOT NULL,
	uid          INTEGER NOT NULL,
	message_id   TEXT,
	content_hash TEXT NOT NULL,
	received_at  INTEGER NOT NULL,        -- server INTERNALDATE
	fetched_at   INTEGER NOT NULL,
	sender       TEXT,
	subject      TEXT,
	size         INTEGER NOT NULL,        -- RFC822.SIZE on the server
	truncated    INTEGER NOT NULL DEFAULT 0,
	parse_status TEXT NOT NULL DEFAULT 'ok'
	             CHECK (parse_status IN ('ok', 'error')),
	parse_error  TEXT,
	UNIQUE (folder_id, uidvalidity, uid)
);
CREATE INDEX messages_dedupe ON messages (folder_id, message_id, content_hash);
CREATE INDEX messages_received ON messages (received_at);

-- Which bot a message is for, and which header said so.
CREATE TABLE recipients (
	message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
	address     TEXT NOT NULL COLLATE NOCASE,
	header      TEXT NOT NULL,
	PRIMARY KEY (message_id, address)
);
CREATE INDEX recipients_address ON recipients (address);

-- Every candidate the extractor considered, with its score and why it won
-- or lost: the answer to "why did I get the wrong code?".
CREATE TABLE candidates (
	id          INTEGER PRIMARY KEY,
	message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
	kind        TEXT NOT NULL CHECK (kind IN ('code', 'link')),
	value       TEXT NOT NULL,
	score       REAL NOT NULL,
	chosen      INTEGER NOT NULL DEFAULT 0,
	reason      TEXT NOT NULL
);
CREATE INDEX candidates_message ON candidates (message_id);

-- The code (or link) handed out: one row per message and recipient, so a
-- message for two bots gives each its own claimable row.
CREATE TABLE codes (
	id          INTEGER PRIMARY KEY,
	message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
	address     TEXT NOT NULL COLLATE NOCASE,
	kind        TEXT NOT NULL CHECK (kind IN ('code', 'link')),
	code        TEXT NOT NULL,
	received_at INTEGER NOT NULL,
	claimed_at  INTEGER,
	claimed_by  TEXT,
	wait_id     INTEGER REFERENCES waits(id) ON DELETE SET NULL,
	UNIQUE (message_id, address, kind)
);
CREATE INDEX codes_unclaimed ON codes (address, received_at)
	WHERE claimed_at IS NULL;

-- Every wait, finished or not, for the audit trail.
CREATE TABLE waits (
	id           INTEGER PRIMARY KEY,
	address      TEXT NOT NULL COLLATE NOCASE,
	worker       TEXT,
	pid          INTEGER,
	want         TEXT NOT NULL DEFAULT 'code'
	             CHECK (want IN ('code', 'link', 'any')),
	window_start INTEGER NOT NULL,
	started_at   INTEGER NOT NULL,
	ended_at     INTEGER,
	outcome      TEXT NOT NULL DEFAULT 'waiting'
	             CHECK (outcome IN ('waiting', 'claimed', 'peeked',
	                                'timeout', 'error')),
	code_id      INTEGER REFERENCES codes(id) ON DELETE SET NULL
);
CREATE INDEX waits_address ON waits (address, started_at);
CREATE INDEX waits_open ON waits (outcome) WHERE outcome = 'waiting';

CREATE VIEW otp_codes AS
SELECT c.address     AS address,
       c.code        AS code,
       c.kind        AS kind,
       c.received_at AS received_at,
       m.fetched_at  AS fetched_at,
       c.claimed_at  AS claimed_at,
       c.claimed_by  AS claimed_by,
       m.subject     AS subject,
       m.sender      AS sender,
       a.name        AS account,
       f.name        AS folder,
       m.uid         AS uid
FROM codes c
JOIN messages m ON m.id = c.message_id
JOIN folders f ON f.id = m.folder_id
JOIN accounts a ON a.id = f.account_id;

-- One row per wait that ended without a code, with the most specific reason:
-- a code in the window went to someone else; a message came but held no
-- code; a message came only after the wait ended; nothing came at all.
CREATE VIEW missed_otps AS
SELECT w.id           AS wait_id,
       w.address      AS address,
       w.worker       AS worker,
       w.started_at   AS wait_started,
       w.ended_at     AS wait_ended,
       CASE
	WHEN EXISTS (SELECT 1 FROM codes c
		     WHERE c.address = w.address
		       AND c.received_at >= w.window_start
		       AND c.claimed_at IS NOT NULL
		       AND c.claimed_at <= w.ended_at
		       AND (c.wait_id IS NULL OR c.wait_id <> w.id))
	THEN 'claimed_by_other'
	WHEN EXISTS (SELECT 1 FROM recipients r
		     JOIN messages m ON m.id = r.message_id
		     WHERE r.address = w.address
		       AND m.received_at >= w.window_start
		       AND m.fetched_at <= w.ended_at
		       AND NOT EXISTS (SELECT 1 FROM codes c
				       WHERE c.message_id = m.id
					 AND c.address = r.address))
	THEN 'no_code'
	WHEN EXISTS (SELECT 1 FROM recipients r
		     JOIN messages m ON m.id = r.message_id
		     WHERE r.address = w.address
		       AND m.received_at >= w.window_start
		       AND m.fetched_at > w.ended_at)
	THEN 'late'
	ELSE 'no_message'
       END            AS reason
FROM waits w
WHERE w.outcome = 'timeout';
