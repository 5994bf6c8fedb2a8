/* gsock-dtls-peer-private.h: one peer of a shared datagram socket, as a GDatagramBased
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What a DTLS server session runs over: the datagrams one peer sent to the endpoint's socket
 * (fed by the endpoint, which reads the socket for every peer) and sends to that peer through
 * the socket. Its receives and waits may come from the thread GIO runs a handshake in, the
 * feeding from the endpoint's: the inbox is locked. A GObject because GDatagramBased is an
 * interface; one per session, not per datagram. */
#define GSOCK_TYPE_DTLS_PEER (_gsock_dtls_peer_get_type ())
G_DECLARE_FINAL_TYPE (GsockDtlsPeer, _gsock_dtls_peer, GSOCK, DTLS_PEER, GObject)

/* @socket and @address are kept (references). */
GsockDtlsPeer *_gsock_dtls_peer_new   (GSocket        *socket,
                                       GSocketAddress *address);
/* Hands it a datagram from its peer; FALSE when its inbox is full (the datagram is dropped,
 * as the kernel drops what a full buffer cannot take). */
gboolean       _gsock_dtls_peer_feed  (GsockDtlsPeer  *self,
                                       const guint8   *data,
                                       gsize           size);
/* Ends it: receives and waits fail with G_IO_ERROR_CLOSED from now on, waiters wake up. */
void           _gsock_dtls_peer_close (GsockDtlsPeer  *self);

G_END_DECLS
