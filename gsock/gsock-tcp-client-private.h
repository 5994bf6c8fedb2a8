/* gsock-tcp-client-private.h: how a server makes and drives its clients
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-tcp-client.h"
#include "gsock-tcp-server.h"

G_BEGIN_DECLS

GsockTcpClient    *_gsock_tcp_client_new_for_server (GsockTcpServer *server,
                                                    GIOStream      *stream);
GSocketConnection *_gsock_socket_connection_of      (GIOStream      *stream);
gboolean           _gsock_tls_check_available       (GError        **error);
void               _gsock_tcp_client_forget_server  (GsockTcpClient *self);

/* gsock_endpoint_send_data() without a GBytes: when @endpoint is a GsockTcpClient (whose
 * send_bytes is its own) inside one of its reads, frames @data straight into that read's
 * batch, sets *@sent (and @error when FALSE), and returns TRUE; otherwise returns FALSE and
 * does nothing. The caller owns the endpoint's context and checked the size. */
gboolean           _gsock_tcp_client_try_send_data  (GsockEndpoint  *endpoint,
                                                    const guint8   *data,
                                                    gsize           size,
                                                    gboolean       *sent,
                                                    GError        **error);

G_END_DECLS
