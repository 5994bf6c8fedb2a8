/* gsock-tcp-server-private.h: what a server's clients tell it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-tcp-server.h"

G_BEGIN_DECLS

void _gsock_tcp_server_deliver     (GsockTcpServer *self,
                                    GsockTcpClient *client,
                                    GsockMessage   *message);
void _gsock_tcp_server_client_gone (GsockTcpServer *self,
                                    GsockTcpClient *client,
                                    const GError   *reason);

G_END_DECLS
