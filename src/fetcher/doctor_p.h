/* SPDX-License-Identifier: MIT */
/* Names shared by the files of `otpbox doctor` (doctor.c, doctor_net.c,
 * doctor_local.c); nothing else includes this. */
#ifndef OTPBOX_DOCTOR_P_H
#define OTPBOX_DOCTOR_P_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "conf.h"

enum doctor_result {
	DOCTOR_OK = 0,
	DOCTOR_WARN, /* works, but worth fixing; does not fail the run */
	DOCTOR_SKIP, /* nothing to check */
	DOCTOR_FAIL, /* broken: the walk stops here */
};

/* One run: the configuration and where the results go. */
struct doctor {
	struct conf *conf;
	const char *db;
	bool json;
	json_t *steps;      /* --json: the array being built */
	int status;         /* exit status: 0, or the failing step's */
	const char *failed; /* the failing step's name, or NULL */
	/* The newest INTERNALDATE of the first folder on the server (0 when
	 * empty or not read): one in the future proves its clock ahead. */
	int64_t server_newest;
};

/*
 * Records one step's result: what was found (detail, printf-style) and,
 * unless DOCTOR_OK, the fix in plain words. account may be NULL. A
 * DOCTOR_FAIL sets d->status to status and d->failed. Returns true when
 * the walk may go on (anything but DOCTOR_FAIL).
 */
bool doctor_step(struct doctor *d, const char *step, const char *account,
                 enum doctor_result res, int status, const char *fix,
                 const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* The network steps for one account: secret, DNS, TCP, TLS and greeting,
 * sign-in, capabilities, folders. Returns false after a failed step. */
bool doctor_net_account(struct doctor *d, size_t index);

/* The local steps: database and its directory, kernel limits, clock
 * offset and recipient headers from the stored messages. */
bool doctor_local(struct doctor *d);

#endif
