#!/bin/sh
# SPDX-License-Identifier: MIT
# Turns the numbered schema files into a C array so the otpbox binary
# carries its own migrations: schema_sql[i] upgrades user_version i to i+1.
# With -a NAME the array is NAME and its count NAME_count (the PostgreSQL
# migrations of sql/postgresql/: -a schema_pg_sql).
set -e
name=schema_sql
dir=sql/
if [ "$1" = -a ]; then
	name=$2
	shift 2
	dir=$(basename "$(dirname "$1")")
	dir=sql/$dir/
fi
echo "/* Generated from the $dir directory by sql/embed.sh; do not edit. */"
echo '#include "schema_sql.h"'
echo "const char *const $name[] = {"
for f in "$@"; do
	echo "/* $(basename "$f") */"
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$/\\n"/' "$f"
	echo ','
done
echo '};'
echo "const int ${name}_count = $#;"
