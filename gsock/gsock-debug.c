/* gsock-debug.c: debug logging in the Gsock domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-debug-private.h"

char *
_gsock_debug_address (GSocketAddress *address)
{
  if (address == NULL)
    return g_strdup ("nothing");
  return g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (address));
}
