/* gsock-datagram-receiver-private.h: datagrams read with recvmsg: their real size, their
 * sender, and what the system dropped
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>
#include <sys/socket.h>

G_BEGIN_DECLS

/* Plain data embedded in its owner: the buffer datagrams are received into, the socket's drop
 * counter (SO_RXQ_OVFL, and SO_MEMINFO when the queue has been emptied) added up across
 * sockets in datagrams_dropped, and the last sender. The owner reads buffer, buffer_size and
 * datagrams_dropped; it keeps the socket and passes it in. */
typedef struct
{
  guint8 *buffer;
  gsize buffer_size;
  guint64 datagrams_dropped; /* since the receiver was made, across sockets */
  guint32 kernel_drops;      /* the socket's own cumulative (wrapping) drop counter, last seen */

  /* The last sender, as received and as an object: a peer that sends many datagrams is one
   * GSocketAddress, not one per datagram (making one costs more than the rest of a
   * datagram's handling). Addresses are immutable, so messages may share it. */
  struct sockaddr_storage last_sender_native;
  socklen_t last_sender_len;
  GSocketAddress *last_sender;
} GsockDatagramReceiver;

/* Has each datagram of a new, not yet bound @socket carry the socket's drop count. */
void   _gsock_datagram_receiver_attach      (GsockDatagramReceiver *self,
                                             GSocket               *socket);
/* Forgets the last sender (the socket's end). */
void   _gsock_datagram_receiver_detach      (GsockDatagramReceiver *self);
/* Frees everything (the owner's finalize). */
void   _gsock_datagram_receiver_clear       (GsockDatagramReceiver *self);
/* Makes the buffer larger than @max_size, so a datagram larger than that is seen cut. */
void   _gsock_datagram_receiver_reserve     (GsockDatagramReceiver *self,
                                             gsize                  max_size);
/* Receives one datagram into buffer. Returns its real size, which is larger than buffer_size
 * when it was cut, with its @sender (NULL when unnamed); -1 with @error otherwise
 * (G_IO_ERROR_WOULD_BLOCK once nothing waits). */
gssize _gsock_datagram_receiver_receive     (GsockDatagramReceiver *self,
                                             GSocket               *socket,
                                             GSocketAddress       **sender,
                                             GError               **error);
/* Reads @socket's drop counter as it is now, for the drops since the last datagram in its
 * queue (that datagram's SO_RXQ_OVFL count predates them). Linux 4.6 and later. */
void   _gsock_datagram_receiver_poll_drops  (GsockDatagramReceiver *self,
                                             GSocket               *socket);

G_END_DECLS
