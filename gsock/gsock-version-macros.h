/* gsock-version-macros.h: symbol visibility for the public API
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GSOCK_INSIDE) && !defined(GSOCK_COMPILATION)
#error "Only <gsock/gsock.h> can be included directly."
#endif

#include <glib.h>

#if defined(GSOCK_COMPILATION) && defined(__GNUC__)
#define _GSOCK_EXPORT __attribute__ ((visibility ("default"))) extern
#else
#define _GSOCK_EXPORT extern
#endif

/* Every public declaration carries this; anything without it stays inside the library. */
#define GSOCK_AVAILABLE_IN_ALL _GSOCK_EXPORT
