/* gsock-datagram-queue-private.h: datagrams sent in order without blocking, queued while the
 * system cannot take them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "gsock-endpoint.h"

G_BEGIN_DECLS

/* What a queue tells its owner (the endpoint it was initialised with, passed as @owner). */
typedef struct
{
  /* A flush from the queue's own source has emptied it (not a send that went out at once). */
  void (*flushed) (GsockEndpoint *owner);
} GsockDatagramQueueCallbacks;

/* Plain data embedded in its owner: sends through the owner's datagram socket, counting
 * bytes-sent; what the kernel would not take at once waits here (at most 1024 datagrams or
 * 4 MiB), oldest first, and goes out from a G_IO_OUT source on the owner's context. A datagram
 * the kernel refuses for good there is dropped and reported with the owner's error signal. */
typedef struct
{
  const GsockDatagramQueueCallbacks *callbacks;
  GsockEndpoint *owner; /* not owned: it embeds the queue */
  GSocket *socket;      /* not owned: the owner's, between attach and clear */
  GSource *source;      /* G_IO_OUT, or a retry timeout, while datagrams wait */
  GQueue datagrams;     /* QueuedDatagram *, oldest first */
  gsize bytes;          /* the payload bytes that wait */
} GsockDatagramQueue;

void     _gsock_datagram_queue_init       (GsockDatagramQueue                *self,
                                           GsockEndpoint                     *owner,
                                           const GsockDatagramQueueCallbacks *callbacks);
/* Sends go through @socket from now on. */
void     _gsock_datagram_queue_attach     (GsockDatagramQueue                *self,
                                           GSocket                           *socket);
/* Drops what waits and the source, and forgets the socket (an abort, or the socket's end). */
void     _gsock_datagram_queue_clear      (GsockDatagramQueue                *self);
/* Sends a datagram at once, or queues it behind those waiting or when the kernel would block;
 * @payload is the GBytes @data belongs to, or NULL to have a copy made to queue; @through,
 * when not NULL, is the DTLS session (over the socket) that seals it for @target, its peer.
 * Attached only. FALSE with @error for a send the kernel refused, or GSOCK_ERROR_QUEUE_FULL. */
gboolean _gsock_datagram_queue_send       (GsockDatagramQueue                *self,
                                           const guint8                      *data,
                                           gsize                              size,
                                           GBytes                            *payload,
                                           GSocketAddress                    *target,
                                           GDatagramBased                    *through,
                                           GError                           **error);
/* How many datagrams wait. */
guint    _gsock_datagram_queue_get_length (GsockDatagramQueue                *self);

G_END_DECLS
