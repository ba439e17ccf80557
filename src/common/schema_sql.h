/* SPDX-License-Identifier: MIT */
/* The schema migrations compiled into the program (built from sql/). */
#ifndef OTPBOX_SCHEMA_SQL_H
#define OTPBOX_SCHEMA_SQL_H

/* schema_sql[i] moves a database from user_version i to i + 1. */
extern const char *const schema_sql[];
extern const int schema_sql_count;

/* schema_pg_sql[i] moves a PostgreSQL database from otpbox_schema.version
 * i to i + 1 (sql/postgresql/); each runs in a transaction of its own and
 * sets the version itself. */
extern const char *const schema_pg_sql[];
extern const int schema_pg_sql_count;

#endif
