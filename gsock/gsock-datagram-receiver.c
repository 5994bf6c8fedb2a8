/* gsock-datagram-receiver.c: datagrams read in batches with recvmmsg: their real size, their
 * sender, and what the system dropped
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* recvmmsg () and sendmmsg () are GNU extensions. */
#define _GNU_SOURCE

#include "config.h"

#include "gsock-datagram-receiver-private.h"

#include <errno.h>
#include <unistd.h>

#include <gio/gnetworking.h>
#ifdef __linux__
#include <linux/sock_diag.h>
#endif

/* The largest an IP datagram can be, header included: no UDP payload needs a larger slot,
 * whatever max-message-size says. */
#define IP_DATAGRAM_LIMIT 65535
/* What the batch's buffers may take together: datagrams of up to 4 KiB are received 64 at a
 * time, the default limit (65,507 bytes) 4 at a time. */
#define BATCH_BYTES (256 * 1024)
#define MAX_BATCH   64
/* Room for the drop count and for descriptors a Unix peer passes (more are discarded). */
#define CONTROL_SIZE (CMSG_SPACE (sizeof (guint32)) + CMSG_SPACE (4 * sizeof (int)))

typedef union
{
  struct cmsghdr align;
  char space[CONTROL_SIZE];
} ControlBuffer;

/* recvmmsg wants the headers side by side, so each part is an array of its own. */
struct _GsockDatagramBatch
{
  struct mmsghdr *headers;
  struct iovec *vectors;
  struct sockaddr_storage *senders;
  ControlBuffer *control;
  /* then, in the same block, the four arrays in the order senders, headers, control,
   * vectors (largest alignment first), and the datagrams' buffers */
};

/* Each part of the block is a multiple of the alignment of the next. */
G_STATIC_ASSERT (sizeof (GsockDatagramBatch) % G_ALIGNOF (struct sockaddr_storage) == 0);
G_STATIC_ASSERT (sizeof (ControlBuffer) % G_ALIGNOF (struct iovec) == 0);


void
_gsock_datagram_receiver_attach (GsockDatagramReceiver *self,
                                 GSocket               *socket)
{
#ifdef SO_RXQ_OVFL
  /* Have each datagram carry the socket's drop count; failing that, it stays 0. */
  g_socket_set_option (socket, SOL_SOCKET, SO_RXQ_OVFL, 1, NULL);
#endif
  self->kernel_drops = 0;
}

void
_gsock_datagram_receiver_detach (GsockDatagramReceiver *self)
{
  g_clear_object (&self->last_sender);
  self->last_sender_len = 0;
  g_clear_pointer (&self->batch, g_free);
  self->slot_size = 0;
  self->capacity = 0;
  self->received = 0;
}

void
_gsock_datagram_receiver_clear (GsockDatagramReceiver *self)
{
  _gsock_datagram_receiver_detach (self);
}

/* The largest datagram a Unix socket can be sent: the sender's buffer limits it, and an
 * unprivileged sender's buffer is at most twice net.core.wmem_max. */
static gsize
unix_datagram_limit (void)
{
  static gsize limit = 0;

  if (g_once_init_enter (&limit))
    {
      g_autofree char *text = NULL;
      guint64 wmem_max = 0;

      if (g_file_get_contents ("/proc/sys/net/core/wmem_max", &text, NULL, NULL))
        wmem_max = g_ascii_strtoull (text, NULL, 10);
      if (wmem_max == 0 || wmem_max > G_MAXINT)
        wmem_max = 4 * 1024 * 1024;
      g_once_init_leave (&limit, 2 * wmem_max);
    }
  return limit;
}

