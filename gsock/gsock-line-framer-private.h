/* gsock-line-framer-private.h: the line framer every connection starts with
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-line-framer.h"

G_BEGIN_DECLS

/* One line framer with the default delimiter for the whole process (transfer none): what a
 * client or server starts with before it is given one. Framers are immutable, so sharing it
 * saves making one per accepted connection. */
GsockFramer *_gsock_line_framer_get_default (void);

/* The framer a connection in @encoding uses for @framer (transfer full): for a line framer
 * whose delimiter @encoding writes otherwise than UTF-8 does, one that writes and finds it
 * so (kept by @framer for the next connection in @encoding); else @framer itself. */
GsockFramer *_gsock_line_framer_for_encoding (GsockFramer *framer,
                                              const char  *encoding);

G_END_DECLS
