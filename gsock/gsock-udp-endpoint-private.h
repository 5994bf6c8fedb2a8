/* gsock-udp-endpoint-private.h: what the parts of GsockUdpEndpoint share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-dtls-server-private.h"
#include "gsock-tls-private.h"
#include "gsock-udp-endpoint.h"

G_BEGIN_DECLS

/* An endpoint's DTLS: its settings (dtls, the certificate, the authorities, the judge of the
 * peer's certificate) and a client's session. Plain data embedded in the endpoint's private
 * struct. */
typedef struct
{
  gboolean enabled;         /* the dtls property */
  GsockTls tls;
  GDatagramBased *session;  /* a client's GDtlsClientConnection, once handshaken */
  GCancellable *handshake;  /* a client's handshake under way, or NULL */
  GsockDtlsServer server;   /* a server's sessions (no remote-address), and their limits */
} GsockUdpDtls;

/* GsockUdpEndpoint's DTLS properties (dtls, tls-certificate, tls-database, max-sessions,
 * session-idle-timeout) and its
 * accept-certificate signal: their specs, values and public accessors live in
 * gsock-udp-endpoint-dtls.c; the class gives the properties the ids from @first on. */
#define GSOCK_UDP_ENDPOINT_N_DTLS_PROPS 5

void     _gsock_udp_endpoint_dtls_class_init   (GObjectClass     *object_class,
                                                guint             first);
void     _gsock_udp_endpoint_dtls_init         (GsockUdpEndpoint *self,
                                                GsockUdpDtls     *dtls,
                                                const GsockDtlsServerCallbacks *callbacks);
/* FALSE when @prop_id is not one of them. */
gboolean _gsock_udp_endpoint_dtls_get_property (GsockUdpEndpoint *self,
                                                guint             prop_id,
                                                GValue           *value);
gboolean _gsock_udp_endpoint_dtls_set_property (GsockUdpEndpoint *self,
                                                guint             prop_id,
                                                const GValue     *value);

/* The endpoint's own, embedded in its private struct (defined in gsock-udp-endpoint.c). */
GsockUdpDtls *_gsock_udp_endpoint_get_dtls     (GsockUdpEndpoint *self);

G_END_DECLS
