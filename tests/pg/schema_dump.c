/* SPDX-License-Identifier: MIT */
/* Prints the migrations compiled into otpbox, so that tests apply exactly
 * what the program will: schema_dump sqlite|postgresql [N] prints
 * migration N (1-based), or the number of migrations without N. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_sql.h"

int
main(int argc, char **argv)
{
	const char *const *sql;
	int count, n;

	if (argc < 2 || argc > 3)
		goto usage;
	if (strcmp(argv[1], "sqlite") == 0) {
		sql = schema_sql;
		count = schema_sql_count;
	} else if (strcmp(argv[1], "postgresql") == 0) {
		sql = schema_pg_sql;
		count = schema_pg_sql_count;
	} else {
		goto usage;
	}
	if (argc == 2) {
		printf("%d\n", count);
		return 0;
	}
	n = atoi(argv[2]);
	if (n < 1 || n > count) {
		fprintf(stderr, "schema_dump: no migration %s\n", argv[2]);
		return 1;
	}
	fputs(sql[n - 1], stdout);
	return 0;
usage:
	fprintf(stderr, "usage: schema_dump sqlite|postgresql [N]\n");
	return 64;
}
