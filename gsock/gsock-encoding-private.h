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
                                const char *data,
                                gsize       len,
                                GError    **error);

/* Whether text converts to and from @encoding; else sets GSOCK_ERROR_UNKNOWN_ENCODING. */
gboolean _gsock_encoding_check      (const char *encoding,
                                     GError    **error);
/* Whether @encoding names UTF-8, whose text needs no conversion. */
gboolean _gsock_encoding_is_utf8    (const char *encoding);
/* Whether @data is UTF-8 without a NUL, as decoding it from UTF-8 requires; else sets @error. */
gboolean _gsock_encoding_check_utf8 (const char *data,
                                     gsize       len,
                                     GError    **error);

G_END_DECLS
