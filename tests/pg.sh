# SPDX-License-Identifier: MIT
# A private PostgreSQL 15 cluster for otpbox's tests: sourced by a test, it
# runs initdb into a temporary directory as the postgres user, starts the
# server on a Unix socket only (and a loopback port on request), creates a
# role and a database for the test, and removes everything when the test
# exits. Durability is off (fsync, synchronous_commit, full_page_writes):
# the cluster lives for one test.
#
# Functions:
#   pg_require             skip the test (exit 77) unless root and
#                          postgresql-15 and postgresql-client-15 are there
#   pg_start [SOCKET_DIR]  initdb, start, create the role and database;
#                          SOCKET_DIR (created if missing, handed to the
#                          postgres user) defaults to $PG_DIR/socket
#   pg_psql ARGS...        psql as the test role: no psqlrc, stop on the
#                          first error, quiet, unaligned
#   pg_super ARGS...       the same as the superuser postgres
#   pg_apply_schema [DB] [FILES...]  apply migrations in order, each in
#                          one transaction (default: sql/postgresql/*.sql)
#   pg_migrate [DB]        what otpbox's store does: the migrations DB
#                          lacks, under the migration lock, refusing a
#                          database of another program
#   pg_stop                stop the server (also run on EXIT)
# After pg_start (all exported):
#   PGHOST PGPORT PGDATABASE PGUSER  so that libpq and psql find the test
#                          database with no arguments
#   OTPBOX_TEST_PG_URI     the same as a URI (postgresql://ROLE@/DB?host=DIR
#                          &port=PORT), as otpbox's `database` setting takes
#   PG_DIR                 private directory (data, log, socket)
#   PG_SOCKET_DIR PG_PORT  where the server listens
#   PG_BIN PG_PSQL         the PostgreSQL 15 programs
# Hooks, set before pg_start:
#   PG_TCP=1               also listen on 127.0.0.1:$PG_PORT (a free port),
#                          password (SCRAM) required there; then also
#                          OTPBOX_TEST_PG_TCP_URI (no password in it) and
#                          PG_PASSWORD_FILE (mode 0600, the role's password)
#   PG_TEST_ROLE PG_TEST_DB  names (default: otpbox_test for both)
#   PG_KEEP=1              keep $PG_DIR after the test (for debugging)
# A test that also uses tests/dovecot.sh calls dovecot_start first: this
# file's EXIT trap stops Dovecot too, not the other way round.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PSQL=$PG_BIN/psql
PG_TEST_ROLE=${PG_TEST_ROLE:-otpbox_test}
PG_TEST_DB=${PG_TEST_DB:-otpbox_test}
PG_RUNNING=0

pg_require()
{
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: the test PostgreSQL needs root (initdb runs as postgres)"
		exit 77
	fi
	for p in initdb pg_ctl postgres; do
		if [ ! -x "$PG_BIN/$p" ]; then
			echo "SKIP: $PG_BIN/$p missing (apt-get install postgresql-15)"
			exit 77
		fi
	done
	if [ ! -x "$PG_PSQL" ]; then
		echo "SKIP: $PG_PSQL missing (apt-get install postgresql-client-15)"
		exit 77
	fi
	if ! id postgres >/dev/null 2>&1; then
		echo "SKIP: no postgres user (apt-get install postgresql-15)"
		exit 77
	fi
	if ! command -v runuser >/dev/null 2>&1 &&
		! command -v setpriv >/dev/null 2>&1; then
		echo "SKIP: neither runuser nor setpriv (util-linux)"
		exit 77
	fi
}

# Runs a command as the postgres user, from a directory it may enter
# (initdb and pg_ctl complain about a working directory they cannot read).
pg_as_postgres()
{
	(
		cd "$PG_DIR" 2>/dev/null || cd / || exit 1
		if command -v runuser >/dev/null 2>&1; then
			runuser -u postgres -- "$@"
		else
			setpriv --reuid=postgres --regid=postgres \
				--init-groups -- "$@"
		fi
	)
}

