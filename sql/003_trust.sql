-- SPDX-License-Identifier: MIT
-- otpbox schema, version 3: who sent each message and what the receiving
-- server vouched for, wait filters on them, one claim per message wherever
-- it is stored, and what a large message's fetch left out.

-- The single From mailbox (lower-cased addr-spec and domain; NULL when
-- there was none, or several) and the trusted Authentication-Results:
-- spf/dkim/dmarc results, the header.d of every passing DKIM signature
-- (space-separated), dmarc's header.from. authenticated: dmarc=pass for
-- the From domain, or dkim=pass aligned with it (docs/sender-trust.md).
ALTER TABLE messages ADD COLUMN from_address TEXT;
ALTER TABLE messages ADD COLUMN from_domain TEXT;
ALTER TABLE messages ADD COLUMN auth_spf TEXT;
ALTER TABLE messages ADD COLUMN auth_dkim TEXT;
ALTER TABLE messages ADD COLUMN auth_dkim_domains TEXT;
ALTER TABLE messages ADD COLUMN auth_dmarc TEXT;
ALTER TABLE messages ADD COLUMN auth_dmarc_from TEXT;
ALTER TABLE messages ADD COLUMN authenticated INTEGER NOT NULL DEFAULT 0;
-- copy_key names one message wherever it is stored (another folder, the
-- same folder after a UIDVALIDITY change): a hash of Message-ID, From,
-- Date and the extracted code and link. copy_of is the same number for
-- every copy (the id of the first one stored); claims are judged by it.
ALTER TABLE messages ADD COLUMN copy_key TEXT;
ALTER TABLE messages ADD COLUMN copy_of INTEGER;
-- Parts of a large message the fetcher did not download (NULL: none).
ALTER TABLE messages ADD COLUMN skipped TEXT;
UPDATE messages SET copy_of = id;
CREATE INDEX messages_copy_key ON messages (copy_key);
CREATE INDEX messages_copy_of ON messages (copy_of);

