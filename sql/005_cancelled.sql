-- SPDX-License-Identifier: MIT
-- otpbox schema, version 5: a wait that its caller cancelled (cancel_fd in
-- libotpbox, a cancelled asyncio task or Ctrl-C in Python) ends with the
-- outcome 'cancelled' instead of 'error'. Cancelled waits are not misses:
-- missed_otps keeps listing only timeouts, errors and killed waiters.
--
-- SQLite cannot alter a CHECK constraint. Widening the list of allowed
-- values leaves every stored row valid, so the table's own CREATE text is
-- edited in place, the way SQLite's ALTER TABLE documentation allows for
-- changes that the stored content already satisfies; the CREATE and DROP
-- after it change the schema cookie, so every connection reads the new
-- text before its next statement.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, '''timeout'', ''error'')',
                     '''timeout'', ''error'', ''cancelled'')')
 WHERE type = 'table' AND name = 'waits';
PRAGMA writable_schema = OFF;
CREATE TABLE otpbox_schema_cookie (x);
DROP TABLE otpbox_schema_cookie;
