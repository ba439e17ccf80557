-- SPDX-License-Identifier: MIT
-- otpbox schema for PostgreSQL, version 3: sql/003_trust.sql with the same
-- columns in the same order: who sent each message and what the receiving
-- server vouched for, wait filters on them, one claim per message wherever
-- it is stored, and what a large message's fetch left out.

DO $$
BEGIN
	IF (SELECT version FROM otpbox_schema) IS DISTINCT FROM 2 THEN
		RAISE EXCEPTION 'otpbox: migration 3 applies to schema version 2';
	END IF;
END $$;


-- The single From mailbox (lower-cased addr-spec and domain; NULL when
-- there was none, or several) and the trusted Authentication-Results:
-- spf/dkim/dmarc results, the header.d of every passing DKIM signature
-- (space-separated), dmarc's header.from. authenticated: dmarc=pass for
-- the From domain, or dkim=pass aligned with it (docs/sender-trust.md).
ALTER TABLE messages ADD COLUMN from_address text;
ALTER TABLE messages ADD COLUMN from_domain text;
ALTER TABLE messages ADD COLUMN auth_spf text;
ALTER TABLE messages ADD COLUMN auth_dkim text;
ALTER TABLE messages ADD COLUMN auth_dkim_domains text;
ALTER TABLE messages ADD COLUMN auth_dmarc text;
ALTER TABLE messages ADD COLUMN auth_dmarc_from text;
ALTER TABLE messages ADD COLUMN authenticated integer NOT NULL DEFAULT 0;
-- copy_key names one message wherever it is stored (another folder, the
-- same folder after a UIDVALIDITY change): a hash of Message-ID, From,
-- Date and the extracted code and link. copy_of is the same number for
-- every copy (the id of the first one stored); claims are judged by it.
ALTER TABLE messages ADD COLUMN copy_key text;
ALTER TABLE messages ADD COLUMN copy_of bigint;
-- Parts of a large message the fetcher did not download (NULL: none).
ALTER TABLE messages ADD COLUMN skipped text;
UPDATE messages SET copy_of = id;
CREATE INDEX messages_copy_key ON messages (copy_key);
CREATE INDEX messages_copy_of ON messages (copy_of);

-- Every writer (otpbox fetch, tests, an operator's own import) gets
-- copy_of filled in: the value of an earlier copy, else its own id. Unlike
-- SQLite, two hosts may store copies of one message at the same moment and
-- neither would see the other's: a transaction lock on the copy_key makes
-- the second wait for the first's commit (READ COMMITTED: the look-up
-- after the lock sees it). The lock lasts until the inserting transaction
-- ends; two fetchers storing the same two messages in opposite orders can
-- deadlock, and PostgreSQL then aborts one of them to retry.
CREATE FUNCTION otpbox_messages_copy_of() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.copy_key IS NOT NULL THEN
		PERFORM pg_advisory_xact_lock(1869901922,
					      hashtext(NEW.copy_key));
	END IF;
	NEW.copy_of := coalesce((SELECT p.copy_of FROM messages p
				 WHERE p.copy_key = NEW.copy_key
				   AND p.id <> NEW.id
				 ORDER BY p.id LIMIT 1), NEW.id);
	RETURN NEW;
END;
$$;
-- BEFORE, not AFTER as in SQLite: the row is written once, with its
-- copy_of (the identity default has already given NEW.id its value).
CREATE TRIGGER messages_copy_of BEFORE INSERT ON messages
FOR EACH ROW WHEN (NEW.copy_of IS NULL)
EXECUTE FUNCTION otpbox_messages_copy_of();

-- One sender pattern (as --from takes it) against a message's From
-- address and domain, both stored lower-case: a glob with * and ? (on the
-- address when it has an @, else on the domain), an address, or a domain
-- that also matches its subdomains. SQLite's GLOB becomes LIKE with the
-- pattern's own % _ \ escaped; unlike GLOB, [ ] is not a character class
-- (neither occurs in a domain). NULL when the message has no From.
CREATE FUNCTION otpbox_sender_match(pattern text, from_address text,
				    from_domain text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE
	 WHEN strpos(pattern, '*') > 0 OR strpos(pattern, '?') > 0
	 THEN (CASE WHEN strpos(pattern, '@') > 0 THEN from_address
	       ELSE from_domain END)
	      LIKE replace(replace(replace(replace(replace(lower(pattern),
		   '\', '\\'), '%', '\%'), '_', '\_'), '*', '%'), '?', '_')
	 WHEN strpos(pattern, '@') > 0 THEN from_address = lower(pattern)
	 ELSE from_domain = lower(pattern)
	   OR right(from_domain, length(pattern) + 1) = '.' || lower(pattern)
	END
$$;

-- The filters a wait ran with, so the audit can say which one refused a
-- code: a JSON array of --from patterns, the --subject text, and
-- --authenticated (NULL / NULL / 0: no filter).
ALTER TABLE waits ADD COLUMN from_filter text;
ALTER TABLE waits ADD COLUMN subject_filter text;
ALTER TABLE waits ADD COLUMN require_authenticated integer NOT NULL DEFAULT 0;

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
      >= floor(extract(epoch FROM now()))::bigint;

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
		      SELECT 1 FROM json_array_elements_text(
			  w2.from_filter::json) p(pattern)
		       WHERE otpbox_sender_match(p.pattern, m.from_address,
						 m.from_domain)) THEN 'from'
		    WHEN w2.subject_filter IS NOT NULL
		     AND strpos(lower(coalesce(m.subject, '')),
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
		    SELECT 1 FROM json_array_elements_text(
			w.from_filter::json) p(pattern)
		     WHERE otpbox_sender_match(p.pattern, m.from_address,
					       m.from_domain)))
		  AND (w.subject_filter IS NULL
		       OR strpos(lower(coalesce(m.subject, '')),
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
		   < floor(extract(epoch FROM now()))::bigint)) w
) x;

UPDATE otpbox_schema SET version = 3;
