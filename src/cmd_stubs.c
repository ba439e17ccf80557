/* SPDX-License-Identifier: MIT */
/* Placeholders for sub-commands whose implementation has not landed yet;
 * each says so plainly and exits 69 (EX_UNAVAILABLE). */
#include <stdio.h>
#include <sysexits.h>

#include "cmd.h"
