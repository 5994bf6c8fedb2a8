/* gsock-tcp-server.h: a TCP server for many clients on one main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GSOCK_INSIDE) && !defined(GSOCK_COMPILATION)
#error "Only <gsock/gsock.h> can be included directly."
#endif

#include "gsock-endpoint.h"
#include "gsock-framer.h"
#include "gsock-tcp-client.h"

G_BEGIN_DECLS

#define GSOCK_TYPE_TCP_SERVER (gsock_tcp_server_get_type ())

GSOCK_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (GsockTcpServer, gsock_tcp_server, GSOCK, TCP_SERVER, GsockEndpoint)

/**
 * GsockTcpServerClass:
 * @parent_class: the parent class
 * @client_connected: class handler of [signal@Gsock.TcpServer::client-connected]
 * @client_disconnected: class handler of [signal@Gsock.TcpServer::client-disconnected]
 *
 * The virtual methods of [class@Gsock.TcpServer].
 */
/**
 * GsockTcpServerClass::client_disconnected:
 * @self: the server
 * @client: the client whose connection ended
 * @reason: (nullable): why the connection ended; `NULL` for an orderly close
 *
 * The class handler of the signal of the same name.
 */
struct _GsockTcpServerClass
{
  GsockEndpointClass parent_class;

  void (*client_connected)    (GsockTcpServer *self,
                               GsockTcpClient *client);
  void (*client_disconnected) (GsockTcpServer *self,
                               GsockTcpClient *client,
                               const GError   *reason);

  /*< private >*/
  gpointer padding[8];
};

GSOCK_AVAILABLE_IN_ALL
GsockTcpServer *gsock_tcp_server_new                  (const char     *host,
                                                       guint16         port) G_GNUC_WARN_UNUSED_RESULT;
GSOCK_AVAILABLE_IN_ALL
gboolean        gsock_tcp_server_listen               (GsockTcpServer *self,
                                                       GError        **error);

GSOCK_AVAILABLE_IN_ALL
GListModel     *gsock_tcp_server_get_clients          (GsockTcpServer *self);
GSOCK_AVAILABLE_IN_ALL
gboolean        gsock_tcp_server_broadcast            (GsockTcpServer *self,
                                                       const char     *text,
                                                       GsockTcpClient *except,
                                                       GError        **error);
GSOCK_AVAILABLE_IN_ALL
gboolean        gsock_tcp_server_broadcast_bytes      (GsockTcpServer *self,
                                                       GBytes         *payload,
                                                       GsockTcpClient *except,
                                                       GError        **error);

