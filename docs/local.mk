# SPDX-License-Identifier: MIT
# docs: manual pages and guides.
dist_man_MANS += docs/otpbox.1
dist_doc_DATA += docs/extraction.md docs/m365-setup.md docs/audit.md \
	docs/sender-trust.md
EXTRA_DIST += docs/local.mk

# a page per command, the settings and the library
dist_man_MANS += docs/otpbox-fetch.1 docs/otpbox-wait.1 \
	docs/otpbox-extract.1 docs/otpbox-status.1 docs/otpbox-doctor.1 \
	docs/otpbox.conf.5 docs/libotpbox.3

# the pages lint clean and name the options each command's --help prints
TESTS += tests/man_lint.sh tests/man_help.sh
EXTRA_DIST += tests/man_lint.sh tests/man_help.sh

# `make install DESTDIR=...` puts every file in place (tests/install_check.sh)
TESTS += tests/install_check.sh
EXTRA_DIST += tests/install_check.sh
AM_TESTS_ENVIRONMENT += \
	OTPBOX_DIRS="prefix='$(prefix)' bindir='$(bindir)' libdir='$(libdir)' \
	includedir='$(includedir)' mandir='$(mandir)' docdir='$(docdir)' \
	sysconfdir='$(sysconfdir)' pkgdatadir='$(pkgdatadir)' \
	systemdsystemunitdir='$(systemdsystemunitdir)' \
	sysusersdir='$(sysusersdir)'"; export OTPBOX_DIRS; \
	MAKE='$(MAKE)'; export MAKE; CC='$(CC)'; export CC; \
	OTPBOX_LDFLAGS='$(OTPBOX_LDFLAGS)'; export OTPBOX_LDFLAGS;

# status, doctor, systemd and journald for operators
dist_doc_DATA += docs/operations.md
