/* gsock-tcp-client.h: one TCP connection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GSOCK_INSIDE) && !defined(GSOCK_COMPILATION)
#error "Only <gsock/gsock.h> can be included directly."
#endif

#include "gsock-endpoint.h"
#include "gsock-framer.h"

G_BEGIN_DECLS

#define GSOCK_TYPE_TCP_CLIENT (gsock_tcp_client_get_type ())

GSOCK_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (GsockTcpClient, gsock_tcp_client, GSOCK, TCP_CLIENT, GsockEndpoint)

/**
 * GsockTcpClientClass:
 * @parent_class: the parent class
 * @disconnected: class handler of [signal@Gsock.TcpClient::disconnected]
 *
 * The virtual methods of [class@Gsock.TcpClient].
 */
/**
 * GsockTcpClientClass::disconnected:
 * @self: the client
 * @reason: (nullable): why the connection ended; `NULL` for an orderly close
 *
 * The class handler of the signal of the same name.
 */
struct _GsockTcpClientClass
{
  GsockEndpointClass parent_class;

  void (*disconnected) (GsockTcpClient *self,
                        const GError   *reason);

  /*< private >*/
  gpointer padding[8];
};

GSOCK_AVAILABLE_IN_ALL
GsockTcpClient *gsock_tcp_client_new                (const char     *host,
                                                     guint16         port) G_GNUC_WARN_UNUSED_RESULT;

GSOCK_AVAILABLE_IN_ALL
gboolean        gsock_tcp_client_open               (GsockTcpClient *self,
                                                     GCancellable   *cancellable,
                                                     GError        **error);
GSOCK_AVAILABLE_IN_ALL
void            gsock_tcp_client_open_async         (GsockTcpClient     *self,
                                                     GCancellable       *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer            user_data);
GSOCK_AVAILABLE_IN_ALL
gboolean        gsock_tcp_client_open_finish        (GsockTcpClient *self,
                                                     GAsyncResult   *result,
                                                     GError        **error);

GSOCK_AVAILABLE_IN_ALL
GSocketAddress *gsock_tcp_client_get_remote_address (GsockTcpClient *self);
GSOCK_AVAILABLE_IN_1_2
gboolean        gsock_tcp_client_get_no_delay       (GsockTcpClient *self);
GSOCK_AVAILABLE_IN_1_2
void            gsock_tcp_client_set_no_delay       (GsockTcpClient *self,
                                                     gboolean        no_delay);
GSOCK_AVAILABLE_IN_1_2
gboolean        gsock_tcp_client_get_keepalive      (GsockTcpClient *self);
GSOCK_AVAILABLE_IN_1_2
void            gsock_tcp_client_set_keepalive      (GsockTcpClient *self,
                                                     gboolean        keepalive,
                                                     guint           idle_s,
                                                     guint           interval_s,
                                                     guint           count);
