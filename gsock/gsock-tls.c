/* gsock-tls.c: TLS for the connections of clients and servers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-tls-private.h"

#include "gsock-error.h"

gboolean
_gsock_tls_check_available (GError **error)
{
  if (g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    return TRUE;
  g_set_error_literal (error, GSOCK_ERROR, GSOCK_ERROR_TLS_UNAVAILABLE,
                       "TLS is not available: no TLS backend is installed "
                       "(on Debian, install the glib-networking package)");
  return FALSE;
}
