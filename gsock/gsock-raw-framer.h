/* gsock-raw-framer.h: every read is a message
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GSOCK_INSIDE) && !defined(GSOCK_COMPILATION)
#error "Only <gsock/gsock.h> can be included directly."
#endif

#include "gsock-framer.h"

G_BEGIN_DECLS

#define GSOCK_TYPE_RAW_FRAMER (gsock_raw_framer_get_type ())

GSOCK_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GsockRawFramer, gsock_raw_framer, GSOCK, RAW_FRAMER, GsockFramer)

GSOCK_AVAILABLE_IN_ALL
GsockFramer *gsock_raw_framer_new (void) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
