/* gsock-datagram-sender-private.h: datagrams sent during a read, collected and sent together
 * with sendmmsg at its end
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "gsock-datagram-queue-private.h"

G_BEGIN_DECLS

/* The datagrams collected, their bytes and what sendmmsg needs, in one block. */
typedef struct _GsockSendBatch GsockSendBatch;

/* Plain data embedded in its owner, next to its datagram queue: while the owner handles a
 * read, its sends are copied here (at most 64 datagrams, 64 KiB of them) and leave in one
 * system call when it ends (or when the batch is full), in order. What the kernel would not
 * take goes to the queue, in order; a datagram it refuses for good is reported through the
 * owner's error signal, and the rest go on. Counts bytes-sent on the owner. */
typedef struct
{
  GsockEndpoint *owner;      /* not owned: it embeds the sender */
  GsockDatagramQueue *queue; /* not owned: the owner's */
  GSocket *socket;           /* not owned: the owner's, between attach and clear */
  GSocketFamily family;      /* the socket's: a target of another family is not batched */
  GsockSendBatch *batch;     /* NULL until the first datagram is collected */
  gboolean reporting;        /* a flush reports errors: nothing is collected meanwhile */
  gboolean no_segments;      /* the kernel refused segmentation once: each datagram alone */
} GsockDatagramSender;

void     _gsock_datagram_sender_init    (GsockDatagramSender *self,
                                         GsockEndpoint       *owner,
                                         GsockDatagramQueue  *queue);
/* Sends go through @socket from now on. */
void     _gsock_datagram_sender_attach  (GsockDatagramSender *self,
                                         GSocket             *socket);
/* Drops what is collected and forgets the socket (an abort, or the socket's end). */
void     _gsock_datagram_sender_clear   (GsockDatagramSender *self);
/* Takes a copy of a datagram to send at the next flush, and TRUE; FALSE when the batch is
 * full or it is not one to batch (a Unix socket, a target of another family than the
 * socket's, datagrams waiting in the queue, larger than the batch, or sent by a handler of a
 * flush's errors), which the caller then sends after a flush. Attached only. */
gboolean _gsock_datagram_sender_collect (GsockDatagramSender *self,
                                         const guint8        *data,
                                         gsize                size,
                                         GSocketAddress      *target);
/* Whether datagrams wait to be flushed. */
gboolean _gsock_datagram_sender_pending (GsockDatagramSender *self);
/* Sends what is collected, in order, with as few system calls as the kernel allows. Errors
 * are reported once the batch is empty, so a handler of the error signal may close, or send
 * (at once: the batch is left empty). */
void     _gsock_datagram_sender_flush   (GsockDatagramSender *self);

G_END_DECLS
