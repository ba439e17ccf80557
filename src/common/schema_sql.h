/* SPDX-License-Identifier: MIT */
/* The schema migrations compiled into the program (built from sql/). */
#ifndef OTPBOX_SCHEMA_SQL_H
#define OTPBOX_SCHEMA_SQL_H

/* schema_sql[i] moves a database from user_version i to i + 1. */
extern const char *const schema_sql[];
extern const int schema_sql_count;

#endif
