/* gsock-tcp-client-flow-private.h: a GsockTcpClient's flow control, limits and half-close,
 * as properties
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-stream-private.h"
#include "gsock-tcp-client.h"

G_BEGIN_DECLS

/* GsockTcpClient's properties of its stream (queued-bytes, max-queued-bytes, the water marks,
 * write-blocked, drain-timeout, idle-timeout, read-paused): their specs, values and public
 * accessors live in gsock-tcp-client-flow.c; the class gives them the ids from @first on. */
#define GSOCK_TCP_CLIENT_N_FLOW_PROPS 8

void     _gsock_tcp_client_flow_install_properties   (GObjectClass   *object_class,
                                                      guint           first);
/* FALSE when @prop_id is not one of them. */
gboolean _gsock_tcp_client_flow_get_property         (GsockTcpClient *self,
                                                      guint           prop_id,
                                                      GValue         *value);
gboolean _gsock_tcp_client_flow_set_property         (GsockTcpClient *self,
                                                      guint           prop_id,
                                                      const GValue   *value);
void     _gsock_tcp_client_flow_notify_queued_bytes  (GsockTcpClient *self);
void     _gsock_tcp_client_flow_notify_write_blocked (GsockTcpClient *self);

/* The client's own, embedded in its private struct (defined in gsock-tcp-client.c). */
GsockStream *_gsock_tcp_client_get_stream (GsockTcpClient *self);

G_END_DECLS
