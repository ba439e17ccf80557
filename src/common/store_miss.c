/* SPDX-License-Identifier: MIT */
/* The missed_otps reason of one wait. Read once after a wait that ended
 * without a code, so the statement is prepared for each call. */
#include <stdio.h>

#include "store_miss.h"
#include "store_p.h"

enum otpbox_err
store_miss_reason(struct store *st, int64_t wait_id, char *buf, size_t len)
{
	static const char sql[] =
	    "SELECT reason FROM missed_otps WHERE wait_id = ?";
	sqlite3_stmt *stmt = NULL;
	enum otpbox_err err = OTPBOX_OK;
	int rc;

	if (len)
		buf[0] = '\0';
	rc = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return store_p_fail(st, rc);
	sqlite3_bind_int64(stmt, 1, wait_id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW && sqlite3_column_type(stmt, 0) == SQLITE_TEXT)
		snprintf(buf, len, "%s",
		         (const char *)sqlite3_column_text(stmt, 0));
	else if (rc == SQLITE_ROW)
		err = OTPBOX_ERR_NOT_FOUND;
	else if (rc == SQLITE_DONE)
		err = OTPBOX_ERR_NOT_FOUND;
	else
		err = store_p_fail(st, rc);
	sqlite3_finalize(stmt);
	return err;
}
