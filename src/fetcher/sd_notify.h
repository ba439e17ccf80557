/* SPDX-License-Identifier: MIT */
/* The systemd notification protocol (sd_notify(3)) without libsystemd:
 * one datagram to $NOTIFY_SOCKET per state change. */
#ifndef OTPBOX_SD_NOTIFY_H
#define OTPBOX_SD_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "otpbox_err.h"

/* Whether $NOTIFY_SOCKET names a socket to notify (systemd Type=notify). */
bool sd_notify_enabled(void);

/*
 * Sends state ("READY=1", "WATCHDOG=1", "STATUS=...", newline-separated
 * assignments) as one datagram to $NOTIFY_SOCKET: a path, or an abstract
 * socket when it starts with '@'. OTPBOX_OK also when the variable is
 * unset (nothing to notify); OTPBOX_ERR_CONFIG for a name that does not
 * fit a socket address; OTPBOX_ERR_IO when sending failed (errno set).
 */
enum otpbox_err sd_notify_send(const char *state);

/*
 * The watchdog interval systemd expects pings within, in microseconds,
 * from $WATCHDOG_USEC; 0 when there is no watchdog for this process.
 * $WATCHDOG_PID, when set, must be this process or its parent (the
 * --watch supervisor whose children do the work).
 */
uint64_t sd_notify_watchdog_usec(void);

#endif