pg_free_port()
{
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_write_conf()
{
	listen="''"
	[ "${PG_TCP:-0}" = 1 ] && listen="'127.0.0.1'"
	cat >>"$PG_DIR/data/postgresql.conf" <<CONF
# otpbox test cluster
listen_addresses = $listen
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET_DIR'
unix_socket_permissions = 0700
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 16MB
max_connections = 100
logging_collector = off
log_min_messages = warning
log_connections = off
autovacuum = off
CONF
	cat >"$PG_DIR/data/pg_hba.conf" <<HBA
local all all trust
host all all 127.0.0.1/32 scram-sha-256
HBA
}

pg_init()
{
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/otpbox-pg.XXXXXX") || return 1
	chmod 755 "$PG_DIR"
	chown postgres: "$PG_DIR"
	if ! pg_as_postgres test -w "$PG_DIR"; then
		echo "postgres cannot enter $PG_DIR: set TMPDIR to a directory" \
			"every user may enter (e.g. /tmp)" >&2
		return 1
	fi
	# initdb without fsync: nothing here has to survive a crash.
	pg_as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres \
		-A trust -E UTF8 --locale=C.UTF-8 --no-sync \
		>"$PG_DIR/initdb.log" 2>&1 || {
		echo "initdb failed:" >&2
		tail -20 "$PG_DIR/initdb.log" >&2
		return 1
	}
}

# Creates SOCKET_DIR for the server: owned by postgres, mode 0700, so only
# postgres and root (the test) can connect to the trusting socket.
pg_socket_dir()
{
	PG_SOCKET_DIR=$1
	mkdir -p "$PG_SOCKET_DIR" && chown postgres: "$PG_SOCKET_DIR" &&
		chmod 700 "$PG_SOCKET_DIR" || return 1
	if ! pg_as_postgres test -w "$PG_SOCKET_DIR"; then
		echo "postgres cannot reach $PG_SOCKET_DIR (a parent directory" \
			"is closed to it)" >&2
		return 1
	fi
	# A socket path is limited to 107 bytes.
	if [ ${#PG_SOCKET_DIR} -gt 90 ]; then
		echo "socket directory path too long: $PG_SOCKET_DIR" >&2
		return 1
	fi
}

pg_run()
{
	pg_as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
		-w -t 60 start >/dev/null || {
		echo "postgres failed to start; log:" >&2
		tail -20 "$PG_DIR/server.log" >&2
		return 1
	}
	PG_RUNNING=1
}

pg_create_db()
{
	pw=otpbox-test-$$-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
	(umask 077 && printf '%s\n' "$pw" >"$PG_DIR/password")
	PG_PASSWORD_FILE=$PG_DIR/password
	# The password goes through stdin, never on a command line.
	"$PG_PSQL" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" \
		-U postgres -d postgres -v role="$PG_TEST_ROLE" \
		-v db="$PG_TEST_DB" >/dev/null <<SQL || return 1
\\set pw '$pw'
CREATE ROLE :"role" LOGIN PASSWORD :'pw';
CREATE DATABASE :"db" OWNER :"role";
SQL
	unset pw
}

pg_start()
{
	trap 'pg_stop; pg_cleanup_dir; \
		if type dovecot_finish >/dev/null 2>&1; then dovecot_finish; fi; \
		if type test_cleanup >/dev/null 2>&1; then test_cleanup; fi' EXIT
	trap 'exit 130' INT TERM
	pg_init || return 1
	pg_socket_dir "${1:-$PG_DIR/socket}" || return 1
	# Without TCP the port only names the socket file in our own
	# directory; with TCP a port found free can be taken before the
	# server binds it: try others.
	cp "$PG_DIR/data/postgresql.conf" "$PG_DIR/postgresql.conf.orig"
	for attempt in 1 2 3; do
		PG_PORT=5432
		[ "${PG_TCP:-0}" = 1 ] && PG_PORT=$(pg_free_port)
		cp "$PG_DIR/postgresql.conf.orig" "$PG_DIR/data/postgresql.conf"
		pg_write_conf
		pg_run && break
		[ "${PG_TCP:-0}" = 1 ] || return 1
		echo "postgres start attempt $attempt failed; another port" >&2
		[ "$attempt" = 3 ] && return 1
	done
	pg_create_db || return 1
	PGHOST=$PG_SOCKET_DIR PGPORT=$PG_PORT PGDATABASE=$PG_TEST_DB
	PGUSER=$PG_TEST_ROLE
	OTPBOX_TEST_PG_URI="postgresql://$PG_TEST_ROLE@/$PG_TEST_DB?host=$PG_SOCKET_DIR&port=$PG_PORT"
	export PGHOST PGPORT PGDATABASE PGUSER OTPBOX_TEST_PG_URI
	export PG_DIR PG_SOCKET_DIR PG_PORT PG_BIN PG_PSQL PG_PASSWORD_FILE
	if [ "${PG_TCP:-0}" = 1 ]; then
		OTPBOX_TEST_PG_TCP_URI="postgresql://$PG_TEST_ROLE@127.0.0.1:$PG_PORT/$PG_TEST_DB"
		export OTPBOX_TEST_PG_TCP_URI
	fi
}

pg_psql()
{
	"$PG_PSQL" -X -q -A -t -v ON_ERROR_STOP=1 "$@"
}

pg_super()
{
	"$PG_PSQL" -X -q -A -t -v ON_ERROR_STOP=1 -U postgres "$@"
}

# pg_apply_schema [DB] [FILES...]: each file in one transaction, in order.
pg_apply_schema()
{
	db=${1:-$PGDATABASE}
	[ $# -gt 0 ] && shift
	[ $# -gt 0 ] || set -- "${OTPBOX_SRCDIR:-.}"/sql/postgresql/[0-9]*.sql
	for f in "$@"; do
		pg_psql -d "$db" -1 -f "$f" || {
			echo "migration $(basename "$f") failed" >&2
			return 1
		}
	done
}

# pg_migrate [DB]: brings DB to the newest schema as otpbox's store does,
# safely from several hosts at once: per migration one transaction that
# takes the migration lock, reads the version (none: the schema must be
# empty, else it is another program's and is left alone), and applies the
# next file only if the version is the one before it.
pg_migrate()
{
	db=${1:-$PGDATABASE}
	n=0
	for f in "${OTPBOX_SRCDIR:-.}"/sql/postgresql/[0-9]*.sql; do
		n=$((n + 1))
		pg_psql -d "$db" -v n="$n" -v file="$f" -f - >/dev/null \
			<<'SQL' || return 1
BEGIN;
SELECT pg_advisory_xact_lock(1869901924, 0);
SELECT to_regclass('otpbox_schema') IS NOT NULL AS ours,
       NOT EXISTS (SELECT 1 FROM pg_class
		   WHERE relnamespace = current_schema()::regnamespace
		     AND relkind IN ('r', 'v', 'p')) AS empty \gset
\if :ours
SELECT version FROM otpbox_schema WHERE application = 'otpbox' \gset
\elif :empty
\set version 0
\else
DO $$ BEGIN RAISE EXCEPTION 'not an otpbox database: it has tables but'
	' no otpbox_schema; left unchanged'; END $$;
\endif
SELECT :version = :n - 1 AS apply, :version >= :n AS done \gset
\if :apply
\i :file
\elif :done
\else
DO $$ BEGIN RAISE EXCEPTION 'otpbox schema version out of step'; END $$;
\endif
COMMIT;
SQL
	done
}

pg_stop()
{
	[ "${PG_RUNNING:-0}" = 1 ] || return 0
	pid=$(head -1 "$PG_DIR/data/postmaster.pid" 2>/dev/null)
	# The data is thrown away: no checkpoint, no waiting for clients.
	pg_as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w \
		stop >/dev/null 2>&1
	PG_RUNNING=0
	# pg_ctl returns when the pid file is gone; the postmaster may still
	# be exiting, holding the directory and the socket.
	i=0
	while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

pg_cleanup_dir()
{
	if [ -n "${PG_DIR:-}" ] && [ -z "${PG_KEEP:-}" ]; then
		rm -rf "$PG_DIR"
	fi
}