GSOCK_AVAILABLE_IN_ALL
GsockFramer    *gsock_tcp_server_get_framer           (GsockTcpServer *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_tcp_server_set_framer           (GsockTcpServer *self,
                                                       GsockFramer    *framer);
GSOCK_AVAILABLE_IN_ALL
guint           gsock_tcp_server_get_max_clients      (GsockTcpServer *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_tcp_server_set_max_clients      (GsockTcpServer *self,
                                                       guint           max_clients);
GSOCK_AVAILABLE_IN_ALL
gboolean        gsock_tcp_server_get_reuse_address    (GsockTcpServer *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_tcp_server_set_reuse_address    (GsockTcpServer *self,
                                                       gboolean        reuse_address);
GSOCK_AVAILABLE_IN_ALL
gboolean        gsock_tcp_server_get_reuse_port       (GsockTcpServer *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_tcp_server_set_reuse_port       (GsockTcpServer *self,
                                                       gboolean        reuse_port);
GSOCK_AVAILABLE_IN_ALL
guint64         gsock_tcp_server_get_clients_rejected (GsockTcpServer *self);
GSOCK_AVAILABLE_IN_ALL
guint64         gsock_tcp_server_get_accept_pauses    (GsockTcpServer *self);
GSOCK_AVAILABLE_IN_ALL
GTlsCertificate *gsock_tcp_server_get_tls_certificate (GsockTcpServer  *self);
GSOCK_AVAILABLE_IN_ALL
void             gsock_tcp_server_set_tls_certificate (GsockTcpServer  *self,
                                                       GTlsCertificate *certificate);
GSOCK_AVAILABLE_IN_ALL
const char      *gsock_tcp_server_get_tls_certificate_file (GsockTcpServer *self);
GSOCK_AVAILABLE_IN_ALL
void             gsock_tcp_server_set_tls_certificate_file (GsockTcpServer *self,
                                                            const char     *path);
GSOCK_AVAILABLE_IN_ALL
GTlsDatabase    *gsock_tcp_server_get_tls_database    (GsockTcpServer  *self);
GSOCK_AVAILABLE_IN_ALL
void             gsock_tcp_server_set_tls_database    (GsockTcpServer  *self,
                                                       GTlsDatabase    *database);
GSOCK_AVAILABLE_IN_ALL
GTlsAuthenticationMode gsock_tcp_server_get_tls_authentication_mode (GsockTcpServer *self);
GSOCK_AVAILABLE_IN_ALL
void             gsock_tcp_server_set_tls_authentication_mode (GsockTcpServer         *self,
                                                               GTlsAuthenticationMode  mode);
GSOCK_AVAILABLE_IN_1_2
gboolean         gsock_tcp_server_get_no_delay            (GsockTcpServer *self);
GSOCK_AVAILABLE_IN_1_2
void             gsock_tcp_server_set_no_delay            (GsockTcpServer *self,
                                                           gboolean        no_delay);
GSOCK_AVAILABLE_IN_1_2
gboolean         gsock_tcp_server_get_keepalive           (GsockTcpServer *self);
GSOCK_AVAILABLE_IN_1_2
void             gsock_tcp_server_set_keepalive           (GsockTcpServer *self,
                                                           gboolean        keepalive,
                                                           guint           idle_s,
                                                           guint           interval_s,
                                                           guint           count);
GSOCK_AVAILABLE_IN_1_2
GTlsProtocolVersion gsock_tcp_server_get_tls_minimum_version (GsockTcpServer *self);
GSOCK_AVAILABLE_IN_1_2
void             gsock_tcp_server_set_tls_minimum_version (GsockTcpServer      *self,
                                                           GTlsProtocolVersion  version);
GSOCK_AVAILABLE_IN_ALL
guint           gsock_tcp_server_get_handler_threads  (GsockTcpServer *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_tcp_server_set_handler_threads  (GsockTcpServer *self,
                                                       guint           handler_threads);
GSOCK_AVAILABLE_IN_ALL
guint           gsock_tcp_server_get_idle_timeout     (GsockTcpServer *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_tcp_server_set_idle_timeout     (GsockTcpServer *self,
                                                       guint           idle_timeout_ms);
GSOCK_AVAILABLE_IN_ALL
guint64         gsock_tcp_server_get_max_queued_bytes (GsockTcpServer *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_tcp_server_set_max_queued_bytes (GsockTcpServer *self,
                                                       guint64         max_queued_bytes);
GSOCK_AVAILABLE_IN_ALL
guint64         gsock_tcp_server_get_high_water_mark  (GsockTcpServer *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_tcp_server_set_high_water_mark  (GsockTcpServer *self,
                                                       guint64         high_water_mark);
GSOCK_AVAILABLE_IN_ALL
guint64         gsock_tcp_server_get_low_water_mark   (GsockTcpServer *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_tcp_server_set_low_water_mark   (GsockTcpServer *self,
                                                       guint64         low_water_mark);
GSOCK_AVAILABLE_IN_ALL
guint           gsock_tcp_server_get_drain_timeout    (GsockTcpServer *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_tcp_server_set_drain_timeout    (GsockTcpServer *self,
                                                       guint           drain_timeout_ms);

G_END_DECLS
