# SPDX-License-Identifier: MIT
# etc: the sample configuration, the cron line and the systemd unit.
# Installed as a sample beside where otpbox looks (/etc/otpbox/otpbox.conf
# with --sysconfdir=/etc), never over a real configuration.
otpboxconfdir = $(sysconfdir)/otpbox
otpboxconf_DATA = otpbox.conf.sample
CLEANFILES += otpbox.conf.sample
EXTRA_DIST += etc/otpbox.conf etc/otpbox-fetch.service etc/otpbox.cron \
	etc/local.mk
otpbox.conf.sample: $(srcdir)/etc/otpbox.conf
	$(AM_V_GEN)cp $(srcdir)/etc/otpbox.conf $@
