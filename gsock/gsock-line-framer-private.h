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

G_END_DECLS