void
_gsock_datagram_receiver_reserve (GsockDatagramReceiver *self,
                                  GSocket               *socket,
                                  gsize                  max_size)
{
  gsize limit = g_socket_get_family (socket) == G_SOCKET_FAMILY_UNIX ? unix_datagram_limit ()
                                                                       : IP_DATAGRAM_LIMIT;
  gsize slot_size = MAX (1, MIN (max_size, limit));
  guint capacity = CLAMP (BATCH_BYTES / slot_size, 1, MAX_BATCH);
  guint8 *buffers;

  /* MSG_TRUNC gives a datagram's real size even when its slot cut it, so a slot of max_size
   * bytes tells a datagram over the limit from one that fits. */
  if (self->batch != NULL && self->slot_size == slot_size)
    return;

  g_free (self->batch);
  /* Largest alignment first: the senders' storage, then the headers, the control buffers,
   * the vectors and the bytes. */
  self->batch = g_malloc (sizeof (GsockDatagramBatch)
                          + capacity * (sizeof (struct sockaddr_storage)
                                        + sizeof (struct mmsghdr) + sizeof (ControlBuffer)
                                        + sizeof (struct iovec) + slot_size));
  self->batch->senders = (struct sockaddr_storage *) (self->batch + 1);
  self->batch->headers = (struct mmsghdr *) (self->batch->senders + capacity);
  self->batch->control = (ControlBuffer *) (self->batch->headers + capacity);
  self->batch->vectors = (struct iovec *) (self->batch->control + capacity);
  buffers = (guint8 *) (self->batch->vectors + capacity);
  self->slot_size = slot_size;
  self->capacity = capacity;
  self->received = 0;
  for (guint i = 0; i < capacity; i++)
    {
      self->batch->vectors[i].iov_base = buffers + i * slot_size;
      self->batch->vectors[i].iov_len = slot_size;
    }
}

/* Takes in the socket's cumulative drop counter (a wrapping 32-bit number the kernel keeps)
 * and adds what is new since it was last seen to datagrams_dropped. */
static void
note_kernel_drops (GsockDatagramReceiver *self,
                   guint32                kernel_drops)
{
  guint32 fresh = kernel_drops - self->kernel_drops;

  /* The counter of a datagram queued earlier can lag behind one read later: never go back. */
  if (fresh == 0 || fresh > G_MAXINT32)
    return;
  self->kernel_drops = kernel_drops;
  self->datagrams_dropped += fresh;
}

void
_gsock_datagram_receiver_poll_drops (GsockDatagramReceiver *self,
                                     GSocket               *socket)
{
#if defined(SO_MEMINFO) && defined(__linux__)
  guint32 meminfo[SK_MEMINFO_VARS] = { 0 };
  socklen_t len = sizeof meminfo;

  if (getsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_MEMINFO, meminfo, &len) == 0
      && len > SK_MEMINFO_DROPS * sizeof (guint32))
    note_kernel_drops (self, meminfo[SK_MEMINFO_DROPS]);
#endif
}

/* The drop count and the passed descriptors of one datagram. */
static void
read_control (GsockDatagramReceiver *self,
              struct msghdr         *msg)
{
  struct cmsghdr *cmsg;

  for (cmsg = CMSG_FIRSTHDR (msg); cmsg != NULL; cmsg = CMSG_NXTHDR (msg, cmsg))
    {
      if (cmsg->cmsg_level != SOL_SOCKET)
        continue;
#ifdef SO_RXQ_OVFL
      if (cmsg->cmsg_type == SO_RXQ_OVFL && cmsg->cmsg_len >= CMSG_LEN (sizeof (guint32)))
        {
          guint32 drops;

          memcpy (&drops, CMSG_DATA (cmsg), sizeof drops);
          note_kernel_drops (self, drops);
        }
#endif
      /* A local peer on a Unix datagram socket can pass descriptors: never keep them. */
      if (cmsg->cmsg_type == SCM_RIGHTS)
        {
          gsize n_fds = (cmsg->cmsg_len - CMSG_LEN (0)) / sizeof (int);

          for (gsize i = 0; i < n_fds; i++)
            {
              int fd;

              memcpy (&fd, CMSG_DATA (cmsg) + i * sizeof (int), sizeof fd);
              close (fd);
            }
        }
    }
}

/* This is recvmmsg () on the socket's descriptor rather than g_socket_receive_messages ():
 * GIO returns only the control messages it has a GSocketControlMessage type for, and the
 * SO_RXQ_OVFL drop count is not one of them; it also makes a GSocketAddress for every
 * datagram. Everything around it stays GIO's: the socket, the source that wakes the owner,
 * the sender as a GSocketAddress. MSG_TRUNC makes Linux return each datagram's real length,
 * so an oversize datagram is never mistaken for a whole one. */
