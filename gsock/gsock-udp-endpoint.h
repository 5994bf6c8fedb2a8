/* gsock-udp-endpoint.h: a UDP socket that sends and receives datagrams
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GSOCK_INSIDE) && !defined(GSOCK_COMPILATION)
#error "Only <gsock/gsock.h> can be included directly."
#endif

#include "gsock-endpoint.h"

G_BEGIN_DECLS

#define GSOCK_TYPE_UDP_ENDPOINT (gsock_udp_endpoint_get_type ())

GSOCK_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (GsockUdpEndpoint, gsock_udp_endpoint, GSOCK, UDP_ENDPOINT, GsockEndpoint)

/**
 * GsockUdpEndpointClass:
 * @parent_class: the parent class
 *
 * The class of [class@Gsock.UdpEndpoint]; override
 * [vfunc@Gsock.Endpoint.message_received] to handle datagrams in a subclass.
 */
struct _GsockUdpEndpointClass
{
  GsockEndpointClass parent_class;

  /*< private >*/
  gpointer padding[8];
};

GSOCK_AVAILABLE_IN_ALL
GsockUdpEndpoint *gsock_udp_endpoint_new           (const char       *host,
                                                    guint16           port) G_GNUC_WARN_UNUSED_RESULT;
GSOCK_AVAILABLE_IN_1_2
GsockUdpEndpoint *gsock_udp_endpoint_new_for_socket (GSocket  *socket,
                                                     GError  **error) G_GNUC_WARN_UNUSED_RESULT;
GSOCK_AVAILABLE_IN_ALL
gboolean          gsock_udp_endpoint_bind          (GsockUdpEndpoint *self,
                                                    GError          **error);
GSOCK_AVAILABLE_IN_ALL
gboolean          gsock_udp_endpoint_get_broadcast (GsockUdpEndpoint *self);
GSOCK_AVAILABLE_IN_ALL
void              gsock_udp_endpoint_set_broadcast (GsockUdpEndpoint *self,
                                                    gboolean          broadcast);
GSOCK_AVAILABLE_IN_1_2
gboolean          gsock_udp_endpoint_get_reuse_port          (GsockUdpEndpoint *self);
GSOCK_AVAILABLE_IN_1_2
void              gsock_udp_endpoint_set_reuse_port          (GsockUdpEndpoint *self,
                                                              gboolean          reuse_port);
GSOCK_AVAILABLE_IN_ALL
guint             gsock_udp_endpoint_get_receive_buffer_size (GsockUdpEndpoint *self);
GSOCK_AVAILABLE_IN_ALL
void              gsock_udp_endpoint_set_receive_buffer_size (GsockUdpEndpoint *self,
                                                              guint             size);
GSOCK_AVAILABLE_IN_ALL
guint64           gsock_udp_endpoint_get_datagrams_dropped   (GsockUdpEndpoint *self);
GSOCK_AVAILABLE_IN_ALL
gsize             gsock_udp_endpoint_get_queued_datagrams    (GsockUdpEndpoint *self);

GSOCK_AVAILABLE_IN_ALL
gboolean          gsock_udp_endpoint_join_multicast_group    (GsockUdpEndpoint *self,
                                                              GInetAddress     *group,
                                                              const char       *iface,
                                                              GError          **error);
GSOCK_AVAILABLE_IN_ALL
gboolean          gsock_udp_endpoint_leave_multicast_group   (GsockUdpEndpoint *self,
                                                              GInetAddress     *group,
                                                              const char       *iface,
                                                              GError          **error);
GSOCK_AVAILABLE_IN_ALL
guint             gsock_udp_endpoint_get_multicast_ttl       (GsockUdpEndpoint *self);
GSOCK_AVAILABLE_IN_ALL
void              gsock_udp_endpoint_set_multicast_ttl       (GsockUdpEndpoint *self,
                                                              guint             ttl);
GSOCK_AVAILABLE_IN_ALL
gboolean          gsock_udp_endpoint_get_multicast_loopback  (GsockUdpEndpoint *self);
GSOCK_AVAILABLE_IN_ALL
void              gsock_udp_endpoint_set_multicast_loopback  (GsockUdpEndpoint *self,
                                                              gboolean          loopback);

GSOCK_AVAILABLE_IN_1_2
GSocketAddress   *gsock_udp_endpoint_get_remote_address      (GsockUdpEndpoint *self);
GSOCK_AVAILABLE_IN_1_2
void              gsock_udp_endpoint_set_remote_address      (GsockUdpEndpoint *self,
                                                              GSocketAddress   *address);

GSOCK_AVAILABLE_IN_1_2
gboolean          gsock_udp_endpoint_get_dtls                (GsockUdpEndpoint *self);
GSOCK_AVAILABLE_IN_1_2
void              gsock_udp_endpoint_set_dtls                (GsockUdpEndpoint *self,
                                                              gboolean          dtls);
GSOCK_AVAILABLE_IN_1_2
GTlsCertificate  *gsock_udp_endpoint_get_tls_certificate     (GsockUdpEndpoint *self);
GSOCK_AVAILABLE_IN_1_2
void              gsock_udp_endpoint_set_tls_certificate     (GsockUdpEndpoint *self,
                                                              GTlsCertificate  *certificate);
GSOCK_AVAILABLE_IN_1_2
GTlsDatabase     *gsock_udp_endpoint_get_tls_database        (GsockUdpEndpoint *self);
GSOCK_AVAILABLE_IN_1_2
void              gsock_udp_endpoint_set_tls_database        (GsockUdpEndpoint *self,
                                                              GTlsDatabase     *database);
GSOCK_AVAILABLE_IN_1_2
guint             gsock_udp_endpoint_get_max_sessions        (GsockUdpEndpoint *self);
GSOCK_AVAILABLE_IN_1_2
void              gsock_udp_endpoint_set_max_sessions        (GsockUdpEndpoint *self,
                                                              guint             max_sessions);
GSOCK_AVAILABLE_IN_1_2
guint             gsock_udp_endpoint_get_session_idle_timeout (GsockUdpEndpoint *self);
GSOCK_AVAILABLE_IN_1_2
void              gsock_udp_endpoint_set_session_idle_timeout (GsockUdpEndpoint *self,
                                                               guint             timeout_ms);

G_END_DECLS
