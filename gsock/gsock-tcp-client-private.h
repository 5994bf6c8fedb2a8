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

G_END_DECLS
