/* SPDX-License-Identifier: MIT */
/* Test-only command for the shell tests: creates an otpbox database and
 * stores messages in it as otpbox fetch would (see testdb.h).
 *   testdb_tool create DB          prints nothing; DB must not exist
 *   testdb_tool add DB ADDRESS KIND CODE AGE [FETCH_DELAY]
 *                                  KIND code|link|none; AGE seconds ago
 *   testdb_tool feed DB ADDRESS    prints the change feed's counter for
 *                                  ADDRESS (how often it was announced) */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "store_feed.h"
#include "testdb.h"

static int
testdb_tool_create(const char *path)
{
	struct store *st = NULL;
	char err[512];

	if (store_open(path, true, &st, err, sizeof(err))) {
		fprintf(stderr, "testdb_tool: %s\n", err);
		return 1;
	}
	store_close(st);
	return 0;
}

static int
testdb_tool_feed(const char *path, const char *address)
{
	struct store_feed_token tok;
	struct store_feed *f = NULL;
	char err[512];

	if (store_feed_open(path, &f, err, sizeof(err))) {
		fprintf(stderr, "testdb_tool: %s\n", err);
		return 1;
	}
	store_feed_watch(f, address, &tok);
	printf("%lu\n", (unsigned long)tok.seq);
	store_feed_close(f);
	return 0;
}

int
main(int argc, char **argv)
{
	int64_t now = time(NULL), received;
	const char *kind;

	if (argc == 3 && !strcmp(argv[1], "create"))
		return testdb_tool_create(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "feed"))
		return testdb_tool_feed(argv[2], argv[3]);
	if ((argc != 7 && argc != 8) || strcmp(argv[1], "add")) {
		fprintf(stderr,
		        "usage: testdb_tool create DB | add DB ADDRESS"
		        " KIND CODE AGE [FETCH_DELAY] | feed DB ADDRESS\n");
		return 64;
	}
	kind = strcmp(argv[4], "none") ? argv[4] : NULL;
	received = now - atoll(argv[6]);
	testdb_add(argv[2], argv[3], kind, kind ? argv[5] : NULL, received,
	           argc == 8 ? now + atoll(argv[7]) : now);
	return 0;
}
