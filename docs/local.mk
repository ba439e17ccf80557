# SPDX-License-Identifier: MIT
# docs: manual pages and guides.
dist_man_MANS += docs/otpbox.1
dist_doc_DATA += docs/extraction.md docs/m365-setup.md docs/audit.md
EXTRA_DIST += docs/local.mk
# status, doctor, systemd and journald for operators
dist_doc_DATA += docs/operations.md
