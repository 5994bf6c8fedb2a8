/* gsock-socket-address.c: socket addresses compared by value
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-socket-address-private.h"

#include <string.h>
#include <sys/socket.h>

/* The address as the kernel sees it; its size, 0 if it has no native form. */
static gsize
native_of (GSocketAddress          *address,
           struct sockaddr_storage *native)
{
  gssize size = g_socket_address_get_native_size (address);

  memset (native, 0, sizeof *native);
  if (size <= 0 || !g_socket_address_to_native (address, native, sizeof *native, NULL))
    return 0;
  return size;
}

gboolean
_gsock_socket_address_equal (gconstpointer a,
                             gconstpointer b)
{
  struct sockaddr_storage x, y;
  gsize size = native_of ((GSocketAddress *) a, &x);

  return size > 0 && size == native_of ((GSocketAddress *) b, &y) && memcmp (&x, &y, size) == 0;
}

guint
_gsock_socket_address_hash (gconstpointer address)
{
  struct sockaddr_storage native;
  gsize size = native_of ((GSocketAddress *) address, &native);
  const guint8 *bytes = (const guint8 *) &native;
  guint hash = 5381;

  for (gsize i = 0; i < size; i++)
    hash = hash * 33 + bytes[i];
  return hash;
}
