-- SPDX-License-Identifier: MIT
-- otpbox schema for PostgreSQL, version 5: sql/005_cancelled.sql. A wait
-- that its caller cancelled ends with the outcome 'cancelled'.

DO $$
BEGIN
	IF (SELECT version FROM otpbox_schema) IS DISTINCT FROM 4 THEN
		RAISE EXCEPTION 'otpbox: migration 5 applies to schema version 4';
	END IF;
END $$;

ALTER TABLE waits DROP CONSTRAINT waits_outcome_check;
ALTER TABLE waits ADD CONSTRAINT waits_outcome_check
	CHECK (outcome IN ('waiting', 'claimed', 'peeked', 'timeout', 'error',
	                   'cancelled'));

UPDATE otpbox_schema SET version = 5;
