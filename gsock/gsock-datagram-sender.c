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
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
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

/* Generic segmentation offload (UDP_SEGMENT): datagrams of one size to one target leave as
 * one buffer that the kernel cuts, for a fraction of a send's cost per datagram (an echo
 * answers a peer's run of equal datagrams so). A segment must fit the route's MTU, or the
 * send is refused (EINVAL); this one fits an Ethernet frame over IPv6 and IPv4. */
#define GSO_MAX_SEGMENT 1452
#define GSO_MAX_BYTES   65507

/* One message of a flush: datagrams first to first + n - 1, cut by the kernel into segments
 * of the first's size when n > 1. */
typedef struct
{
  guint first;
  guint n;
  union
  {
    struct cmsghdr header;
    char space[CMSG_SPACE (sizeof (guint16))];
  } control;
} Send;

/* How many datagrams from @first on may leave as one message: a run to the same target, all
 * of the first's size but the last, which may be shorter. */
static guint
run_length (GsockSendBatch *batch,
            guint           first)
{
  gsize size = batch->vectors[first].iov_len;
  gsize total = size;
  guint n = 1;

  if (size == 0 || size > GSO_MAX_SEGMENT)
    return 1;
  while (first + n < batch->n && batch->targets[first + n] == batch->targets[first])
    {
      gsize next = batch->vectors[first + n].iov_len;

      if (next == 0 || next > size || total + next > GSO_MAX_BYTES)
        break;
      total += next;
      n++;
      if (next < size)
        break;
    }
  return n;
}

/* Makes @send's message: its first datagram's, with the segment size when it has more (the
 * caller points it at all their bytes, contiguous in the batch's data). */
static void
make_send (GsockSendBatch *batch,
           Send           *send,
           struct mmsghdr *header)
{
  struct msghdr *msg = &header->msg_hdr;
  struct cmsghdr *control;
  guint16 segment = batch->vectors[send->first].iov_len;

  *header = batch->headers[send->first];
  if (send->n == 1)
    return;
  memset (&send->control, 0, sizeof send->control);
  msg->msg_control = &send->control;
  msg->msg_controllen = sizeof send->control.space;
  control = CMSG_FIRSTHDR (msg);
  control->cmsg_level = SOL_UDP;
  control->cmsg_type = UDP_SEGMENT;
  control->cmsg_len = CMSG_LEN (sizeof (guint16));
  memcpy (CMSG_DATA (control), &segment, sizeof segment);
}

/* Plans the flush from datagram @from on: one message per datagram, or per run where
 * segmentation is allowed. Returns the number of messages. */
static guint
plan_sends (GsockDatagramSender *self,
            guint                from,
            Send                *sends,
            struct mmsghdr      *headers,
            struct iovec        *runs)
{
  GsockSendBatch *batch = self->batch;
  guint n = 0;

  for (guint i = from; i < batch->n; n++)
    {
      sends[n].first = i;
      sends[n].n = self->no_segments ? 1 : run_length (batch, i);
      make_send (batch, &sends[n], &headers[n]);
      if (sends[n].n > 1)
        {
          runs[n].iov_base = batch->vectors[i].iov_base;
          runs[n].iov_len = 0;
          for (guint j = i; j < i + sends[n].n; j++)
            runs[n].iov_len += batch->vectors[j].iov_len;
          headers[n].msg_hdr.msg_iov = &runs[n];
          headers[n].msg_hdr.msg_iovlen = 1;
        }
      i += sends[n].n;
    }
  return n;
}

void
_gsock_datagram_sender_flush (GsockDatagramSender *self)
{
  GsockSendBatch *batch = self->batch;
  g_autoptr(GPtrArray) errors = NULL;
  Send sends[MAX_BATCH];
  struct mmsghdr headers[MAX_BATCH];
  struct iovec runs[MAX_BATCH];
  gsize bytes_sent = 0;
  guint n_sends, s = 0;

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
  n_sends = plan_sends (self, 0, sends, headers, runs);
  while (s < n_sends)
    {
      int sent;
      int errsv;

      do
        sent = sendmmsg (g_socket_get_fd (self->socket), &headers[s], n_sends - s, 0);
      while (sent < 0 && errno == EINTR);
      if (sent > 0)
        {
          for (guint j = s; j < s + (guint) sent; j++)
            bytes_sent += headers[j].msg_len;
          s += sent;
          continue;
        }

      errsv = errno;
      if (sends[s].n > 1 && !self->no_segments &&
          (errsv == EINVAL || errsv == EIO || errsv == ENOPROTOOPT || errsv == EOPNOTSUPP))
        {
          /* No segmentation here (an older kernel, a device or a route that refuses it):
           * the rest go one by one, now and from then on. */
          self->no_segments = TRUE;
          n_sends = s + plan_sends (self, sends[s].first, sends + s, headers + s, runs + s);
          continue;
        }
      /* Counted before the queue counts what it sends. */
      if (bytes_sent > 0)
        _gsock_endpoint_add_bytes_sent (self->owner, bytes_sent);
      bytes_sent = 0;
      if (errors == NULL)
        errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
      if (errsv == EWOULDBLOCK || errsv == EAGAIN)
        {
          /* The kernel takes no more for now: the rest wait in the queue, in order. */
          for (guint i = sends[s].first; i < batch->n; i++)
            {
              GError *error = NULL;

              if (!_gsock_datagram_queue_send (self->queue, batch->vectors[i].iov_base,
                                               batch->vectors[i].iov_len, NULL,
                                               batch->targets[i], NULL, &error))
                g_ptr_array_add (errors, error);
            }
          break;
        }
      /* Refused for good (no route, say): that message's datagrams are reported, the rest go
       * on. A failure after the first message of a call is not returned by that call, so it
       * is the next call's first. */
      for (guint i = sends[s].first; i < sends[s].first + sends[s].n; i++)
        g_ptr_array_add (errors, send_error (errsv, batch->targets[i]));
      s++;
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
  for (guint i = 0; i < errors->len; i++)
    _gsock_endpoint_report_error (self->owner, errors->pdata[i]);
  self->reporting = FALSE;
}
