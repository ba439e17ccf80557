-- SPDX-License-Identifier: MIT
-- otpbox schema for PostgreSQL, version 2: sql/002_wait.sql (the wait side)
-- with the same columns in the same order. Every wait gets a deadline so a
-- waiter that was killed (SIGKILL, power loss) stops counting as waiting
-- once its time is up; active_waits is what the fetcher reads to learn that
-- a bot waits; the audit views gain the columns an operator needs.
-- "now" is the database server's clock, the one every host shares.

DO $$
BEGIN
	IF (SELECT version FROM otpbox_schema) IS DISTINCT FROM 1 THEN
		RAISE EXCEPTION 'otpbox: migration 2 applies to schema version 1';
	END IF;
END $$;

-- started_at + the wait's time-out (Unix seconds). Rows from before this
-- version have none; the views then assume the default 120 s time-out.
ALTER TABLE waits ADD COLUMN deadline bigint;

-- Waits still running: outcome 'waiting' and deadline not yet passed. A
-- fetcher polls the server sooner while this view has rows.
CREATE VIEW active_waits AS
SELECT w.id           AS wait_id,
       w.address      AS address,
       w.worker       AS worker,
       w.pid          AS pid,
       w.want         AS want,
       w.window_start AS window_start,
       w.started_at   AS started_at,
       coalesce(w.deadline, w.started_at + 120) AS deadline
FROM waits w
WHERE w.outcome = 'waiting'
  AND coalesce(w.deadline, w.started_at + 120)
      >= floor(extract(epoch FROM now()))::bigint;

-- The columns of version 1 first and in the same order (the interface),
-- then the row ids that link a code to its message and to the wait that
-- claimed it.
DROP VIEW otp_codes;
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
       m.uid         AS uid,
       c.id          AS code_id,
       c.message_id  AS message_id,
       c.wait_id     AS wait_id
FROM codes c
JOIN messages m ON m.id = c.message_id
JOIN folders f ON f.id = m.folder_id
JOIN accounts a ON a.id = f.account_id;

-- One row per wait that ended without a code: timed out, stopped by an
-- error or a signal, or killed (still 'waiting' after its deadline).
-- reason, most specific first:
--   claimed_by_other  a code of the wanted kind inside the window was
--                     claimed by another wait (or by SQL) before this one
--                     ended;
--   late              a code of the wanted kind for the address arrived
--                     (was fetched) after the wait ended, within an hour;
--   no_code           a message for the address came (in time or within
--                     the hour after) but no code of the wanted kind was
--                     extracted from it;
--   no_message        nothing for the address inside the window.
-- message_id names the message behind the reason (NULL for no_message).
DROP VIEW missed_otps;
CREATE VIEW missed_otps AS
SELECT wait_id, address, worker, pid, want, wait_started, wait_ended,
       outcome,
       CASE
	WHEN other_id IS NOT NULL THEN 'claimed_by_other'
	WHEN late_id IS NOT NULL THEN 'late'
	WHEN nocode_id IS NOT NULL THEN 'no_code'
	ELSE 'no_message'
       END AS reason,
       coalesce(other_id, late_id, nocode_id) AS message_id
FROM (
  SELECT w.*,
	 (SELECT c.message_id FROM codes c
	  WHERE c.address = w.address
	    AND (w.want = 'any' OR c.kind = w.want)
	    AND c.received_at >= w.window_start
	    AND c.claimed_at IS NOT NULL
	    AND c.claimed_at <= w.wait_ended
	    AND (c.wait_id IS NULL OR c.wait_id <> w.wait_id)
	  ORDER BY c.received_at DESC LIMIT 1) AS other_id,
	 (SELECT c.message_id FROM codes c
	  JOIN messages m ON m.id = c.message_id
	  WHERE c.address = w.address
	    AND (w.want = 'any' OR c.kind = w.want)
	    AND c.received_at >= w.window_start
	    AND c.received_at <= w.wait_ended + 3600
	    AND m.fetched_at > w.wait_ended
	  ORDER BY c.received_at LIMIT 1) AS late_id,
	 (SELECT m.id FROM recipients r
	  JOIN messages m ON m.id = r.message_id
	  WHERE r.address = w.address
	    AND m.received_at >= w.window_start
	    AND m.received_at <= w.wait_ended + 3600
	    AND NOT EXISTS (SELECT 1 FROM codes c
			    WHERE c.message_id = m.id
			      AND c.address = r.address
			      AND (w.want = 'any' OR c.kind = w.want))
	  ORDER BY m.received_at LIMIT 1) AS nocode_id
  FROM (SELECT id           AS wait_id,
	       address      AS address,
	       worker       AS worker,
	       pid          AS pid,
	       want         AS want,
	       window_start AS window_start,
	       started_at   AS wait_started,
	       coalesce(ended_at, deadline, started_at + 120) AS wait_ended,
	       outcome      AS outcome
	FROM waits
	WHERE outcome IN ('timeout', 'error')
	   OR (outcome = 'waiting'
	       AND coalesce(deadline, started_at + 120)
		   < floor(extract(epoch FROM now()))::bigint)) w
) x;

-- The claim looks for a newer code already claimed for the same address:
-- a code superseded by a resend is never handed out.
CREATE INDEX codes_address ON codes (address, kind, received_at);

UPDATE otpbox_schema SET version = 2;
