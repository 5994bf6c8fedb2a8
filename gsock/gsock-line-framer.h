/* gsock-line-framer.h: messages separated by a delimiter
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GSOCK_INSIDE) && !defined(GSOCK_COMPILATION)
#error "Only <gsock/gsock.h> can be included directly."
#endif

#include "gsock-framer.h"

G_BEGIN_DECLS

#define GSOCK_TYPE_LINE_FRAMER (gsock_line_framer_get_type ())

GSOCK_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GsockLineFramer, gsock_line_framer, GSOCK, LINE_FRAMER, GsockFramer)

GSOCK_AVAILABLE_IN_ALL
GsockFramer *gsock_line_framer_new           (const char      *delimiter) G_GNUC_WARN_UNUSED_RESULT;
GSOCK_AVAILABLE_IN_ALL
const char  *gsock_line_framer_get_delimiter (GsockLineFramer *self);

G_END_DECLS