gint
_gsock_datagram_receiver_receive (GsockDatagramReceiver *self,
                                  GSocket               *socket,
                                  GError               **error)
{
  int fd = g_socket_get_fd (socket);
  int n;

  for (guint i = 0; i < self->capacity; i++)
    {
      struct msghdr *msg = &self->batch->headers[i].msg_hdr;

      msg->msg_name = &self->batch->senders[i];
      msg->msg_namelen = sizeof self->batch->senders[i];
      msg->msg_iov = &self->batch->vectors[i];
      msg->msg_iovlen = 1;
      msg->msg_control = &self->batch->control[i];
      msg->msg_controllen = sizeof self->batch->control[i];
      msg->msg_flags = 0;
    }
  self->received = 0;
  do
    n = recvmmsg (fd, self->batch->headers, self->capacity, MSG_TRUNC | MSG_CMSG_CLOEXEC,
                  NULL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      int errsv = errno;

      if (errsv == EWOULDBLOCK || errsv == EAGAIN)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, g_strerror (errsv));
      else
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                     "Error receiving a datagram: %s", g_strerror (errsv));
      return -1;
    }
  self->received = n;
  return n;
}

gint
_gsock_datagram_receiver_receive_through (GsockDatagramReceiver *self,
                                          GDatagramBased        *session,
                                          GSocketAddress        *peer,
                                          GError               **error)
{
  GInputVector vectors[MAX_BATCH];
  GInputMessage messages[MAX_BATCH];
  gssize name_size = g_socket_address_get_native_size (peer);
  gint n;

  for (guint i = 0; i < self->capacity; i++)
    {
      vectors[i] = (GInputVector) { self->batch->vectors[i].iov_base,
                                    self->batch->vectors[i].iov_len };
      messages[i] = (GInputMessage) { .vectors = &vectors[i], .num_vectors = 1 };
    }
  self->received = 0;
  /* A timeout of 0: what the session has decrypted or can decrypt now, never a wait. */
  n = g_datagram_based_receive_messages (session, messages, self->capacity, 0, 0, NULL, error);
  if (n < 0)
    return -1;
  if (n == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                           "The DTLS peer ended the session");
      return -1;
    }
  for (gint i = 0; i < n; i++)
    {
      struct mmsghdr *header = &self->batch->headers[i];

      /* The batch then reads as if recvmmsg had filled it: the peer's address, no control
       * messages, the plaintext's size. */
      header->msg_len = messages[i].bytes_received;
      header->msg_hdr.msg_name = &self->batch->senders[i];
      header->msg_hdr.msg_namelen = 0;
      if (name_size > 0
          && g_socket_address_to_native (peer, &self->batch->senders[i],
                                         sizeof self->batch->senders[i], NULL))
        header->msg_hdr.msg_namelen = name_size;
      header->msg_hdr.msg_control = NULL;
      header->msg_hdr.msg_controllen = 0;
      header->msg_hdr.msg_flags = 0;
    }
  self->received = n;
  return n;
}

const guint8 *
_gsock_datagram_receiver_get (GsockDatagramReceiver *self,
                              guint                  index,
                              gsize                 *size,
                              GSocketAddress       **sender)
{
  struct msghdr *msg = &self->batch->headers[index].msg_hdr;
  struct sockaddr_storage *from = &self->batch->senders[index];

  g_assert (index < self->received);

  read_control (self, msg);
  *size = self->batch->headers[index].msg_len;
  /* Without MSG_TRUNC's real length (not Linux), a cut datagram is at least one byte more. */
  if ((msg->msg_flags & MSG_TRUNC) != 0 && *size <= self->slot_size)
    *size = self->slot_size + 1;

  if (msg->msg_namelen > 0 &&
      (self->last_sender == NULL || msg->msg_namelen != self->last_sender_len ||
       memcmp (from, &self->last_sender_native, msg->msg_namelen) != 0))
    {
      g_clear_object (&self->last_sender);
      self->last_sender = g_socket_address_new_from_native (from, msg->msg_namelen);
      self->last_sender_len = self->last_sender != NULL ? msg->msg_namelen : 0;
      memcpy (&self->last_sender_native, from, self->last_sender_len);
    }
  *sender = msg->msg_namelen > 0 ? self->last_sender : NULL;
  return self->batch->vectors[index].iov_base;
}