GSOCK_AVAILABLE_IN_ALL
GsockFramer    *gsock_tcp_client_get_framer         (GsockTcpClient *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_tcp_client_set_framer         (GsockTcpClient *self,
                                                     GsockFramer    *framer);
GSOCK_AVAILABLE_IN_ALL
gsize           gsock_tcp_client_get_queued_bytes   (GsockTcpClient *self);
GSOCK_AVAILABLE_IN_ALL
gboolean         gsock_tcp_client_get_tls             (GsockTcpClient  *self);
GSOCK_AVAILABLE_IN_ALL
void             gsock_tcp_client_set_tls             (GsockTcpClient  *self,
                                                       gboolean         tls);
GSOCK_AVAILABLE_IN_ALL
GTlsCertificate *gsock_tcp_client_get_tls_certificate (GsockTcpClient  *self);
GSOCK_AVAILABLE_IN_ALL
void             gsock_tcp_client_set_tls_certificate (GsockTcpClient  *self,
                                                       GTlsCertificate *certificate);
GSOCK_AVAILABLE_IN_ALL
GTlsDatabase    *gsock_tcp_client_get_tls_database    (GsockTcpClient  *self);
GSOCK_AVAILABLE_IN_ALL
void             gsock_tcp_client_set_tls_database    (GsockTcpClient  *self,
                                                       GTlsDatabase    *database);
GSOCK_AVAILABLE_IN_1_2
GTlsProtocolVersion gsock_tcp_client_get_tls_minimum_version (GsockTcpClient *self);
GSOCK_AVAILABLE_IN_1_2
void             gsock_tcp_client_set_tls_minimum_version (GsockTcpClient      *self,
                                                           GTlsProtocolVersion  version);
GSOCK_AVAILABLE_IN_ALL
GTlsCertificate *gsock_tcp_client_get_peer_certificate (GsockTcpClient *self);
GSOCK_AVAILABLE_IN_ALL
gboolean         gsock_tcp_client_get_reconnect       (GsockTcpClient  *self);
GSOCK_AVAILABLE_IN_ALL
void             gsock_tcp_client_set_reconnect       (GsockTcpClient  *self,
                                                       gboolean         value);
GSOCK_AVAILABLE_IN_ALL
guint            gsock_tcp_client_get_reconnect_delay (GsockTcpClient  *self);
GSOCK_AVAILABLE_IN_ALL
void             gsock_tcp_client_set_reconnect_delay (GsockTcpClient  *self,
                                                       guint            value);
GSOCK_AVAILABLE_IN_ALL
guint            gsock_tcp_client_get_reconnect_max_delay (GsockTcpClient *self);
GSOCK_AVAILABLE_IN_ALL
void             gsock_tcp_client_set_reconnect_max_delay (GsockTcpClient *self,
                                                           guint           value);
GSOCK_AVAILABLE_IN_ALL
gboolean         gsock_tcp_client_get_queue_while_reconnecting (GsockTcpClient *self);
GSOCK_AVAILABLE_IN_ALL
void             gsock_tcp_client_set_queue_while_reconnecting (GsockTcpClient *self,
                                                                gboolean        value);
GSOCK_AVAILABLE_IN_ALL
guint            gsock_tcp_client_get_reconnect_attempts (GsockTcpClient *self);
GSOCK_AVAILABLE_IN_ALL
guint64         gsock_tcp_client_get_max_queued_bytes (GsockTcpClient *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_tcp_client_set_max_queued_bytes (GsockTcpClient *self,
                                                       guint64         max_queued_bytes);
GSOCK_AVAILABLE_IN_ALL
guint           gsock_tcp_client_get_idle_timeout   (GsockTcpClient *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_tcp_client_set_idle_timeout   (GsockTcpClient *self,
                                                     guint           idle_timeout_ms);
GSOCK_AVAILABLE_IN_ALL
gboolean        gsock_tcp_client_get_read_paused    (GsockTcpClient *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_tcp_client_set_read_paused    (GsockTcpClient *self,
                                                     gboolean        read_paused);
GSOCK_AVAILABLE_IN_ALL
guint64         gsock_tcp_client_get_high_water_mark (GsockTcpClient *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_tcp_client_set_high_water_mark (GsockTcpClient *self,
                                                      guint64         high_water_mark);
GSOCK_AVAILABLE_IN_ALL
guint64         gsock_tcp_client_get_low_water_mark  (GsockTcpClient *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_tcp_client_set_low_water_mark  (GsockTcpClient *self,
                                                      guint64         low_water_mark);
GSOCK_AVAILABLE_IN_ALL
gboolean        gsock_tcp_client_get_write_blocked   (GsockTcpClient *self);
GSOCK_AVAILABLE_IN_ALL
guint           gsock_tcp_client_get_drain_timeout   (GsockTcpClient *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_tcp_client_set_drain_timeout   (GsockTcpClient *self,
                                                      guint           drain_timeout_ms);
GSOCK_AVAILABLE_IN_ALL
void            gsock_tcp_client_shutdown_write      (GsockTcpClient *self);

G_END_DECLS
