/* gsock-dtls-peer.c: one peer of a shared datagram socket, as a GDatagramBased
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-dtls-peer-private.h"

#include <string.h>

/* Datagrams that wait for the session to read them: a handshake flight is a few, and the
 * endpoint reads the session after each feed once it is established. */
#define MAX_WAITING 32

struct _GsockDtlsPeer
{
  GObject parent_instance;

  GSocket *socket;         /* the endpoint's, shared by every peer */
  GSocketAddress *address; /* the peer's */

  GMutex lock;             /* guards what follows */
  GCond arrived;           /* a datagram came, or the peer was closed */
  GQueue waiting;          /* GBytes, oldest first */
  GPtrArray *sources;      /* the GSources made by create_source, to be woken */
  gboolean closed;
};

static void gsock_dtls_peer_datagram_based_init (GDatagramBasedInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GsockDtlsPeer, _gsock_dtls_peer, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_DATAGRAM_BASED,
                                                      gsock_dtls_peer_datagram_based_init))

static void
gsock_dtls_peer_finalize (GObject *object)
{
  GsockDtlsPeer *self = GSOCK_DTLS_PEER (object);

  g_queue_clear_full (&self->waiting, (GDestroyNotify) g_bytes_unref);
  /* Each source holds a reference on the peer: none is left by now. */
  g_ptr_array_unref (self->sources);
  g_cond_clear (&self->arrived);
  g_mutex_clear (&self->lock);
  g_object_unref (self->address);
  g_object_unref (self->socket);

  G_OBJECT_CLASS (_gsock_dtls_peer_parent_class)->finalize (object);
}

static void
_gsock_dtls_peer_class_init (GsockDtlsPeerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gsock_dtls_peer_finalize;
}

static void
_gsock_dtls_peer_init (GsockDtlsPeer *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->arrived);
  g_queue_init (&self->waiting);
  self->sources = g_ptr_array_new ();
}

/* What is true now: readable with a datagram waiting, always writable (the socket's sends do
 * not block for long), and once closed with nothing left, hung up only (GIO allows no IN or
 * OUT with HUP), so that a wait ends and the read fails at once. Locked. */
static GIOCondition
current_condition (GsockDtlsPeer *self,
                   GIOCondition   condition)
{
  if (!g_queue_is_empty (&self->waiting))
    return (G_IO_IN | G_IO_OUT) & condition;
  if (self->closed)
    return G_IO_HUP;
  return G_IO_OUT & condition;
}

static gint
gsock_dtls_peer_receive_messages (GDatagramBased *datagram_based,
                                  GInputMessage  *messages,
                                  guint           num_messages,
                                  gint            flags,
                                  gint64          timeout,
                                  GCancellable   *cancellable,
                                  GError        **error)
{
  GsockDtlsPeer *self = GSOCK_DTLS_PEER (datagram_based);
  guint received = 0;

  if (num_messages > 0
      && !g_datagram_based_condition_wait (datagram_based, G_IO_IN, timeout, cancellable, error))
    return -1;

  g_mutex_lock (&self->lock);
  if (self->closed && g_queue_is_empty (&self->waiting))
    {
      g_mutex_unlock (&self->lock);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The DTLS session has ended");
      return -1;
    }
  while (received < num_messages && !g_queue_is_empty (&self->waiting))
    {
      g_autoptr(GBytes) datagram = g_queue_pop_head (&self->waiting);
      GInputMessage *message = &messages[received++];
      gsize size;
      const guint8 *data = g_bytes_get_data (datagram, &size);
      gsize copied = 0;

      /* Scattered into the vectors; what does not fit is cut, as a socket cuts it. */
      for (guint v = 0; v < message->num_vectors && copied < size; v++)
        {
          gsize part = MIN (message->vectors[v].size, size - copied);

          memcpy (message->vectors[v].buffer, data + copied, part);
          copied += part;
        }
      message->bytes_received = copied;
      message->flags = 0;
      if (message->address != NULL)
        *message->address = g_object_ref (self->address);
      if (message->control_messages != NULL)
        *message->control_messages = NULL;
      message->num_control_messages = 0;
    }
  g_mutex_unlock (&self->lock);
  return received;
}

static gint
gsock_dtls_peer_send_messages (GDatagramBased *datagram_based,
                               GOutputMessage *messages,
                               guint           num_messages,
                               gint            flags,
                               gint64          timeout,
                               GCancellable   *cancellable,
                               GError        **error)
{
  GsockDtlsPeer *self = GSOCK_DTLS_PEER (datagram_based);
  guint sent;

  /* To the peer, whatever address the session puts in (it puts none). */
  for (sent = 0; sent < num_messages; sent++)
    messages[sent].address = self->address;
  return g_socket_send_messages (self->socket, messages, num_messages, flags, cancellable,
                                 error);
}

typedef struct
{
  GSource source;
  GsockDtlsPeer *peer; /* owned */
  GIOCondition condition;
} PeerSource;

static gboolean
peer_source_prepare (GSource *source,
                     gint    *timeout)
{
  PeerSource *peer_source = (PeerSource *) source;
  GsockDtlsPeer *self = peer_source->peer;
  GIOCondition ready;

  g_mutex_lock (&self->lock);
  ready = current_condition (self, peer_source->condition);
  g_mutex_unlock (&self->lock);
  *timeout = -1;
  return ready != 0;
}

