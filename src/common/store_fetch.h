/* SPDX-License-Identifier: MIT */
/* The store's API for the fetch side (see store.h for opening). */
#ifndef OTPBOX_STORE_FETCH_H
#define OTPBOX_STORE_FETCH_H

#include "store.h"

#endif
