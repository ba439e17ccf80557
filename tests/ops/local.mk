# SPDX-License-Identifier: MIT
# tests/ops: otpbox status and doctor, systemd notifications and the
# progress line, against the private Dovecot.
OPS_TESTS = tests/ops/status.sh tests/ops/sd_notify.sh \
	tests/ops/progress.sh tests/ops/doctor.sh tests/ops/doctor_oauth2.sh
TESTS += $(OPS_TESTS)
EXTRA_DIST += tests/ops/local.mk $(OPS_TESTS)
