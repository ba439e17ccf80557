/* SPDX-License-Identifier: MIT */
/* The clocks otpbox reads: monotonic for deadlines, wall for timestamps. */
#ifndef OTPBOX_CLOCK_H
#define OTPBOX_CLOCK_H

#include <stdint.h>

/* Milliseconds on the monotonic clock (arbitrary start): for deadlines and
 * elapsed times, immune to the wall clock being set. Cannot fail. */
int64_t clock_mono_ms(void);
/* Seconds since the Unix epoch on the wall clock. Cannot fail. */
int64_t clock_wall_s(void);
/* Milliseconds since the Unix epoch on the wall clock. Cannot fail. */
int64_t clock_wall_ms(void);

#endif
