# SPDX-License-Identifier: MIT
# etc: the sample configuration, the cron line, the systemd units and the
# sysusers.d file.
# The sample is installed beside where otpbox looks (/etc/otpbox/otpbox.conf
# with --sysconfdir=/etc), never over a real configuration.
otpboxconfdir = $(sysconfdir)/otpbox
otpboxconf_DATA = otpbox.conf.sample
CLEANFILES += otpbox.conf.sample
EXTRA_DIST += etc/otpbox.conf etc/otpbox.cron etc/local.mk
otpbox.conf.sample: $(srcdir)/etc/otpbox.conf
	$(AM_V_GEN)cp $(srcdir)/etc/otpbox.conf $@

# The units name the program where `make install` puts it: generated here
# (not by configure) so that `make bindir=...` is honoured too.
OTPBOX_UNITS_IN = etc/otpbox-fetch.service.in etc/otpbox-fetch-once.service.in
OTPBOX_UNITS = $(OTPBOX_UNITS_IN:.in=)
EXTRA_DIST += $(OTPBOX_UNITS_IN) etc/otpbox-fetch-once.timer \
	etc/sysusers.d/otpbox.conf
CLEANFILES += $(OTPBOX_UNITS)
# Every unit, for `make check` (tests/units.sh), installed or not.
check_DATA = $(OTPBOX_UNITS)
if HAVE_SYSTEMD_UNITS
systemdsystemunit_DATA = $(OTPBOX_UNITS) etc/otpbox-fetch-once.timer
endif
if HAVE_SYSUSERS
sysusers_DATA = etc/sysusers.d/otpbox.conf
endif

$(OTPBOX_UNITS): Makefile
	$(AM_V_GEN)mkdir -p etc && \
	sed -e 's|@bindir[@]|$(bindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
		-e 's|@localstatedir[@]|$(localstatedir)|g' \
		$(srcdir)/$@.in >$@.tmp && mv -f $@.tmp $@
etc/otpbox-fetch.service: $(srcdir)/etc/otpbox-fetch.service.in
etc/otpbox-fetch-once.service: $(srcdir)/etc/otpbox-fetch-once.service.in

# the units name the installed program, verify, and stay hardened
TESTS += tests/units.sh
EXTRA_DIST += tests/units.sh
AM_TESTS_ENVIRONMENT += OTPBOX_BINDIR='$(bindir)'; export OTPBOX_BINDIR;
