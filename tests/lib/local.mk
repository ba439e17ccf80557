# SPDX-License-Identifier: MIT
# tests/lib: libotpbox as installed: pkg-config, SONAME, linking.
check_PROGRAMS += examples/wait_code
examples_wait_code_SOURCES = examples/wait_code.c
examples_wait_code_LDADD = libotpbox.la
TESTS += tests/lib/install_link.sh
EXTRA_DIST += tests/lib/local.mk tests/lib/install_link.sh
