/* gsock-dtls-server-private.h: the DTLS sessions of a datagram endpoint that serves many peers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-endpoint.h"
#include "gsock-tls-private.h"

G_BEGIN_DECLS

/* What the sessions tell their owner (the endpoint they were initialised with). */
typedef struct
{
  /* A datagram @peer sent, decrypted: @data is valid during the call only. */
  void (*deliver) (GsockEndpoint  *owner,
                   const guint8   *data,
                   gsize           size,
                   GSocketAddress *peer);
} GsockDtlsServerCallbacks;

/* Plain data embedded in its owner: one DTLS session per peer over the owner's one socket.
 * Every datagram the socket receives is fed here; a peer without a session gets one only
 * for what looks like a ClientHello, within max_sessions and a bound on handshakes at once;
 * a session that hears nothing for idle_timeout_ms ends. */
typedef struct
{
  GsockEndpoint *owner;   /* not owned: it embeds this */
  GsockTls *tls;          /* the owner's */
  const GsockDtlsServerCallbacks *callbacks;
  GSocket *socket;        /* not owned: the owner's, between attach and clear */
  GHashTable *sessions;   /* GSocketAddress (by value) → Session, NULL until attach */
  guint handshakes;       /* under way, each in one of GIO's threads */
  guint max_sessions;     /* 0: no limit */
  guint idle_timeout_ms;  /* 0: none */
  guint8 *buffer;         /* one decrypted datagram, allocated at the first */
} GsockDtlsServer;

void            _gsock_dtls_server_init     (GsockDtlsServer                *self,
                                             GsockEndpoint                  *owner,
                                             GsockTls                       *tls,
                                             const GsockDtlsServerCallbacks *callbacks);
/* Sessions run over @socket (bound) from now on. */
void            _gsock_dtls_server_attach   (GsockDtlsServer                *self,
                                             GSocket                        *socket);
/* Ends every session (each owed close_notify is sent) and forgets the socket. */
void            _gsock_dtls_server_clear    (GsockDtlsServer                *self);
/* A datagram the socket received from @sender (transfer none). */
void            _gsock_dtls_server_feed     (GsockDtlsServer                *self,
                                             const guint8                   *data,
                                             gsize                           size,
                                             GSocketAddress                 *sender);
/* @peer's session once its handshake is done, to send through (transfer none), or NULL. */
GDatagramBased *_gsock_dtls_server_lookup   (GsockDtlsServer                *self,
                                             GSocketAddress                 *peer);
/* Sessions kept now, handshaking or not. */
guint           _gsock_dtls_server_get_n_sessions (GsockDtlsServer          *self);

G_END_DECLS
