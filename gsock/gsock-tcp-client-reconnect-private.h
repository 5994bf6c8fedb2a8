/* gsock-tcp-client-reconnect-private.h: a GsockTcpClient's reconnect properties
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-reconnect-private.h"
#include "gsock-tcp-client.h"

G_BEGIN_DECLS

/* GsockTcpClient's reconnect, reconnect-delay, reconnect-max-delay,
 * queue-while-reconnecting and reconnect-attempts: their specs, values and public accessors
 * live in gsock-tcp-client-reconnect.c; the class gives them the ids from @first on. */
#define GSOCK_TCP_CLIENT_N_RECONNECT_PROPS 5

void     _gsock_tcp_client_reconnect_install_properties (GObjectClass   *object_class,
                                                         guint           first);
/* FALSE when @prop_id is not one of them. */
gboolean _gsock_tcp_client_reconnect_get_property       (GsockReconnect *self,
                                                         guint           prop_id,
                                                         GValue         *value);
gboolean _gsock_tcp_client_reconnect_set_property       (GsockTcpClient *client,
                                                         guint           prop_id,
                                                         const GValue   *value);
void     _gsock_tcp_client_reconnect_notify_attempts    (GsockTcpClient *self);

/* The client's own, embedded in its private struct (defined in gsock-tcp-client.c). */
GsockReconnect *_gsock_tcp_client_get_reconnect (GsockTcpClient *self);

G_END_DECLS
