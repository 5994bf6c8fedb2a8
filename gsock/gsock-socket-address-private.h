/* gsock-socket-address-private.h: socket addresses compared by value
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Whether @a and @b name the same peer: the same family, address and port (or path), as the
 * kernel sees them. */
gboolean _gsock_socket_address_equal (gconstpointer a,
                                      gconstpointer b);
/* A hash of the same, for GHashTable with _gsock_socket_address_equal. */
guint    _gsock_socket_address_hash  (gconstpointer address);

G_END_DECLS
