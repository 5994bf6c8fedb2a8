/* gsock-tls-private.h: TLS for the connections of clients and servers, and DTLS for
 * datagram endpoints
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "gsock-endpoint.h"

G_BEGIN_DECLS

/* TRUE if a TLS backend is installed; else GSOCK_ERROR_TLS_UNAVAILABLE. */
gboolean _gsock_tls_check_available (GError **error);

/* What the side of a connection that speaks TLS brings to it, and who judges the peer's
 * certificate: plain data embedded in that endpoint (a client or a server). */
typedef struct
{
  GsockEndpoint *judge;          /* not owned: it embeds this */
  guint accept_signal;           /* its accept-certificate signal */
  GTlsCertificate *certificate;  /* ours, with its key */
  GTlsDatabase *database;        /* the authorities the peer's is checked against */
  GTlsCertificateFlags refused;  /* what was wrong with the last peer certificate refused */
  GTlsProtocolVersion minimum_version; /* the oldest accepted; UNKNOWN: any */
  /* A client's last handshake: when it began, and whether the server asked for a
   * certificate. */
  gint64 handshake_began;
  gboolean certificate_requested;
} GsockTls;

/* Registers the accept-certificate signal of @type (GsockTcpClient, GsockTcpServer or
 * GsockUdpEndpoint); all are documented in gsock-tls.c. */
guint    _gsock_tls_accept_certificate_signal_new (GType type);

void     _gsock_tls_init              (GsockTls        *self,
                                       GsockEndpoint   *judge,
                                       guint            accept_signal);
void     _gsock_tls_clear             (GsockTls        *self);

/* Makes @socket_client open TLS connections with @self's certificate and authorities; a
 * server certificate that fails verification is the judge's call (and, when refused, in
 * @self->refused). The handshake's start and whether the server asked for a certificate are
 * noted in @self. */
void     _gsock_tls_set_up_client     (GsockTls        *self,
                                       GSocketClient   *socket_client);
/* Says, in front of @error when it is G_TLS_ERROR_BAD_CERTIFICATE, what was wrong with the
 * @whose ("server" or "client") certificate that was refused with @refused. */
void     _gsock_tls_explain_refusal   (GTlsCertificateFlags   refused,
                                       const char            *whose,
                                       GError               **error);

/* The tls-minimum-version property of both classes (documented in each class). */
GParamSpec *_gsock_tls_minimum_version_param_new (void);
/* "TLS 1.3" and the like, for messages. */
const char *_gsock_tls_protocol_name (GTlsProtocolVersion version);
/* Whether @version can be a minimum: UNKNOWN (none), or SSL 3.0 to TLS 1.3. */
gboolean _gsock_tls_is_stream_version (GTlsProtocolVersion version);

/* TRUE if @connection, handshaken, speaks @self's minimum version or a newer one; else
 * GSOCK_ERROR_TLS_PROTOCOL_TOO_OLD naming both versions, and the socket under @connection
 * is closed at once (nothing is owed to such a peer, not even a close_notify). */
gboolean _gsock_tls_check_version     (GsockTls        *self,
                                       GTlsConnection  *connection,
                                       GError         **error);

/* The server's handshake over an accepted connection, bounded by @timeout_ms (0: none) and
 * by @cancellable, the version checked; the result is the TLS stream (transfer full). */
void       _gsock_tls_handshake_async  (GsockTls               *self,
                                        GIOStream              *base,
                                        GTlsAuthenticationMode  mode,
                                        guint                   timeout_ms,
                                        GCancellable           *cancellable,
                                        GAsyncReadyCallback     callback,
                                        gpointer                user_data);
GIOStream *_gsock_tls_handshake_finish (GAsyncResult           *result,
                                        GError                **error);

/* Whether the TLS backend speaks DTLS. */
gboolean   _gsock_tls_is_dtls_available    (void);
/* TRUE if it does; else GSOCK_ERROR_TLS_UNAVAILABLE. */
gboolean   _gsock_tls_check_dtls_available (GError **error);
/* A DTLS handshake over @base (a connected datagram socket, or a server's session with one
 * peer): a client's, verifying the server against @server_identity, or with
 * @server_identity NULL a server's, with @self's certificate and @mode. Bounded and checked
 * as _gsock_tls_handshake_async(); the result is the GDtlsConnection (transfer full). */
void       _gsock_tls_dtls_handshake_async  (GsockTls               *self,
                                             GDatagramBased         *base,
                                             GSocketConnectable     *server_identity,
                                             GTlsAuthenticationMode  mode,
                                             guint                   timeout_ms,
                                             GCancellable           *cancellable,
                                             GAsyncReadyCallback     callback,
                                             gpointer                user_data);
GDatagramBased *_gsock_tls_dtls_handshake_finish (GAsyncResult      *result,
                                                  GError           **error);

G_END_DECLS
