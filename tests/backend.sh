# SPDX-License-Identifier: MIT
# The store a test runs against, chosen by OTPBOX_TEST_DB: unset or
# "sqlite" (a file in the test's directory), "postgresql" (a private
# PostgreSQL 15 cluster from tests/pg.sh), or a postgresql:// URI of an
# empty database you can spare on a server of your own (only tests that
# need nothing but the store use it as given; the others start the private
# cluster). Sourced after tests/lib.sh and, when used, tests/dovecot.sh.
#   backend_require   skip (exit 77) when the chosen backend is missing
#   backend_start     DB (the --db string) and BACKEND (sqlite or
#                     postgresql) set, BACKEND printed to the log; q SQL
#                     prints the result rows; BACKEND_PG_CONNECTIONS
#                     raises max_connections
#   backend_stop      stop the server (PostgreSQL)
BACKEND=sqlite
BACKEND_URI=
case "${OTPBOX_TEST_DB:-sqlite}" in
postgres*://*)
	BACKEND=postgresql
	BACKEND_URI=$OTPBOX_TEST_DB
	;;
postgres*) BACKEND=postgresql ;;
esac
# A test that needs its own cluster (superuser, a TCP port) sets this.
[ "${BACKEND_PRIVATE:-0}" = 1 ] && BACKEND_URI=

backend_require()
{
	if [ -n "$BACKEND_URI" ]; then
		command -v psql >/dev/null 2>&1 || {
			echo "SKIP: psql missing (apt-get install postgresql-client)"
			exit 77
		}
	elif [ "$BACKEND" = postgresql ]; then
		. "${OTPBOX_SRCDIR:-.}/tests/pg.sh"
		pg_require
	fi
}

backend_start()
{
	echo "store: $BACKEND"
	if [ "$BACKEND" = sqlite ]; then
		DB=$TEST_DIR/otpbox.db
		return 0
	fi
	if [ -n "$BACKEND_URI" ]; then
		DB=$BACKEND_URI
		return 0
	fi
	# postgres must reach the socket directory inside TEST_DIR.
	chmod 711 "$TEST_DIR"
	pg_start "$TEST_DIR/pgsock" || return 1
	DB=$OTPBOX_TEST_PG_URI
	# Each waiter holds a connection: BACKEND_PG_CONNECTIONS raises the
	# cluster's 100.
	[ -n "${BACKEND_PG_CONNECTIONS:-}" ] || return 0
	pg_super -c "ALTER SYSTEM SET max_connections = \
$BACKEND_PG_CONNECTIONS" >/dev/null &&
		pg_as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -t 60 \
			-l "$PG_DIR/server.log" restart >/dev/null
}

backend_stop()
{
	if [ "$BACKEND" = postgresql ] && [ -z "$BACKEND_URI" ]; then
		pg_stop
		pg_cleanup_dir
	fi
}

q()
{
	if [ "$BACKEND" = sqlite ]; then
		sqlite3 -cmd '.timeout 5000' "$DB" "$1"
	elif [ -n "$BACKEND_URI" ]; then
		psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$DB" -c "$1"
	else
		pg_psql -c "$1"
	fi
}
