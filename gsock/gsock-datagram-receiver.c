/* gsock-datagram-receiver.c: datagrams read with recvmsg: their real size, their sender, and
 * what the system dropped
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-datagram-receiver-private.h"

#include <errno.h>
#include <unistd.h>

#include <gio/gnetworking.h>
#ifdef __linux__
#include <linux/sock_diag.h>
#endif

/* Larger than any UDP payload, so the kernel never cuts a datagram short for lack of room. */
#define READ_BUFFER_SIZE 65536

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
}

void
_gsock_datagram_receiver_clear (GsockDatagramReceiver *self)
{
  _gsock_datagram_receiver_detach (self);
  g_clear_pointer (&self->buffer, g_free);
  self->buffer_size = 0;
}

void
_gsock_datagram_receiver_reserve (GsockDatagramReceiver *self,
                                  gsize                  max_size)
{
  /* Room for the largest datagram allowed, and one byte to spare. A Unix datagram endpoint
   * can raise max-message-size past what any UDP datagram needs. */
  if (self->buffer_size > max_size)
    return;
  self->buffer_size = MAX (READ_BUFFER_SIZE, max_size + 1);
  g_free (self->buffer);
  self->buffer = g_malloc (self->buffer_size);
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

/* This is recvmsg () on the socket's descriptor rather than g_socket_receive_message (): GIO
 * returns only the control messages it has a GSocketControlMessage type for, and the
 * SO_RXQ_OVFL drop count is not one of them. Everything around it stays GIO's: the socket,
 * the source that wakes the owner, the sender as a GSocketAddress. MSG_TRUNC makes Linux
 * return the datagram's real length, so an oversize datagram is never mistaken for a whole
 * one. */
gssize
_gsock_datagram_receiver_receive (GsockDatagramReceiver *self,
                                  GSocket               *socket,
                                  GSocketAddress       **sender,
                                  GError               **error)
{
  struct sockaddr_storage from;
  struct iovec iov = { self->buffer, self->buffer_size };
  union {
    struct cmsghdr header;
    char space[CMSG_SPACE (sizeof (guint32)) + CMSG_SPACE (4 * sizeof (int))];
  } control;
  struct msghdr msg = { 0 };
  struct cmsghdr *cmsg;
  gssize n;

  for (;;)
    {
      msg.msg_name = &from;
      msg.msg_namelen = sizeof from;
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = &control;
      msg.msg_controllen = sizeof control;
      msg.msg_flags = 0;
      n = recvmsg (g_socket_get_fd (socket), &msg, MSG_TRUNC | MSG_CMSG_CLOEXEC);
      if (n >= 0 || errno != EINTR)
        break;
    }
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

  for (cmsg = CMSG_FIRSTHDR (&msg); cmsg != NULL; cmsg = CMSG_NXTHDR (&msg, cmsg))
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

  *sender = NULL;
  if (msg.msg_namelen > 0 &&
      (self->last_sender == NULL || msg.msg_namelen != self->last_sender_len ||
       memcmp (&from, &self->last_sender_native, msg.msg_namelen) != 0))
    {
      g_clear_object (&self->last_sender);
      self->last_sender = g_socket_address_new_from_native (&from, msg.msg_namelen);
      self->last_sender_len = self->last_sender != NULL ? msg.msg_namelen : 0;
      memcpy (&self->last_sender_native, &from, self->last_sender_len);
    }
  if (msg.msg_namelen > 0 && self->last_sender != NULL)
    *sender = g_object_ref (self->last_sender);
  return n;
}
