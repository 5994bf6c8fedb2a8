/* gsock-udp-endpoint-private.h: sending datagrams from inside the library
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-udp-endpoint.h"

G_BEGIN_DECLS

/* gsock_endpoint_send_data() without a GBytes: when @endpoint is a GsockUdpEndpoint (whose
 * send_bytes is its own), sends @data at once (a copy is queued only if it must wait), sets
 * *@sent (and @error when FALSE) and returns TRUE; otherwise returns FALSE and does nothing.
 * The caller owns the endpoint's context and checked the size. */
gboolean _gsock_udp_endpoint_try_send_data (GsockEndpoint  *endpoint,
                                            const guint8   *data,
                                            gsize           size,
                                            GSocketAddress *target,
                                            gboolean       *sent,
                                            GError        **error);

G_END_DECLS
