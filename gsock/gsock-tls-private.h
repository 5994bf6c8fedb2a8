/* gsock-tls-private.h: TLS for the connections of clients and servers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* TRUE if a TLS backend is installed; else GSOCK_ERROR_TLS_UNAVAILABLE. */
gboolean _gsock_tls_check_available (GError **error);

G_END_DECLS
