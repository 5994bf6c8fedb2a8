/* gsock-encoding-private.h: text <-> bytes in a named character set
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

GBytes *_gsock_encoding_encode (const char *encoding,
                                const char *text,
                                GError    **error);
char   *_gsock_encoding_decode (const char *encoding,
                                GBytes     *bytes,
                                GError    **error);

G_END_DECLS
