/* SPDX-License-Identifier: MIT */
/* Test-only helpers: a fresh otpbox database in a temporary directory and
 * rows written into it the way otpbox fetch would, over a separate SQLite
 * connection (so a waiter sees them as another process's commits). */
#ifndef OTPBOX_TESTDB_H
#define OTPBOX_TESTDB_H

#include <stdint.h>

/* Creates a temporary directory holding an empty otpbox database; its path
 * is written to path (PATH_MAX bytes). Aborts the test program on failure. */
void testdb_create(char *path);
/* Removes the database, its -wal/-shm files and the directory. */
void testdb_remove(const char *path);

/* Stores a message for address received (server time) at received_at and
 * fetched at fetched_at; with code non-NULL also a claimable row of kind
 * ("code" or "link"). Returns the message id. */
int64_t testdb_add(const char *path, const char *address, const char *kind,
                   const char *code, int64_t received_at, int64_t fetched_at);

/* Sets the sender facts of message message_id: its From address (NULL:
 * none; the domain follows it), whether the server authenticated it, its
 * subject (NULL: keep), and makes it a copy of message copy_of (0: keep
 * its own). */
void testdb_sender(const char *path, int64_t message_id, const char *from,
                   int authenticated, const char *subject, int64_t copy_of);

/* The same over an open connection from testdb_writer(), inside the
 * caller's transaction if one is open. */
struct sqlite3;
int64_t testdb_add_db(struct sqlite3 *db, const char *address, const char *kind,
                      const char *code, int64_t received_at,
                      int64_t fetched_at);
/* Wakes waiters after a commit made without the store (see store_wait.h);
 * testdb_add() does it itself. */
void testdb_notify(const char *path);
/* A connection set up as the fetcher's is (WAL, synchronous=NORMAL). */
struct sqlite3 *testdb_writer(const char *path);

/* Runs sql (no parameters) and returns the first column of the first row
 * as an integer (-1 when there is no row). */
int64_t testdb_int(const char *path, const char *sql);
/* The same for text; returns a static buffer, "(none)" without a row. */
const char *testdb_text(const char *path, const char *sql);
/* Runs statements that return nothing. */
void testdb_exec(const char *path, const char *sql);

#endif
