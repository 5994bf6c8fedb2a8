/* gsock-error.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-error.h"

G_DEFINE_QUARK (gsock-error-quark, gsock_error)
