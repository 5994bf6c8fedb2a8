/* gsock-datagram-sender.c: datagrams sent during a read, collected and sent together with
 * sendmmsg at its end
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* recvmmsg () and sendmmsg () are GNU extensions. */
#define _GNU_SOURCE

#include "config.h"

#include "gsock-datagram-sender-private.h"

#include <errno.h>
#include <sys/socket.h>

#include "gsock-endpoint-private.h"

/* What one batch holds: an echo of a read's datagrams fits in one system call. */
#define MAX_BATCH   64
#define BATCH_BYTES (64 * 1024)

struct _GsockSendBatch
{
  guint n;    /* datagrams collected */
  gsize used; /* of data */
  /* Each datagram's target; a reference is held only where it differs from the one before
   * (an echo answers one sender many times). */
  GSocketAddress *targets[MAX_BATCH];
  struct sockaddr_storage names[MAX_BATCH];
  struct mmsghdr headers[MAX_BATCH];
  struct iovec vectors[MAX_BATCH];
  guint8 data[BATCH_BYTES];
};

void
_gsock_datagram_sender_init (GsockDatagramSender *self,
                             GsockEndpoint       *owner,
                             GsockDatagramQueue  *queue)
{
  self->owner = owner;
  self->queue = queue;
}

void
_gsock_datagram_sender_attach (GsockDatagramSender *self,
                               GSocket             *socket)
{
  self->socket = socket;
  self->family = g_socket_get_family (socket);
}

/* Forgets the collected datagrams, keeping the block for the next read. */
static void
empty_batch (GsockSendBatch *batch)
{
  for (guint i = 0; i < batch->n; i++)
    if (i == 0 || batch->targets[i] != batch->targets[i - 1])
      g_object_unref (batch->targets[i]);
  batch->n = 0;
  batch->used = 0;
}

void
_gsock_datagram_sender_clear (GsockDatagramSender *self)
{
  if (self->batch != NULL)
    empty_batch (self->batch);
  g_clear_pointer (&self->batch, g_free);
  self->socket = NULL;
}

gboolean
_gsock_datagram_sender_pending (GsockDatagramSender *self)
{
  return self->batch != NULL && self->batch->n > 0;
}

gboolean
_gsock_datagram_sender_collect (GsockDatagramSender *self,
                                const guint8        *data,
                                gsize                size,
                                GSocketAddress      *target)
{
  GsockSendBatch *batch = self->batch;
  struct msghdr *msg;
  guint i;

  /* A Unix datagram socket refuses sends for reasons of each peer's (its queue is full, it is
   * gone): those keep reporting them to the sender at once. So do targets of another family
   * than the socket's, and sends behind datagrams that wait. */
  if ((self->family != G_SOCKET_FAMILY_IPV4 && self->family != G_SOCKET_FAMILY_IPV6)
      || size > BATCH_BYTES || self->reporting
      || _gsock_datagram_queue_get_length (self->queue) > 0)
    return FALSE;
  if (batch == NULL)
    {
      batch = self->batch = g_new (GsockSendBatch, 1);
      batch->n = 0;
      batch->used = 0;
    }
  if (batch->n == MAX_BATCH || batch->used + size > BATCH_BYTES)
    return FALSE;

  i = batch->n;
  msg = &batch->headers[i].msg_hdr;
  if (i > 0 && batch->targets[i - 1] == target)
    {
      /* The address is converted, and referenced, once for a run of datagrams to it. */
      msg->msg_name = batch->headers[i - 1].msg_hdr.msg_name;
      msg->msg_namelen = batch->headers[i - 1].msg_hdr.msg_namelen;
    }
  else
    {
      if (g_socket_address_get_family (target) != self->family
          || !g_socket_address_to_native (target, &batch->names[i], sizeof batch->names[i],
                                          NULL))
        return FALSE;
      msg->msg_name = &batch->names[i];
      msg->msg_namelen = g_socket_address_get_native_size (target);
      g_object_ref (target);
    }

  memcpy (batch->data + batch->used, data, size);
  batch->vectors[i].iov_base = batch->data + batch->used;
  batch->vectors[i].iov_len = size;
  msg->msg_iov = &batch->vectors[i];
  msg->msg_iovlen = 1;
  msg->msg_control = NULL;
  msg->msg_controllen = 0;
  msg->msg_flags = 0;
  batch->targets[i] = target;
  batch->used += size;
  batch->n++;
  return TRUE;
}

static GError *
send_error (int             errsv,
            GSocketAddress *target)
{
  g_autofree char *to = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (target));

  return g_error_new (G_IO_ERROR, g_io_error_from_errno (errsv),
                      "Error sending a datagram to %s: %s", to, g_strerror (errsv));
}

void
_gsock_datagram_sender_flush (GsockDatagramSender *self)
{
  GsockSendBatch *batch = self->batch;
  g_autoptr(GPtrArray) errors = NULL;
  gsize bytes_sent = 0;
  guint i = 0;

  if (batch == NULL || batch->n == 0)
    return;
  if (self->socket == NULL)
    {
      empty_batch (batch);
      return;
    }

  /* Nothing here may run a handler while the batch is in use: the counters are notified and
   * the errors reported once it is empty. */
  _gsock_endpoint_hold_counters (self->owner);
  while (i < batch->n)
    {
      int sent;
      int errsv;

      do
        sent = sendmmsg (g_socket_get_fd (self->socket), &batch->headers[i], batch->n - i, 0);
      while (sent < 0 && errno == EINTR);
      if (sent > 0)
        {
          for (guint j = i; j < i + (guint) sent; j++)
            bytes_sent += batch->headers[j].msg_len;
          i += sent;
          continue;
        }

      errsv = errno;
      /* Counted before the queue counts what it sends. */
      if (bytes_sent > 0)
        _gsock_endpoint_add_bytes_sent (self->owner, bytes_sent);
      bytes_sent = 0;
      if (errors == NULL)
        errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
      if (errsv == EWOULDBLOCK || errsv == EAGAIN)
        {
          /* The kernel takes no more for now: the rest wait in the queue, in order. */
          for (; i < batch->n; i++)
            {
              GError *error = NULL;

              if (!_gsock_datagram_queue_send (self->queue, batch->vectors[i].iov_base,
                                               batch->vectors[i].iov_len, NULL,
                                               batch->targets[i], &error))
                g_ptr_array_add (errors, error);
            }
          break;
        }
      /* Refused for good (no route, say): that datagram is reported, the rest go on. A
       * failure after the first datagram of a call is not returned by that call, so it is
       * the next call's first. */
      g_ptr_array_add (errors, send_error (errsv, batch->targets[i]));
      i++;
    }
  if (bytes_sent > 0)
    _gsock_endpoint_add_bytes_sent (self->owner, bytes_sent);
  empty_batch (batch);
  _gsock_endpoint_release_counters (self->owner);

  if (errors == NULL)
    return;
  /* A handler may close or abort (the endpoint holds a reference meanwhile: a read, a close
   * or a send is under way), or send. */
  self->reporting = TRUE;
  for (i = 0; i < errors->len; i++)
    _gsock_endpoint_report_error (self->owner, errors->pdata[i]);
  self->reporting = FALSE;
}
