#!/bin/sh
# SPDX-License-Identifier: MIT
# Turns the numbered schema files into a C array so the otpbox binary
# carries its own migrations: schema_sql[i] upgrades user_version i to i+1.
set -e
echo '/* Generated from the sql/ directory by sql/embed.sh; do not edit. */'
echo '#include "schema_sql.h"'
echo 'const char *const schema_sql[] = {'
for f in "$@"; do
	echo "/* $(basename "$f") */"
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$/\\n"/' "$f"
	echo ','
done
echo '};'
echo "const int schema_sql_count = $#;"
