/* gsock-length-framer.h: messages behind a big-endian length prefix
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GSOCK_INSIDE) && !defined(GSOCK_COMPILATION)
#error "Only <gsock/gsock.h> can be included directly."
#endif

#include "gsock-framer.h"

G_BEGIN_DECLS

#define GSOCK_TYPE_LENGTH_FRAMER (gsock_length_framer_get_type ())

GSOCK_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GsockLengthFramer, gsock_length_framer, GSOCK, LENGTH_FRAMER, GsockFramer)

GSOCK_AVAILABLE_IN_ALL
GsockFramer *gsock_length_framer_new             (guint              prefix_size) G_GNUC_WARN_UNUSED_RESULT;
GSOCK_AVAILABLE_IN_ALL
guint        gsock_length_framer_get_prefix_size (GsockLengthFramer *self);

G_END_DECLS