static gboolean
peer_source_dispatch (GSource    *source,
                      GSourceFunc callback,
                      gpointer    user_data)
{
  PeerSource *peer_source = (PeerSource *) source;
  GsockDtlsPeer *self = peer_source->peer;
  GDatagramBasedSourceFunc func = (GDatagramBasedSourceFunc) (void (*) (void)) callback;
  GIOCondition ready;

  g_source_set_ready_time (source, -1);
  g_mutex_lock (&self->lock);
  ready = current_condition (self, peer_source->condition);
  g_mutex_unlock (&self->lock);
  if (func == NULL)
    return G_SOURCE_REMOVE;
  return func (G_DATAGRAM_BASED (self), ready, user_data);
}

static void
peer_source_finalize (GSource *source)
{
  PeerSource *peer_source = (PeerSource *) source;
  GsockDtlsPeer *self = peer_source->peer;

  g_mutex_lock (&self->lock);
  g_ptr_array_remove_fast (self->sources, source);
  g_mutex_unlock (&self->lock);
  g_object_unref (self);
}

static GSourceFuncs peer_source_funcs = {
  .prepare = peer_source_prepare,
  .dispatch = peer_source_dispatch,
  .finalize = peer_source_finalize,
};

static GSource *
gsock_dtls_peer_create_source (GDatagramBased *datagram_based,
                               GIOCondition    condition,
                               GCancellable   *cancellable)
{
  GsockDtlsPeer *self = GSOCK_DTLS_PEER (datagram_based);
  GSource *source = g_source_new (&peer_source_funcs, sizeof (PeerSource));
  PeerSource *peer_source = (PeerSource *) source;

  g_source_set_static_name (source, "GsockDtlsPeer");
  peer_source->peer = g_object_ref (self);
  peer_source->condition = condition;
  if (cancellable != NULL)
    {
      GSource *cancelled = g_cancellable_source_new (cancellable);

      g_source_set_dummy_callback (cancelled);
      g_source_add_child_source (source, cancelled);
      g_source_unref (cancelled);
    }
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->sources, source);
  g_mutex_unlock (&self->lock);
  return source;
}

static GIOCondition
gsock_dtls_peer_condition_check (GDatagramBased *datagram_based,
                                 GIOCondition    condition)
{
  GsockDtlsPeer *self = GSOCK_DTLS_PEER (datagram_based);
  GIOCondition ready;

  g_mutex_lock (&self->lock);
  ready = current_condition (self, condition);
  g_mutex_unlock (&self->lock);
  return ready;
}

static void
cancelled_cb (GCancellable  *cancellable,
              GsockDtlsPeer *self)
{
  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->arrived);
  g_mutex_unlock (&self->lock);
}

static gboolean
gsock_dtls_peer_condition_wait (GDatagramBased *datagram_based,
                                GIOCondition    condition,
                                gint64          timeout,
                                GCancellable   *cancellable,
                                GError        **error)
{
  GsockDtlsPeer *self = GSOCK_DTLS_PEER (datagram_based);
  gint64 deadline = timeout > 0 ? g_get_monotonic_time () + timeout : -1;
  gulong cancelled_id = 0;
  gboolean ready = FALSE;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (cancellable != NULL)
    cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb), self, NULL);

  g_mutex_lock (&self->lock);
  for (;;)
    {
      if (current_condition (self, condition) != 0)
        {
          ready = TRUE;
          break;
        }
      if (g_cancellable_is_cancelled (cancellable))
        break;
      if (timeout == 0 || (deadline >= 0 && g_get_monotonic_time () >= deadline))
        break;
      if (deadline < 0)
        g_cond_wait (&self->arrived, &self->lock);
      else
        g_cond_wait_until (&self->arrived, &self->lock, deadline);
    }
  g_mutex_unlock (&self->lock);

  if (cancelled_id != 0)
    g_cancellable_disconnect (cancellable, cancelled_id);
  if (ready)
    return TRUE;
  if (!g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      if (timeout == 0)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK,
                             "No datagram from the peer yet");
      else
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                             "No datagram from the peer in time");
    }
  return FALSE;
}

static void
gsock_dtls_peer_datagram_based_init (GDatagramBasedInterface *iface)
{
  iface->receive_messages = gsock_dtls_peer_receive_messages;
  iface->send_messages = gsock_dtls_peer_send_messages;
  iface->create_source = gsock_dtls_peer_create_source;
  iface->condition_check = gsock_dtls_peer_condition_check;
  iface->condition_wait = gsock_dtls_peer_condition_wait;
}

GsockDtlsPeer *
_gsock_dtls_peer_new (GSocket        *socket,
                      GSocketAddress *address)
{
  GsockDtlsPeer *self = g_object_new (GSOCK_TYPE_DTLS_PEER, NULL);

  self->socket = g_object_ref (socket);
  self->address = g_object_ref (address);
  return self;
}

/* Wakes a waiting thread and every source. Locked. */
static void
wake (GsockDtlsPeer *self)
{
  g_cond_broadcast (&self->arrived);
  for (guint i = 0; i < self->sources->len; i++)
    g_source_set_ready_time (self->sources->pdata[i], 0);
}

gboolean
_gsock_dtls_peer_feed (GsockDtlsPeer *self,
                       const guint8  *data,
                       gsize          size)
{
  gboolean taken = FALSE;

  g_mutex_lock (&self->lock);
  if (!self->closed && self->waiting.length < MAX_WAITING)
    {
      g_queue_push_tail (&self->waiting, g_bytes_new (data, size));
      wake (self);
      taken = TRUE;
    }
  g_mutex_unlock (&self->lock);
  return taken;
}

void
_gsock_dtls_peer_close (GsockDtlsPeer *self)
{
  g_mutex_lock (&self->lock);
  self->closed = TRUE;
  wake (self);
  g_mutex_unlock (&self->lock);
}
