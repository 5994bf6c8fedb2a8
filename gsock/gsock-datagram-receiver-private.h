/* gsock-datagram-receiver-private.h: datagrams read in batches with recvmmsg: their real
 * size, their sender, and what the system dropped
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>
#include <sys/socket.h>

G_BEGIN_DECLS

/* The arrays recvmmsg fills (its headers, the senders' addresses, the control messages) and
 * the datagrams' buffers, in one block. */
typedef struct _GsockDatagramBatch GsockDatagramBatch;

/* Plain data embedded in its owner: the batch datagrams are received into (capacity slots of
 * slot_size bytes, at most 256 KiB together, made by reserve), the socket's drop counter
 * (SO_RXQ_OVFL, and SO_MEMINFO when the queue has been emptied) added up across sockets in
 * datagrams_dropped, and the last sender. The owner reads slot_size, capacity and
 * datagrams_dropped; it keeps the socket and passes it in. */
typedef struct
{
  GsockDatagramBatch *batch;    /* NULL until reserve */
  gsize slot_size;              /* bytes a datagram can have in the batch, at most 65,535 for IP */
  guint capacity;               /* datagrams one receive can take */
  guint received;               /* in the batch now */
  guint64 datagrams_dropped;    /* since the receiver was made, across sockets */
  guint32 kernel_drops;         /* the socket's own cumulative (wrapping) drop counter, last seen */

  /* The last sender, as received and as an object: a peer that sends many datagrams is one
   * GSocketAddress, not one per datagram (making one costs more than the rest of a
   * datagram's handling). Addresses are immutable, so messages may share it. */
  struct sockaddr_storage last_sender_native;
  socklen_t last_sender_len;
  GSocketAddress *last_sender;
} GsockDatagramReceiver;

/* Has each datagram of a new, not yet bound @socket carry the socket's drop count. */
void          _gsock_datagram_receiver_attach      (GsockDatagramReceiver *self,
                                                    GSocket               *socket);
/* Forgets the last sender and frees the batch (the socket's end). */
void          _gsock_datagram_receiver_detach      (GsockDatagramReceiver *self);
/* Frees everything (the owner's finalize). */
void          _gsock_datagram_receiver_clear       (GsockDatagramReceiver *self);
/* Makes the batch for datagrams of up to @max_size bytes on @socket: the slots hold
 * MIN (@max_size, what a datagram of its family can be), and there are as many as fit in
 * 256 KiB (at most 64, at least 1). */
void          _gsock_datagram_receiver_reserve     (GsockDatagramReceiver *self,
                                                    GSocket               *socket,
                                                    gsize                  max_size);
/* Receives up to capacity datagrams into the batch with one system call. Returns how many
 * (at least 1); -1 with @error otherwise (G_IO_ERROR_WOULD_BLOCK once nothing waits). */
gint          _gsock_datagram_receiver_receive     (GsockDatagramReceiver *self,
                                                    GSocket               *socket,
                                                    GError               **error);
/* The same from a DTLS @session over the socket, whose datagrams all come from @peer: up to
 * capacity decrypted datagrams, without waiting. G_IO_ERROR_CONNECTION_CLOSED once the peer
 * ended the session; the drop count does not move (the session reads the socket itself). */
gint          _gsock_datagram_receiver_receive_through (GsockDatagramReceiver *self,
                                                        GDatagramBased        *session,
                                                        GSocketAddress        *peer,
                                                        GError               **error);
/* Datagram @index of the last receive: its bytes (at most slot_size of them), its real size
 * in @size, larger than slot_size when it was cut, and its @sender (transfer none, NULL when
 * unnamed), valid until the next receive or detach. In order only: each call compares the
 * sender with the one before. */
const guint8 *_gsock_datagram_receiver_get         (GsockDatagramReceiver *self,
                                                    guint                  index,
                                                    gsize                 *size,
                                                    GSocketAddress       **sender);
/* Reads @socket's drop counter as it is now, for the drops since the last datagram in its
 * queue (that datagram's SO_RXQ_OVFL count predates them). Linux 4.6 and later. */
void          _gsock_datagram_receiver_poll_drops  (GsockDatagramReceiver *self,
                                                    GSocket               *socket);

G_END_DECLS