-- Every writer (otpbox fetch, tests, an operator's own import) gets
-- copy_of filled in: the value of an earlier copy, else its own id.
CREATE TRIGGER messages_copy_of AFTER INSERT ON messages
WHEN NEW.copy_of IS NULL
BEGIN
	UPDATE messages
	   SET copy_of = coalesce((SELECT p.copy_of FROM messages p
				   WHERE p.copy_key = NEW.copy_key
				     AND p.id <> NEW.id
				   ORDER BY p.id LIMIT 1), NEW.id)
	 WHERE id = NEW.id;
END;

-- The filters a wait ran with, so the audit can say which one refused a
-- code: a JSON array of --from patterns, the --subject text, and
-- --authenticated (NULL / NULL / 0: no filter).
ALTER TABLE waits ADD COLUMN from_filter TEXT;
ALTER TABLE waits ADD COLUMN subject_filter TEXT;
ALTER TABLE waits ADD COLUMN require_authenticated INTEGER NOT NULL DEFAULT 0;

DROP VIEW active_waits;
CREATE VIEW active_waits AS
SELECT w.id           AS wait_id,
       w.address      AS address,
       w.worker       AS worker,
       w.pid          AS pid,
       w.want         AS want,
       w.window_start AS window_start,
       w.started_at   AS started_at,
       coalesce(w.deadline, w.started_at + 120) AS deadline,
       w.from_filter  AS from_filter,
       w.subject_filter AS subject_filter,
       w.require_authenticated AS require_authenticated
FROM waits w
WHERE w.outcome = 'waiting'
  AND coalesce(w.deadline, w.started_at + 120)
      >= CAST(strftime('%s', 'now') AS INTEGER);

-- The columns of version 2 first and in the same order (the interface),
-- then the sender facts and the message group (copy_of).
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
       c.wait_id     AS wait_id,
       m.from_address AS from_address,
       m.from_domain AS from_domain,
       m.authenticated AS authenticated,
       m.auth_spf    AS auth_spf,
       m.auth_dkim   AS auth_dkim,
       m.auth_dkim_domains AS auth_dkim_domains,
       m.auth_dmarc  AS auth_dmarc,
       m.copy_of     AS copy_of
FROM codes c
JOIN messages m ON m.id = c.message_id
JOIN folders f ON f.id = m.folder_id
JOIN accounts a ON a.id = f.account_id;

-- One row per wait that ended without a code. reason, most specific first:
--   claimed_by_other  a code of the wanted kind inside the window (or a
--                     copy of its message in another folder) was claimed
--                     by another wait (or by SQL) before this one ended;
--   filtered          a code of the wanted kind inside the window, fetched
--                     before the wait ended, was refused by the wait's
--                     filters: filtered_by says which ('from', 'subject'
--                     or 'authenticated') and message_id which message;
--   late, no_code, no_message  as in version 2.
-- The version 2 columns come first and in the same order.
DROP VIEW missed_otps;
CREATE VIEW missed_otps AS
SELECT wait_id, address, worker, pid, want, wait_started, wait_ended,
       outcome,
       CASE
	WHEN other_id IS NOT NULL THEN 'claimed_by_other'
	WHEN filtered_id IS NOT NULL THEN 'filtered'
	WHEN late_id IS NOT NULL THEN 'late'
	WHEN nocode_id IS NOT NULL THEN 'no_code'
	ELSE 'no_message'
       END AS reason,
       coalesce(other_id, filtered_id, late_id, nocode_id) AS message_id,
       CASE WHEN other_id IS NULL AND filtered_id IS NOT NULL
	    THEN (SELECT CASE
		    WHEN w2.from_filter IS NOT NULL AND NOT EXISTS (
		      SELECT 1 FROM json_each(w2.from_filter) p
		       WHERE CASE
			WHEN instr(p.value, '*') OR instr(p.value, '?')
			THEN (CASE WHEN instr(p.value, '@')
			      THEN m.from_address ELSE m.from_domain END)
			     GLOB lower(p.value)
			WHEN instr(p.value, '@')
			THEN m.from_address = lower(p.value)
			ELSE m.from_domain = lower(p.value)
			  OR substr(m.from_domain, -length(p.value) - 1)
			     = '.' || lower(p.value)
		       END) THEN 'from'
		    WHEN w2.subject_filter IS NOT NULL
		     AND instr(lower(coalesce(m.subject, '')),
			       lower(w2.subject_filter)) = 0 THEN 'subject'
		    ELSE 'authenticated'
		  END
		  FROM messages m, waits w2
		  WHERE m.id = filtered_id AND w2.id = wait_id)
       END AS filtered_by,
       from_filter, subject_filter, require_authenticated
FROM (
  SELECT w.*,
	 (SELECT c.message_id FROM codes c
	  JOIN messages m ON m.id = c.message_id
	  WHERE c.address = w.address
	    AND (w.want = 'any' OR c.kind = w.want)
	    AND c.received_at >= w.window_start
	    AND EXISTS (SELECT 1 FROM codes x
			JOIN messages xm ON xm.id = x.message_id
			WHERE xm.copy_of = m.copy_of
			  AND x.address = c.address AND x.kind = c.kind
			  AND x.claimed_at IS NOT NULL
			  AND x.claimed_at <= w.wait_ended
			  AND (x.wait_id IS NULL OR x.wait_id <> w.wait_id))
	  ORDER BY c.received_at DESC LIMIT 1) AS other_id,
	 (SELECT c.message_id FROM codes c
	  JOIN messages m ON m.id = c.message_id
	  WHERE c.address = w.address
	    AND (w.want = 'any' OR c.kind = w.want)
	    AND c.received_at >= w.window_start
	    AND m.fetched_at <= w.wait_ended
	    AND NOT (
		  (w.from_filter IS NULL OR EXISTS (
		    SELECT 1 FROM json_each(w.from_filter) p
		     WHERE CASE
		      WHEN instr(p.value, '*') OR instr(p.value, '?')
		      THEN (CASE WHEN instr(p.value, '@')
			    THEN m.from_address ELSE m.from_domain END)
			   GLOB lower(p.value)
		      WHEN instr(p.value, '@')
		      THEN m.from_address = lower(p.value)
		      ELSE m.from_domain = lower(p.value)
			OR substr(m.from_domain, -length(p.value) - 1)
			   = '.' || lower(p.value)
		     END))
		  AND (w.subject_filter IS NULL
		       OR instr(lower(coalesce(m.subject, '')),
				lower(w.subject_filter)) > 0)
		  AND (w.require_authenticated = 0 OR m.authenticated = 1))
	  ORDER BY c.received_at DESC LIMIT 1) AS filtered_id,
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
	       outcome      AS outcome,
	       from_filter  AS from_filter,
	       subject_filter AS subject_filter,
	       require_authenticated AS require_authenticated
	FROM waits
	WHERE outcome IN ('timeout', 'error')
	   OR (outcome = 'waiting'
	       AND coalesce(deadline, started_at + 120)
		   < CAST(strftime('%s', 'now') AS INTEGER))) w
);
