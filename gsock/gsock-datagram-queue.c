/* gsock-datagram-queue.c: datagrams sent in order without blocking, queued while the system
 * cannot take them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-datagram-queue-private.h"

#include "gsock-endpoint-private.h"
#include "gsock-error.h"

/* The queue's bounds: a sender faster than the network cannot grow memory past them. */
#define MAX_QUEUED_DATAGRAMS 1024
#define MAX_QUEUED_BYTES     (4 * 1024 * 1024)
/* How long to wait before trying again when the socket said it was writable but the send
 * still would block (an unconnected Unix datagram socket whose peer's queue is full does that;
 * waiting for G_IO_OUT again would spin). */
#define SEND_RETRY_MS 5

typedef struct
{
  GBytes         *payload;
  GSocketAddress *target;
  GDatagramBased *through; /* the DTLS session it is sealed by, or NULL */
} QueuedDatagram;

static void
queued_datagram_free (QueuedDatagram *datagram)
{
  g_bytes_unref (datagram->payload);
  g_object_unref (datagram->target);
  g_clear_object (&datagram->through);
  g_free (datagram);
}

void
_gsock_datagram_queue_init (GsockDatagramQueue                *self,
                            GsockEndpoint                     *owner,
                            const GsockDatagramQueueCallbacks *callbacks)
{
  self->owner = owner;
  self->callbacks = callbacks;
  g_queue_init (&self->datagrams);
}

void
_gsock_datagram_queue_attach (GsockDatagramQueue *self,
                              GSocket            *socket)
{
  self->socket = socket;
}

void
_gsock_datagram_queue_clear (GsockDatagramQueue *self)
{
  _gsock_source_clear (&self->source);
  g_queue_clear_full (&self->datagrams, (GDestroyNotify) queued_datagram_free);
  self->bytes = 0;
  self->socket = NULL;
}

guint
_gsock_datagram_queue_get_length (GsockDatagramQueue *self)
{
  return self->datagrams.length;
}

/* Hands one datagram to the kernel, without waiting: straight to @target, or sealed by the
 * DTLS session @through, which sends it to its peer. */
static gboolean
send_datagram (GsockDatagramQueue *self,
               const guint8       *data,
               gsize               size,
               GSocketAddress     *target,
               GDatagramBased     *through,
               GError            **error)
{
  gssize n;

  if (through != NULL)
    {
      GOutputVector vector = { data, size };
      GOutputMessage message = { NULL, &vector, 1, 0, NULL, 0 };

      /* A timeout of 0: never blocks, WOULD_BLOCK instead. */
      if (g_datagram_based_send_messages (through, &message, 1, 0, 0, NULL, error) < 1)
        return FALSE;
      n = message.bytes_sent;
    }
  else
    n = g_socket_send_to (self->socket, target, data != NULL ? (const char *) data : "", size,
                          NULL, error);
  if (n < 0)
    return FALSE;

  _gsock_endpoint_add_bytes_sent (self->owner, n);
  return TRUE;
}

static void arm_source (GsockDatagramQueue *self,
                        gboolean            later);

/* Sends what is queued, oldest first, until the kernel would block. A datagram the kernel
 * refuses for good is dropped and reported, and the rest go on. Returns TRUE once the queue is
 * empty; @progressed tells whether anything left. */
static gboolean
flush (GsockDatagramQueue *self,
       gboolean           *progressed)
{
  QueuedDatagram *datagram;

  *progressed = FALSE;
  while (self->socket != NULL && (datagram = g_queue_peek_head (&self->datagrams)) != NULL)
    {
      g_autoptr(GError) error = NULL;
      gsize size;
      const guint8 *data = g_bytes_get_data (datagram->payload, &size);

      if (!send_datagram (self, data, size, datagram->target, datagram->through, &error)
          && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return FALSE;

      *progressed = TRUE;
      g_queue_pop_head (&self->datagrams);
      self->bytes -= size;
      queued_datagram_free (datagram);
      /* The handler may send, close or abort: the loop looks at the queue afresh. */
      if (error != NULL)
        _gsock_endpoint_report_error (self->owner, error);
    }
  return TRUE;
}

static gboolean
flush_cb (gpointer user_data)
{
  GsockDatagramQueue *self = user_data;
  GsockEndpoint *owner = g_object_ref (self->owner);
  gboolean progressed;

  /* The source that fired is done; a new one is armed below if anything is left. */
  _gsock_source_clear (&self->source);
  if (!flush (self, &progressed))
    arm_source (self, !progressed);
  else
    self->callbacks->flushed (owner);
  g_object_unref (owner);
  return G_SOURCE_REMOVE;
}

static gboolean
writable_cb (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  return flush_cb (user_data);
}

/* Watches for the moment the queue can move: G_IO_OUT, or, when @later (the socket said it
 * was writable and still refused), a short timeout. */
static void
arm_source (GsockDatagramQueue *self,
            gboolean            later)
{
  if (self->source != NULL || self->socket == NULL)
    return;
  if (later)
    {
      self->source = g_timeout_source_new (SEND_RETRY_MS);
      g_source_set_callback (self->source, flush_cb, self, NULL);
    }
  else
    {
      self->source = g_socket_create_source (self->socket, G_IO_OUT, NULL);
      g_source_set_callback (self->source, G_SOURCE_FUNC (writable_cb), self, NULL);
    }
  g_source_attach (self->source, _gsock_endpoint_get_context (self->owner));
}

static gboolean
enqueue (GsockDatagramQueue *self,
         GBytes             *payload,
         GSocketAddress     *target,
         GDatagramBased     *through,
         GError            **error)
{
  gsize size = g_bytes_get_size (payload);
  QueuedDatagram *datagram;

  /* The first datagram always fits, whatever its size. */
  if (!g_queue_is_empty (&self->datagrams)
      && (self->datagrams.length >= MAX_QUEUED_DATAGRAMS
          || self->bytes + size > MAX_QUEUED_BYTES))
    {
      g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_QUEUE_FULL,
                   "The send queue is full (%u datagrams, %" G_GSIZE_FORMAT " bytes wait): "
                   "datagrams are sent faster than the system takes them",
                   self->datagrams.length, self->bytes);
      return FALSE;
    }

  datagram = g_new (QueuedDatagram, 1);
  datagram->payload = g_bytes_ref (payload);
  datagram->target = g_object_ref (target);
  datagram->through = through != NULL ? g_object_ref (through) : NULL;
  g_queue_push_tail (&self->datagrams, datagram);
  self->bytes += size;
  arm_source (self, FALSE);
  return TRUE;
}

gboolean
_gsock_datagram_queue_send (GsockDatagramQueue *self,
                            const guint8       *data,
                            gsize               size,
                            GBytes             *payload,
                            GSocketAddress     *target,
                            GDatagramBased     *through,
                            GError            **error)
{
  g_autoptr(GBytes) copy = NULL;
  g_autoptr(GError) local_error = NULL;

  /* Behind queued datagrams, a new one waits its turn, so they all leave in order. */
  if (g_queue_is_empty (&self->datagrams))
    {
      if (send_datagram (self, data, size, target, through, &local_error))
        return TRUE;
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  if (payload == NULL)
    payload = copy = g_bytes_new (data, size);
  return enqueue (self, payload, target, through, error);
}
