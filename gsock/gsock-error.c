/* gsock-error.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-error.h"

/**
 * gsock_error_quark:
 *
 * Gets the quark of the [error@Gsock.Error] domain; use it as `GSOCK_ERROR`.
 *
 * Returns: the quark that identifies gsock's own errors
 */
G_DEFINE_QUARK (gsock-error-quark, gsock_error)
