/* SPDX-License-Identifier: MIT */
/* The store's API for the wait side (see store.h for opening). */
#ifndef OTPBOX_STORE_WAIT_H
#define OTPBOX_STORE_WAIT_H

#include "store.h"

#endif
