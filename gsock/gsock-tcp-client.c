/* gsock-tcp-client.c: one TCP connection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-tcp-client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "gsock-endpoint-private.h"
#include "gsock-error.h"
#include "gsock-framer-private.h"
#include "gsock-marshal.h"
#include "gsock-message-private.h"
#include "gsock-tcp-client-private.h"
#include "gsock-tcp-server-private.h"
#include "gsock-watch-private.h"

/**
 * GsockTcpClient:
 *
 * One TCP connection that carries messages, cut from the byte stream by a
 * [class@Gsock.Framer] (lines by default).
 *
 * Make one with [ctor@Gsock.TcpClient.new] and open it with
 * [method@Gsock.TcpClient.open] (blocking, bounded by [property@Gsock.Endpoint:timeout]) or
 * [method@Gsock.TcpClient.open_async]; a [class@Gsock.TcpServer] also makes one for every
 * connection it accepts.
 *
 * Sending never blocks: what the kernel does not take at once waits in a queue
 * ([property@Gsock.TcpClient:queued-bytes]) and is written as the peer reads.
 * [method@Gsock.Endpoint.close] writes what is queued before it closes.
 * [signal@Gsock.TcpClient::disconnected] fires once when the connection ends, for whatever
 * reason.
 *
 * ```c
 * g_autoptr(GsockTcpClient) client = gsock_tcp_client_new ("127.0.0.1", 8080);
 * g_autofree char *reply = NULL;
 *
 * gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), 5000);
 * if (gsock_tcp_client_open (client, NULL, &error) &&
 *     gsock_endpoint_send (GSOCK_ENDPOINT (client), "Hello Server", NULL, &error))
 *   reply = gsock_endpoint_receive (GSOCK_ENDPOINT (client), NULL, NULL, &error);
 * ```
 */

/* Bytes asked of the kernel per read. */
#define READ_CHUNK 65536
/* Reads in one dispatch before other connections get their turn. */
#define MAX_READS_PER_DISPATCH 16
/* Queued buffers handed to one writev. */
#define MAX_WRITE_VECTORS 16
/* A thread's batch buffer that grew past this for one read is not kept for the next. */
#define MAX_KEPT_BATCH (4 * READ_CHUNK)

typedef struct
{
  GIOStream *stream;
  GTlsConnection *tls; /* the TLS layer of stream, if any; not owned */
  GPollableInputStream *input;
  GPollableOutputStream *output;
  GSocketAddress *remote_address;
  GsockFramer *framer;
  GsockTcpServer *server; /* not owned: the server clears it before it goes */
  GCancellable *open_cancellable;

  /* Readiness: one epoll watch for a plain socket (see gsock-watch-private.h), GLib's pollable
   * sources otherwise (TLS keeps data of its own buffered above the socket). */
  GsockWatch *watch;
  GSource *read_source;
  GSource *write_source;
  gboolean watching_input;
  gboolean watching_output;
  gboolean input_held; /* unwatched while a handler of this connection runs a nested loop */
  GSource *idle_source;
  gint64 last_read; /* monotonic µs, for idle-timeout */

  GByteArray *in; /* the start of a message whose end has not come yet; NULL when none */

  GQueue out; /* GBytes * of wire bytes; the head is written up to out_offset */
  gsize out_offset;
  /* Set exactly while a read is handled (handle_input): the frames sent meanwhile, after
   * those in out, written together at its end (the thread's, not owned; see ReadBuffer). */
  GByteArray *batch;
  gsize queued_bytes;
  gboolean queued_bytes_changed; /* within a read, to be notified at its end */
  guint64 max_queued_bytes;
  guint idle_timeout;

  gboolean reconnect;
  gboolean queue_while_reconnecting;
  gboolean reconnecting; /* lost the connection and trying to get it back */
  guint reconnect_delay;
  guint reconnect_max_delay;
  guint reconnect_attempts;
  GSource *reconnect_source;
  gulong network_changed_id;

  gboolean use_tls;
  GTlsCertificate *tls_certificate;
  GTlsDatabase *tls_database;
  GTlsCertificateFlags refused_errors; /* of the certificate the last open refused */

  gboolean was_open;
  gboolean send_refused; /* drained is due once the queue is down to half */
  gboolean peer_closed;  /* the peer's end of file, not a close of ours, started CLOSING */
  GError *close_reason;  /* why, once the queue is flushed, the connection ends (or NULL) */
  gboolean read_paused;
} GsockTcpClientPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (GsockTcpClient, gsock_tcp_client, GSOCK_TYPE_ENDPOINT)

enum {
  PROP_0,
  PROP_REMOTE_ADDRESS,
  PROP_FRAMER,
  PROP_QUEUED_BYTES,
  PROP_MAX_QUEUED_BYTES,
  PROP_IDLE_TIMEOUT,
  PROP_READ_PAUSED,
  PROP_TLS,
  PROP_TLS_CERTIFICATE,
  PROP_TLS_DATABASE,
  PROP_PEER_CERTIFICATE,
  PROP_RECONNECT,
  PROP_RECONNECT_DELAY,
  PROP_RECONNECT_MAX_DELAY,
  PROP_QUEUE_WHILE_RECONNECTING,
  PROP_RECONNECT_ATTEMPTS,
  N_PROPS
};

enum {
  SIGNAL_DISCONNECTED,
  SIGNAL_DRAINED,
  SIGNAL_ACCEPT_CERTIFICATE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
set_queued_bytes (GsockTcpClient *self,
                  gsize           queued_bytes)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  if (priv->queued_bytes == queued_bytes)
    return;
  priv->queued_bytes = queued_bytes;
  /* Within a read, notified once at its end like the endpoint's counters. */
  if (priv->batch != NULL)
    priv->queued_bytes_changed = TRUE;
  else
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUEUED_BYTES]);
}

/* Drops the stream and everything attached to it, without any signal. */
static void
release_stream (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_clear_error (&priv->close_reason);
  g_clear_pointer (&priv->watch, _gsock_watch_free);
  _gsock_source_clear (&priv->read_source);
  _gsock_source_clear (&priv->write_source);
  _gsock_source_clear (&priv->idle_source);
  priv->watching_input = FALSE;
  priv->watching_output = FALSE;
  priv->input_held = FALSE;
  priv->send_refused = FALSE;
  g_queue_clear_full (&priv->out, (GDestroyNotify) g_bytes_unref);
  priv->out_offset = 0;
  if (priv->batch != NULL)
    g_byte_array_set_size (priv->batch, 0);
  g_clear_pointer (&priv->in, g_byte_array_unref);
  /* TLS says goodbye (close_notify) before the socket closes, which may have to wait for the
   * socket: that part runs on its own. */
  if (priv->tls != NULL)
    g_io_stream_close_async (priv->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  else if (priv->stream != NULL)
    g_io_stream_close (priv->stream, NULL, NULL);
  priv->tls = NULL;
  g_clear_object (&priv->stream);
  priv->input = NULL;
  priv->output = NULL;
  set_queued_bytes (self, 0);
}

/* Whether anything sent is still to be written. */
static gboolean
has_output (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  return !g_queue_is_empty (&priv->out) || (priv->batch != NULL && priv->batch->len > 0);
}

/* Moves what is left of the batch to the end of the queue. */
static void
queue_batch (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  if (priv->batch == NULL || priv->batch->len == 0)
    return;
  g_queue_push_tail (&priv->out, g_bytes_new (priv->batch->data, priv->batch->len));
  g_byte_array_set_size (priv->batch, 0);
}

static void     schedule_reconnect (GsockTcpClient *self);
static gboolean stop_reconnecting  (GsockTcpClient *self);

/* Ends the connection once: releases it, reports CLOSED and emits disconnected; then, for a
 * connection lost (not closed) with reconnect set, starts getting it back, keeping the whole
 * messages that were still queued. */
static void
disconnect (GsockTcpClient *self,
            const GError   *reason)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  gboolean lost = gsock_endpoint_get_state (GSOCK_ENDPOINT (self)) == GSOCK_STATE_OPEN ||
                  priv->peer_closed;
  gboolean will_reconnect = lost && priv->reconnect && priv->server == NULL;
  GQueue kept = G_QUEUE_INIT;
  gsize kept_bytes = 0;

  if (priv->stream == NULL)
    return;

  g_object_ref (self);
  if (will_reconnect && priv->queue_while_reconnecting)
    {
      queue_batch (self);
      /* A message already half written cannot be sent again whole. */
      if (priv->out_offset > 0)
        g_bytes_unref (g_queue_pop_head (&priv->out));
      priv->out_offset = 0;
      kept = priv->out;
      g_queue_init (&priv->out);
      for (GList *l = kept.head; l != NULL; l = l->next)
        kept_bytes += g_bytes_get_size (l->data);
    }
  release_stream (self);
  priv->out = kept;
  set_queued_bytes (self, kept_bytes);

  _gsock_endpoint_set_state (GSOCK_ENDPOINT (self), GSOCK_STATE_CLOSED);
  g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0, reason);
  if (priv->server != NULL)
    _gsock_tcp_server_client_gone (priv->server, self, reason);
  if (will_reconnect && gsock_endpoint_get_state (GSOCK_ENDPOINT (self)) == GSOCK_STATE_CLOSED)
    {
      priv->reconnecting = TRUE;
      priv->reconnect_attempts = 0;
      schedule_reconnect (self);
    }
  g_object_unref (self);
}

/* After a graceful close has flushed the queue: tell the peer we are done, then end. */
static void
finish_close (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  g_autoptr(GError) reason = g_steal_pointer (&priv->close_reason);

  /* For TLS, closing the stream sends close_notify itself. */
  if (priv->tls == NULL && G_IS_SOCKET_CONNECTION (priv->stream))
    g_socket_shutdown (g_socket_connection_get_socket (G_SOCKET_CONNECTION (priv->stream)),
                       FALSE, TRUE, NULL);
  disconnect (self, reason);
}

static void
add_bytes_received (GsockTcpClient *self,
                    gsize           n)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  _gsock_endpoint_add_bytes_received (GSOCK_ENDPOINT (self), n);
  if (priv->server != NULL)
    _gsock_endpoint_add_bytes_received (GSOCK_ENDPOINT (priv->server), n);
}

static void
add_bytes_sent (GsockTcpClient *self,
                gsize           n)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  _gsock_endpoint_add_bytes_sent (GSOCK_ENDPOINT (self), n);
  if (priv->server != NULL)
    _gsock_endpoint_add_bytes_sent (GSOCK_ENDPOINT (priv->server), n);
}

static void watch          (GsockTcpClient *self,
                            GIOCondition    condition,
                            gboolean        on);
static void update_reading (GsockTcpClient *self);

/* Writes as much of the queue (and the batch after it) as the kernel takes now; what is left
 * waits in the queue, watched for room. */
static void
flush (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  while (has_output (self))
    {
      GOutputVector vectors[MAX_WRITE_VECTORS];
      g_autoptr(GError) error = NULL;
      GPollableReturn ret;
      gsize n_vectors = 0;
      gsize written = 0;

      for (GList *l = priv->out.head; l != NULL && n_vectors < MAX_WRITE_VECTORS; l = l->next)
        {
          gsize size;
          const guint8 *data = g_bytes_get_data (l->data, &size);
          gsize skip = n_vectors == 0 ? priv->out_offset : 0;

          vectors[n_vectors].buffer = data + skip;
          vectors[n_vectors].size = size - skip;
          n_vectors++;
        }
      if (n_vectors < MAX_WRITE_VECTORS && priv->batch != NULL && priv->batch->len > 0)
        {
          vectors[n_vectors].buffer = priv->batch->data;
          vectors[n_vectors].size = priv->batch->len;
          n_vectors++;
        }

      ret = g_pollable_output_stream_writev_nonblocking (priv->output, vectors, n_vectors,
                                                         &written, NULL, &error);
      if (ret == G_POLLABLE_RETURN_WOULD_BLOCK)
        break;
      if (ret == G_POLLABLE_RETURN_FAILED)
        {
          disconnect (self, error);
          return;
        }

      add_bytes_sent (self, written);
      set_queued_bytes (self, priv->queued_bytes - written);
      while (written > 0 && !g_queue_is_empty (&priv->out))
        {
          GBytes *head = g_queue_peek_head (&priv->out);
          gsize left = g_bytes_get_size (head) - priv->out_offset;

          if (written < left)
            {
              priv->out_offset += written;
              written = 0;
              break;
            }
          written -= left;
          priv->out_offset = 0;
          g_bytes_unref (g_queue_pop_head (&priv->out));
        }
      if (written > 0)
        g_byte_array_remove_range (priv->batch, 0, written);

      if (priv->send_refused && priv->queued_bytes <= priv->max_queued_bytes / 2)
        {
          priv->send_refused = FALSE;
          g_signal_emit (self, signals[SIGNAL_DRAINED], 0);
          if (priv->stream == NULL)
            return;
        }
    }

  queue_batch (self);
  if (!g_queue_is_empty (&priv->out))
    {
      watch (self, G_IO_OUT, TRUE);
      return;
    }

  watch (self, G_IO_OUT, FALSE);
  if (_gsock_endpoint_peek_state (GSOCK_ENDPOINT (self)) == GSOCK_STATE_CLOSING)
    finish_close (self);
}

static void
deliver (GsockTcpClient   *self,
         const GsockFrame *frame)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  g_autoptr(GsockMessage) message = NULL;

  if (frame->bytes != NULL)
    message = _gsock_message_new (GSOCK_ENDPOINT (self), frame->bytes, priv->remote_address);
  else
    message = _gsock_message_new_from_data (GSOCK_ENDPOINT (self), frame->payload, frame->size,
                                            priv->remote_address);

  /* A server's client reports to its own listeners first, then to the server's, which keeps
   * what nobody heard. */
  if (priv->server == NULL)
    _gsock_endpoint_deliver (GSOCK_ENDPOINT (self), message, TRUE);
  else if (!_gsock_endpoint_deliver (GSOCK_ENDPOINT (self), message, FALSE))
    _gsock_tcp_server_deliver (priv->server, self, message);
}

/* Delivers every complete message at the start of @data; returns the bytes they took, or -1
 * when the connection ended (then @data may be gone). */
static gssize
decode_messages (GsockTcpClient *self,
                 const guint8   *data,
                 gsize           len)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  gsize max = _gsock_endpoint_peek_max_message_size (GSOCK_ENDPOINT (self));
  gsize used = 0;

  while (used < len)
    {
      g_autoptr(GError) error = NULL;
      GsockFrame frame;
      gboolean found;

      found = _gsock_framer_cut (priv->framer, data + used, len - used, max, &frame, &error);
      if (error != NULL)
        {
          disconnect (self, error);
          return -1;
        }
      if (!found && frame.consumed == 0)
        break;

      used += frame.consumed;
      if (found)
        {
          deliver (self, &frame);
          g_clear_pointer (&frame.bytes, g_bytes_unref);
        }
      if (priv->stream == NULL)
        return -1;
    }
  return used;
}

/* Decodes @n bytes just read after what was kept of earlier reads, and keeps the start of an
 * incomplete message; FALSE when the connection ended. */
static gboolean
take_input (GsockTcpClient *self,
            const guint8   *data,
            gsize           n)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  gsize max = _gsock_endpoint_peek_max_message_size (GSOCK_ENDPOINT (self));
  gssize used;

  if (priv->in == NULL)
    {
      /* The common case: whole messages, decoded where they were read. */
      used = decode_messages (self, data, n);
      if (used < 0)
        return FALSE;
      if ((gsize) used < n)
        priv->in = g_byte_array_append (g_byte_array_new (), data + used, n - used);
    }
  else
    {
      g_byte_array_append (priv->in, data, n);
      used = decode_messages (self, priv->in->data, priv->in->len);
      if (used < 0)
        return FALSE;
      g_byte_array_remove_range (priv->in, 0, used);
      /* Freed rather than kept empty: an idle connection holds no buffer. */
      if (priv->in->len == 0)
        g_clear_pointer (&priv->in, g_byte_array_unref);
    }

  /* A framer that neither finds a message nor gives up must not let a peer fill memory. */
  if (priv->in != NULL && priv->in->len > max + READ_CHUNK)
    {
      g_autoptr(GError) error = NULL;

      g_set_error (&error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE,
                   "The peer sent %u bytes without completing a message; the limit is %"
                   G_GSIZE_FORMAT " bytes", priv->in->len, max);
      disconnect (self, error);
      return FALSE;
    }
  return TRUE;
}

/* Where a thread reads into: one buffer for all its connections, as only an incomplete
 * message is kept per connection. A handler may run a nested main loop that reads for other
 * connections while the buffer still holds what it was called for: those get one of their
 * own. */
typedef struct
{
  gboolean busy;
  GByteArray *answers; /* the batch of the connection being read, emptied after each read */
  guint8 data[READ_CHUNK];
} ReadBuffer;

static void
read_buffer_free (ReadBuffer *buffer)
{
  g_byte_array_unref (buffer->answers);
  g_free (buffer);
}

static ReadBuffer *
read_buffer_new (void)
{
  ReadBuffer *buffer = g_new (ReadBuffer, 1);

  buffer->answers = g_byte_array_new ();
  return buffer;
}

static GPrivate read_buffer_key = G_PRIVATE_INIT ((GDestroyNotify) read_buffer_free);

static ReadBuffer *
read_buffer_take (void)
{
  ReadBuffer *buffer = g_private_get (&read_buffer_key);

  if (buffer == NULL)
    {
      buffer = read_buffer_new ();
      g_private_set (&read_buffer_key, buffer);
    }
  else if (buffer->busy)
    buffer = read_buffer_new ();
  buffer->busy = TRUE;
  return buffer;
}

static void
read_buffer_release (ReadBuffer *buffer)
{
  if (buffer != g_private_get (&read_buffer_key))
    read_buffer_free (buffer);
  else
    buffer->busy = FALSE;
}

/* Reads what is there and delivers every complete message. */
static void
handle_input (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  ReadBuffer *buffer = read_buffer_take ();
  g_autoptr(GsockTcpServer) server = NULL;
  gboolean big_batch;

  g_object_ref (self);
  /* The counters of the client and of its server are notified once, after the read. */
  _gsock_endpoint_hold_counters (GSOCK_ENDPOINT (self));
  if (priv->server != NULL)
    {
      server = g_object_ref (priv->server);
      _gsock_endpoint_hold_counters (GSOCK_ENDPOINT (server));
    }
  /* Answers given while handling what was read go out together, in one write, at the end. */
  priv->batch = buffer->answers;
  /* A handler may pause reading, or end the connection. */
  for (guint i = 0; i < MAX_READS_PER_DISPATCH && priv->watching_input; i++)
    {
      g_autoptr(GError) error = NULL;
      gssize n;

      n = g_pollable_input_stream_read_nonblocking (priv->input, buffer->data, READ_CHUNK,
                                                    NULL, &error);
      if (n < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            disconnect (self, error);
          break;
        }
      if (n == 0)
        {
          if (priv->in != NULL)
            g_set_error (&priv->close_reason, GSOCK_ERROR, GSOCK_ERROR_TRUNCATED,
                         "The peer closed the connection in the middle of a message "
                         "(%u bytes received of it)", priv->in->len);
          if (has_output (self))
            {
              /* The peer is done sending but may still read (a half-close): what is queued
               * for it (the answers to this very read, say) goes out before the connection
               * ends, with close_reason as the reason. */
              priv->peer_closed = TRUE;
              watch (self, G_IO_IN, FALSE);
              _gsock_endpoint_set_state (GSOCK_ENDPOINT (self), GSOCK_STATE_CLOSING);
            }
          else
            {
              g_autoptr(GError) reason = g_steal_pointer (&priv->close_reason);

              disconnect (self, reason);
            }
          break;
        }

      if (priv->idle_timeout > 0)
        priv->last_read = g_get_monotonic_time ();
      add_bytes_received (self, n);
      if (!take_input (self, buffer->data, n))
        break;
      /* A short read emptied the socket: asking again would cost a system call to learn
       * that it would block. The epoll watch is level-triggered, so whatever comes next
       * wakes it again; GIO's TLS sources are asked until they would block, as the TLS layer
       * may hold data the socket no longer shows. */
      if (priv->watch != NULL && (gsize) n < READ_CHUNK)
        break;
    }
  if (priv->input_held)
    {
      priv->input_held = FALSE;
      update_reading (self);
    }
  big_batch = priv->batch->len > MAX_KEPT_BATCH;
  if (priv->stream != NULL && priv->watching_output)
    queue_batch (self);
  else if (priv->stream != NULL && has_output (self))
    {
      /* The batch stays set until flush has written it. */
      flush (self);
    }
  priv->batch = NULL;
  if (big_batch)
    {
      g_byte_array_unref (buffer->answers);
      buffer->answers = g_byte_array_new ();
    }
  read_buffer_release (buffer);
  if (priv->queued_bytes_changed)
    {
      priv->queued_bytes_changed = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUEUED_BYTES]);
    }
  _gsock_endpoint_release_counters (GSOCK_ENDPOINT (self));
  if (server != NULL)
    _gsock_endpoint_release_counters (GSOCK_ENDPOINT (server));
  g_object_unref (self);
}

static gboolean
read_cb (GObject *stream,
         gpointer user_data)
{
  handle_input (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
write_cb (GObject *stream,
          gpointer user_data)
{
  GsockTcpClient *self = user_data;

  g_object_ref (self);
  flush (self);
  g_object_unref (self);
  return G_SOURCE_CONTINUE;
}

static void
watch_cb (GIOCondition condition,
          gpointer     user_data)
{
  GsockTcpClient *self = user_data;
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_object_ref (self);
  if ((condition & (G_IO_IN | G_IO_HUP | G_IO_ERR)) && priv->watching_input)
    {
      if (priv->batch == NULL)
        handle_input (self);
      else
        {
          /* This connection's own handler runs a nested main loop: its input waits until the
           * handler returns, unwatched, so that loop does not wake up for it over and over. */
          priv->input_held = TRUE;
          watch (self, G_IO_IN, FALSE);
        }
    }
  if ((condition & (G_IO_OUT | G_IO_HUP | G_IO_ERR)) && priv->watching_output)
    flush (self);
  /* epoll reports a hang-up whatever was asked: with nothing to do about it now (reading
   * paused or held, nothing to write), GLib's sources take over so it does not spin. */
  if (priv->watch != NULL && (condition & (G_IO_HUP | G_IO_ERR)) && !priv->watching_input &&
      !priv->watching_output)
    g_clear_pointer (&priv->watch, _gsock_watch_free);
  g_object_unref (self);
}

static void
update_watch (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  _gsock_watch_set_events (priv->watch, (priv->watching_input ? G_IO_IN : 0) |
                                          (priv->watching_output ? G_IO_OUT : 0));
}

/* Starts or stops watching for @condition (G_IO_IN or G_IO_OUT): on the epoll watch when
 * there is one, with a pollable stream source otherwise. */
static void
watch (GsockTcpClient *self,
       GIOCondition    condition,
       gboolean        on)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  gboolean input = condition == G_IO_IN;
  gboolean *watching = input ? &priv->watching_input : &priv->watching_output;
  GSource **source = input ? &priv->read_source : &priv->write_source;

  if (*watching == on)
    return;
  *watching = on;
  if (priv->watch != NULL)
    update_watch (self);
  else if (!on)
    _gsock_source_clear (source);
  else
    {
      if (input)
        *source = g_pollable_input_stream_create_source (priv->input, NULL);
      else
        *source = g_pollable_output_stream_create_source (priv->output, NULL);
      g_source_set_callback (*source, input ? G_SOURCE_FUNC (read_cb) : G_SOURCE_FUNC (write_cb),
                             self, NULL);
      g_source_attach (*source, _gsock_endpoint_get_context (GSOCK_ENDPOINT (self)));
    }
}

/* Watches the stream for input unless reading is paused. */
static void
update_reading (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  watch (self, G_IO_IN, !priv->read_paused && priv->stream != NULL);
}

static gboolean
idle_dispatch (GSource    *source,
               GSourceFunc callback,
               gpointer    user_data)
{
  return callback (user_data);
}

static GSourceFuncs idle_source_funcs = { NULL, NULL, idle_dispatch, NULL, NULL, NULL };

/* One source per connection, re-armed from the time of the last read when it fires, so that
 * reading costs no timer work at all. */
static gboolean
idle_cb (gpointer user_data)
{
  GsockTcpClient *self = user_data;
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  gint64 now = g_source_get_time (priv->idle_source);
  gint64 deadline = priv->last_read + (gint64) priv->idle_timeout * 1000;
  g_autoptr(GError) error = NULL;

  if (priv->read_paused)
    deadline = now + (gint64) priv->idle_timeout * 1000;
  if (now < deadline)
    {
      g_source_set_ready_time (priv->idle_source, deadline);
      return G_SOURCE_CONTINUE;
    }

  g_set_error (&error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
               "The peer sent nothing for %u ms", priv->idle_timeout);
  disconnect (self, error);
  return G_SOURCE_REMOVE;
}

static void
update_idle_watch (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  _gsock_source_clear (&priv->idle_source);
  if (priv->idle_timeout == 0 || priv->stream == NULL)
    return;

  priv->last_read = g_get_monotonic_time ();
  priv->idle_source = g_source_new (&idle_source_funcs, sizeof (GSource));
  g_source_set_callback (priv->idle_source, idle_cb, self, NULL);
  g_source_set_ready_time (priv->idle_source,
                           priv->last_read + (gint64) priv->idle_timeout * 1000);
  g_source_attach (priv->idle_source, _gsock_endpoint_get_context (GSOCK_ENDPOINT (self)));
}

/* Takes over an established connection: the end of open, or a server's accept. */
/* A connection accepted by a server listening on one IP address has that address and port
 * as its own: the server's object serves, with no system call and no new object per
 * connection. NULL when the server listens on a wildcard address (or is not an IP one). */
static GSocketAddress *
server_side_local_address (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  GSocketAddress *listening;

  if (priv->server == NULL)
    return NULL;
  listening = gsock_endpoint_get_local_address (GSOCK_ENDPOINT (priv->server));
  if (!G_IS_INET_SOCKET_ADDRESS (listening) ||
      g_inet_address_get_is_any (
        g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (listening))))
    return NULL;
  return g_object_ref (listening);
}

static void
attach_stream (GsockTcpClient *self,
               GIOStream      *stream)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  GsockEndpoint *endpoint = GSOCK_ENDPOINT (self);
  GSocketConnection *connection = _gsock_socket_connection_of (stream);

  priv->stream = g_object_ref (stream);
  priv->peer_closed = FALSE;
  if (G_IS_TLS_CONNECTION (stream))
    priv->tls = G_TLS_CONNECTION (stream);
  else if (G_IS_TCP_WRAPPER_CONNECTION (stream) &&
           G_IS_TLS_CONNECTION (g_tcp_wrapper_connection_get_base_io_stream (
             G_TCP_WRAPPER_CONNECTION (stream))))
    priv->tls = G_TLS_CONNECTION (g_tcp_wrapper_connection_get_base_io_stream (
      G_TCP_WRAPPER_CONNECTION (stream)));
  priv->input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream));
  priv->output = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream));
  priv->was_open = TRUE;

  if (connection != NULL)
    {
      g_autoptr(GSocketAddress) local = server_side_local_address (self);
      g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection,
                                                                                 NULL);

      if (local == NULL)
        local = g_socket_connection_get_local_address (connection, NULL);

      /* Messages are written whole, so waiting to coalesce them only adds latency. */
      g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP,
                           TCP_NODELAY, TRUE, NULL);
      _gsock_endpoint_set_local_address (endpoint, local);
      if (g_set_object (&priv->remote_address, remote))
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMOTE_ADDRESS]);
    }

  if (priv->tls == NULL && connection != NULL)
    priv->watch = _gsock_watch_new (_gsock_endpoint_get_context (endpoint),
                                    g_socket_get_fd (g_socket_connection_get_socket (connection)),
                                    watch_cb, self);
  update_reading (self);
  update_idle_watch (self);

  _gsock_endpoint_set_state (endpoint, GSOCK_STATE_OPEN);
  if (priv->tls != NULL)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEER_CERTIFICATE]);
}

/* Whether a message of @size bytes may be sent now (or queued while reconnecting). */
static gboolean
check_can_send (GsockTcpClient *self,
                gsize           size,
                GError        **error)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  if (_gsock_endpoint_peek_state (GSOCK_ENDPOINT (self)) != GSOCK_STATE_OPEN &&
      !(priv->reconnecting && priv->queue_while_reconnecting))
    {
      if (priv->reconnecting)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                             "The connection was lost; reconnecting");
      else if (priv->was_open)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The connection is closed");
      else
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                             "The client is not connected");
      return FALSE;
    }

  if (priv->max_queued_bytes > 0 && priv->queued_bytes > 0 &&
      priv->queued_bytes + size > priv->max_queued_bytes)
    {
      priv->send_refused = TRUE;
      g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_QUEUE_FULL,
                   "The peer is not reading: %" G_GSIZE_FORMAT " bytes are queued already "
                   "(the limit is %" G_GUINT64_FORMAT ")", priv->queued_bytes,
                   priv->max_queued_bytes);
      return FALSE;
    }
  return TRUE;
}

/* Frames a message into the batch of the read being handled. */
static gboolean
append_to_batch (GsockTcpClient *self,
                 const guint8   *data,
                 gsize           size,
                 GBytes         *payload,
                 GError        **error)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  guint before = priv->batch->len;

  if (!_gsock_framer_append (priv->framer, data, size, payload,
                             _gsock_endpoint_peek_max_message_size (GSOCK_ENDPOINT (self)),
                             priv->batch, error))
    return FALSE;
  set_queued_bytes (self, priv->queued_bytes + (priv->batch->len - before));
  return TRUE;
}

static gboolean
gsock_tcp_client_send_bytes (GsockEndpoint  *endpoint,
                             GBytes         *payload,
                             GSocketAddress *target,
                             GError        **error)
{
  GsockTcpClient *self = GSOCK_TCP_CLIENT (endpoint);
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  gsize size;
  const guint8 *data = g_bytes_get_data (payload, &size);
  GBytes *wire;

  if (!check_can_send (self, size, error))
    return FALSE;

  if (priv->batch != NULL && priv->stream != NULL)
    return append_to_batch (self, data, size, payload, error);

  wire = gsock_framer_encode (priv->framer, payload,
                              _gsock_endpoint_peek_max_message_size (endpoint), error);
  if (wire == NULL)
    return FALSE;

  g_queue_push_tail (&priv->out, wire);
  set_queued_bytes (self, priv->queued_bytes + g_bytes_get_size (wire));
  if (!priv->watching_output && priv->stream != NULL)
    flush (self);
  return TRUE;
}

static void
gsock_tcp_client_close (GsockEndpoint *endpoint)
{
  GsockTcpClient *self = GSOCK_TCP_CLIENT (endpoint);
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  if (stop_reconnecting (self))
    return;
  if (priv->open_cancellable != NULL)
    {
      /* The open's callback reports the cancellation and the CLOSED state. */
      g_cancellable_cancel (priv->open_cancellable);
      return;
    }
  if (priv->stream == NULL)
    {
      _gsock_endpoint_set_state (endpoint, GSOCK_STATE_CLOSED);
      return;
    }

  /* Reading goes on while the queue drains, so the peer's last data is not answered with a
   * reset. */
  _gsock_endpoint_set_state (endpoint, GSOCK_STATE_CLOSING);
  if (!has_output (self))
    finish_close (self);
}

static void
gsock_tcp_client_abort (GsockEndpoint *endpoint)
{
  GsockTcpClient *self = GSOCK_TCP_CLIENT (endpoint);
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  if (stop_reconnecting (self))
    return;
  if (priv->open_cancellable != NULL)
    g_cancellable_cancel (priv->open_cancellable);
  else if (priv->stream != NULL)
    disconnect (self, NULL);
  else
    _gsock_endpoint_set_state (endpoint, GSOCK_STATE_CLOSED);
}

static void
gsock_tcp_client_endpoint_open_async (GsockEndpoint      *endpoint,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data)
{
  gsock_tcp_client_open_async (GSOCK_TCP_CLIENT (endpoint), cancellable, callback, user_data);
}

static void
gsock_tcp_client_dispose (GObject *object)
{
  GsockTcpClient *self = GSOCK_TCP_CLIENT (object);
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  stop_reconnecting (self);
  if (priv->open_cancellable != NULL)
    g_cancellable_cancel (priv->open_cancellable);
  release_stream (self);
  g_clear_object (&priv->framer);
  g_clear_object (&priv->tls_certificate);
  g_clear_object (&priv->tls_database);

  G_OBJECT_CLASS (gsock_tcp_client_parent_class)->dispose (object);
}

static void
gsock_tcp_client_finalize (GObject *object)
{
  GsockTcpClient *self = GSOCK_TCP_CLIENT (object);
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_clear_object (&priv->remote_address);
  g_clear_pointer (&priv->in, g_byte_array_unref);

  G_OBJECT_CLASS (gsock_tcp_client_parent_class)->finalize (object);
}

static void
gsock_tcp_client_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  GsockTcpClient *self = GSOCK_TCP_CLIENT (object);
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_REMOTE_ADDRESS:
      g_value_set_object (value, priv->remote_address);
      break;
    case PROP_FRAMER:
      g_value_set_object (value, priv->framer);
      break;
    case PROP_QUEUED_BYTES:
      g_value_set_uint64 (value, priv->queued_bytes);
      break;
    case PROP_MAX_QUEUED_BYTES:
      g_value_set_uint64 (value, priv->max_queued_bytes);
      break;
    case PROP_IDLE_TIMEOUT:
      g_value_set_uint (value, priv->idle_timeout);
      break;
    case PROP_READ_PAUSED:
      g_value_set_boolean (value, priv->read_paused);
      break;
    case PROP_TLS:
      g_value_set_boolean (value, priv->use_tls);
      break;
    case PROP_TLS_CERTIFICATE:
      g_value_set_object (value, priv->tls_certificate);
      break;
    case PROP_TLS_DATABASE:
      g_value_set_object (value, priv->tls_database);
      break;
    case PROP_PEER_CERTIFICATE:
      g_value_set_object (value, gsock_tcp_client_get_peer_certificate (self));
      break;
    case PROP_RECONNECT:
      g_value_set_boolean (value, priv->reconnect);
      break;
    case PROP_RECONNECT_DELAY:
      g_value_set_uint (value, priv->reconnect_delay);
      break;
    case PROP_RECONNECT_MAX_DELAY:
      g_value_set_uint (value, priv->reconnect_max_delay);
      break;
    case PROP_QUEUE_WHILE_RECONNECTING:
      g_value_set_boolean (value, priv->queue_while_reconnecting);
      break;
    case PROP_RECONNECT_ATTEMPTS:
      g_value_set_uint (value, priv->reconnect_attempts);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gsock_tcp_client_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  GsockTcpClient *self = GSOCK_TCP_CLIENT (object);

  switch (prop_id)
    {
    case PROP_FRAMER:
      gsock_tcp_client_set_framer (self, g_value_get_object (value));
      break;
    case PROP_MAX_QUEUED_BYTES:
      gsock_tcp_client_set_max_queued_bytes (self, g_value_get_uint64 (value));
      break;
    case PROP_IDLE_TIMEOUT:
      gsock_tcp_client_set_idle_timeout (self, g_value_get_uint (value));
      break;
    case PROP_READ_PAUSED:
      gsock_tcp_client_set_read_paused (self, g_value_get_boolean (value));
      break;
    case PROP_TLS:
      gsock_tcp_client_set_tls (self, g_value_get_boolean (value));
      break;
    case PROP_TLS_CERTIFICATE:
      gsock_tcp_client_set_tls_certificate (self, g_value_get_object (value));
      break;
    case PROP_TLS_DATABASE:
      gsock_tcp_client_set_tls_database (self, g_value_get_object (value));
      break;
    case PROP_RECONNECT:
      gsock_tcp_client_set_reconnect (self, g_value_get_boolean (value));
      break;
    case PROP_RECONNECT_DELAY:
      gsock_tcp_client_set_reconnect_delay (self, g_value_get_uint (value));
      break;
    case PROP_RECONNECT_MAX_DELAY:
      gsock_tcp_client_set_reconnect_max_delay (self, g_value_get_uint (value));
      break;
    case PROP_QUEUE_WHILE_RECONNECTING:
      gsock_tcp_client_set_queue_while_reconnecting (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean gsock_tcp_client_send_data (GsockEndpoint  *endpoint,
                                            const guint8   *data,
                                            gsize           size,
                                            GSocketAddress *target,
                                            GError        **error);

static void
gsock_tcp_client_class_init (GsockTcpClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GsockEndpointClass *endpoint_class = GSOCK_ENDPOINT_CLASS (klass);

  object_class->dispose = gsock_tcp_client_dispose;
  object_class->finalize = gsock_tcp_client_finalize;
  object_class->get_property = gsock_tcp_client_get_property;
  object_class->set_property = gsock_tcp_client_set_property;

  endpoint_class->send_bytes = gsock_tcp_client_send_bytes;
  endpoint_class->send_data = gsock_tcp_client_send_data;
  endpoint_class->close = gsock_tcp_client_close;
  endpoint_class->open_async = gsock_tcp_client_endpoint_open_async;
  endpoint_class->abort = gsock_tcp_client_abort;

  /**
   * GsockTcpClient:remote-address:
   *
   * The address of the peer, once connected.
   */
  properties[PROP_REMOTE_ADDRESS] =
    g_param_spec_object ("remote-address", NULL, NULL, G_TYPE_SOCKET_ADDRESS,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpClient:framer:
   *
   * How messages are cut from the byte stream and framed on it; a
   * [class@Gsock.LineFramer] by default. Setting `NULL` restores the default.
   */
  properties[PROP_FRAMER] =
    g_param_spec_object ("framer", NULL, NULL, GSOCK_TYPE_FRAMER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpClient:queued-bytes:
   *
   * How many bytes accepted by [method@Gsock.Endpoint.send] wait to be written, framing
   * included.
   *
   * Changes made while one read is handled are notified once, when it has been.
   */
  properties[PROP_QUEUED_BYTES] =
    g_param_spec_uint64 ("queued-bytes", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpClient:max-queued-bytes:
   *
   * How many bytes may wait in the write queue before [method@Gsock.Endpoint.send] refuses
   * more with `GSOCK_ERROR_QUEUE_FULL`; 8 MiB by default, 0 for no limit.
   *
   * A message is always accepted into an empty queue, whatever its size. After a refusal,
   * [signal@Gsock.TcpClient::drained] tells when the queue is down to half the limit. So a
   * peer that never reads cannot make memory grow without bound.
   */
  properties[PROP_MAX_QUEUED_BYTES] =
    g_param_spec_uint64 ("max-queued-bytes", NULL, NULL, 0, G_MAXUINT64,
                         GSOCK_DEFAULT_MAX_QUEUED_BYTES,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpClient:idle-timeout:
   *
   * How long, in milliseconds, the peer may send nothing before the connection is closed with
   * `G_IO_ERROR_TIMED_OUT` as the [signal@Gsock.TcpClient::disconnected] reason; 0, the
   * default, waits for ever. Time spent with [property@Gsock.TcpClient:read-paused] set does
   * not count.
   */
  properties[PROP_IDLE_TIMEOUT] =
    g_param_spec_uint ("idle-timeout", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpClient:read-paused:
   *
   * Whether reading is paused: while `TRUE`, nothing is read from the connection, and once
   * the kernel's buffers fill up, the peer's writes wait. Set it back to `FALSE` to go on.
   */
  properties[PROP_READ_PAUSED] =
    g_param_spec_boolean ("read-paused", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpClient:tls:
   *
   * Whether [method@Gsock.TcpClient.open] speaks TLS over the connection.
   *
   * The server's certificate must be valid for [property@Gsock.Endpoint:host] and signed by a
   * trusted authority ([property@Gsock.TcpClient:tls-database], the system's by default);
   * otherwise [signal@Gsock.TcpClient::accept-certificate] decides, and the open fails with a
   * `G_TLS_ERROR` when nothing accepts it. Without a TLS backend the open fails with
   * `GSOCK_ERROR_TLS_UNAVAILABLE`.
   */
  properties[PROP_TLS] =
    g_param_spec_boolean ("tls", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpClient:tls-certificate:
   *
   * The certificate (with its private key) the client shows when the server asks for one.
   */
  properties[PROP_TLS_CERTIFICATE] =
    g_param_spec_object ("tls-certificate", NULL, NULL, G_TYPE_TLS_CERTIFICATE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpClient:tls-database:
   *
   * The authorities the server's certificate is checked against, such as a
   * [func@Gio.TlsFileDatabase.new] of one CA file; `NULL` uses the system's.
   */
  properties[PROP_TLS_DATABASE] =
    g_param_spec_object ("tls-database", NULL, NULL, G_TYPE_TLS_DATABASE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpClient:peer-certificate:
   *
   * The certificate the peer showed over TLS, once connected; `NULL` without TLS or when the
   * peer showed none (a client a server did not ask for one).
   */
  properties[PROP_PEER_CERTIFICATE] =
    g_param_spec_object ("peer-certificate", NULL, NULL, G_TYPE_TLS_CERTIFICATE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpClient:reconnect:
   *
   * Whether a connection that is lost (the peer closed it, or an error broke it; not a close
   * of the application's) is opened again by itself.
   *
   * [signal@Gsock.TcpClient::disconnected] still fires for the loss; then
   * [property@Gsock.Endpoint:state] stays `GSOCK_STATE_OPENING` while attempts are made,
   * [property@Gsock.TcpClient:reconnect-delay] apart at first and twice as far each time up
   * to [property@Gsock.TcpClient:reconnect-max-delay], with random jitter. When
   * [iface@Gio.NetworkMonitor] reports the network back, the next attempt is made at once.
   * [method@Gsock.Endpoint.close] or [method@Gsock.Endpoint.abort] stops trying.
   */
  properties[PROP_RECONNECT] =
    g_param_spec_boolean ("reconnect", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpClient:reconnect-delay:
   *
   * The delay before the first reconnection attempt, in milliseconds (100 by default).
   */
  properties[PROP_RECONNECT_DELAY] =
    g_param_spec_uint ("reconnect-delay", NULL, NULL, 1, G_MAXUINT, 100,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpClient:reconnect-max-delay:
   *
   * The longest delay between reconnection attempts, in milliseconds (30 s by default).
   */
  properties[PROP_RECONNECT_MAX_DELAY] =
    g_param_spec_uint ("reconnect-max-delay", NULL, NULL, 1, G_MAXUINT, 30000,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpClient:queue-while-reconnecting:
   *
   * What [method@Gsock.Endpoint.send] does while a lost connection is being reopened:
   * `TRUE` (the default) queues the message, within
   * [property@Gsock.TcpClient:max-queued-bytes], to be written once connected again, along
   * with the whole messages that were still queued when the connection was lost; `FALSE`
   * refuses it with `G_IO_ERROR_NOT_CONNECTED`.
   */
  properties[PROP_QUEUE_WHILE_RECONNECTING] =
    g_param_spec_boolean ("queue-while-reconnecting", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpClient:reconnect-attempts:
   *
   * How many reconnection attempts were made since the connection was last lost.
   */
  properties[PROP_RECONNECT_ATTEMPTS] =
    g_param_spec_uint ("reconnect-attempts", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GsockTcpClient::accept-certificate:
   * @self: the client
   * @peer_certificate: the certificate the server showed
   * @errors: what is wrong with it
   *
   * Emitted during a TLS open when the server's certificate does not pass verification
   * (self-signed, expired, for another name ...); return `TRUE` to accept it anyway.
   *
   * With no handler, or when every handler returns `FALSE`, the open fails. Accepting a
   * certificate the application pinned or its user checked is the usual reason to connect.
   *
   * Returns: `TRUE` to accept the certificate, `FALSE` to refuse it
   */
  signals[SIGNAL_ACCEPT_CERTIFICATE] =
    g_signal_new ("accept-certificate",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  g_signal_accumulator_true_handled, NULL,
                  _gsock_marshal_BOOLEAN__OBJECT_FLAGS,
                  G_TYPE_BOOLEAN, 2, G_TYPE_TLS_CERTIFICATE, G_TYPE_TLS_CERTIFICATE_FLAGS);
  g_signal_set_va_marshaller (signals[SIGNAL_ACCEPT_CERTIFICATE], G_TYPE_FROM_CLASS (klass),
                              _gsock_marshal_BOOLEAN__OBJECT_FLAGSv);

  /**
   * GsockTcpClient::drained:
   * @self: the client
   *
   * Emitted when the write queue is down to half of
   * [property@Gsock.TcpClient:max-queued-bytes] after a send was refused for a full queue:
   * the moment to send again.
   */
  signals[SIGNAL_DRAINED] =
    g_signal_new ("drained",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  g_cclosure_marshal_VOID__VOID,
                  G_TYPE_NONE, 0);
  g_signal_set_va_marshaller (signals[SIGNAL_DRAINED], G_TYPE_FROM_CLASS (klass),
                              g_cclosure_marshal_VOID__VOIDv);

  /**
   * GsockTcpClient::disconnected:
   * @self: the client
   * @reason: (nullable): why the connection ended; `NULL` for an orderly close by either side
   *
   * Emitted once when the connection ends: the peer closed it, an error broke it (a reset,
   * an oversize or truncated message ...), or [method@Gsock.Endpoint.close] finished.
   */
  signals[SIGNAL_DISCONNECTED] =
    g_signal_new ("disconnected",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  G_STRUCT_OFFSET (GsockTcpClientClass, disconnected),
                  NULL, NULL,
                  g_cclosure_marshal_VOID__BOXED,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
  g_signal_set_va_marshaller (signals[SIGNAL_DISCONNECTED], G_TYPE_FROM_CLASS (klass),
                              g_cclosure_marshal_VOID__BOXEDv);
}

static void
gsock_tcp_client_init (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  priv->framer = g_object_ref (_gsock_line_framer_get_default ());
  priv->max_queued_bytes = GSOCK_DEFAULT_MAX_QUEUED_BYTES;
  priv->reconnect_delay = 100;
  priv->reconnect_max_delay = 30000;
  priv->queue_while_reconnecting = TRUE;
  g_queue_init (&priv->out);
}

/**
 * gsock_tcp_client_new:
 * @host: (nullable): the host to connect to, `NULL` for `127.0.0.1`
 * @port: the port to connect to
 *
 * Makes a TCP client; it connects when opened.
 *
 * Returns: (transfer full): a new client
 */
GsockTcpClient *
gsock_tcp_client_new (const char *host,
                      guint16     port)
{
  return g_object_new (GSOCK_TYPE_TCP_CLIENT, "host", host, "port", (guint) port, NULL);
}

/* What an open in progress needs to tell a timeout from a cancellation. */
typedef struct
{
  GCancellable *user_cancellable;
  gulong cancelled_id;
  GSource *timeout_source;
  gboolean timed_out;
} OpenData;

static void
open_data_free (OpenData *data)
{
  if (data->user_cancellable != NULL)
    {
      g_cancellable_disconnect (data->user_cancellable, data->cancelled_id);
      g_object_unref (data->user_cancellable);
    }
  _gsock_source_clear (&data->timeout_source);
  g_free (data);
}

static void
user_cancelled_cb (GCancellable *user_cancellable,
                   GCancellable *open_cancellable)
{
  g_cancellable_cancel (open_cancellable);
}

static gboolean
open_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  GsockTcpClient *self = g_task_get_source_object (task);
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  OpenData *data = g_task_get_task_data (task);

  data->timed_out = TRUE;
  g_cancellable_cancel (priv->open_cancellable);
  return G_SOURCE_REMOVE;
}

/* GIO says only "Unacceptable TLS certificate": this says what is wrong with it. */
static void
explain_refused_certificate (GError              **error,
                             GTlsCertificateFlags  errors)
{
  static const struct
  {
    GTlsCertificateFlags flag;
    const char *what;
  } reasons[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, "it is not signed by a trusted authority" },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, "it is for another host name" },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, "it is not valid yet" },
    { G_TLS_CERTIFICATE_EXPIRED, "it has expired" },
    { G_TLS_CERTIFICATE_REVOKED, "it has been revoked" },
    { G_TLS_CERTIFICATE_INSECURE, "its algorithm is insecure" },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, "it is not valid" },
  };
  g_autoptr(GString) why = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    if (errors & reasons[i].flag)
      g_string_append_printf (why, "%s%s", why->len > 0 ? ", " : "", reasons[i].what);
  if (why->len == 0)
    return;
  g_prefix_error (error, "The server's certificate was refused (%s): ", why->str);
}

static void
open_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GsockTcpClient *self = g_task_get_source_object (task);
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  GsockEndpoint *endpoint = GSOCK_ENDPOINT (self);
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  g_clear_object (&priv->open_cancellable);
  _gsock_source_clear (&data->timeout_source);
  if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
    explain_refused_certificate (&error, priv->refused_errors);
  priv->refused_errors = 0;

  if (connection == NULL)
    {
      if (!priv->reconnecting)
        _gsock_endpoint_set_state (endpoint, GSOCK_STATE_CLOSED);
      if (data->timed_out && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                 "Connecting to %s:%u timed out after %u ms",
                                 gsock_endpoint_get_host (endpoint),
                                 gsock_endpoint_get_port (endpoint),
                                 gsock_endpoint_get_timeout (endpoint));
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  attach_stream (self, G_IO_STREAM (connection));
  g_task_return_boolean (task, TRUE);
}

static gboolean
tls_accept_certificate_cb (GTlsConnection       *connection,
                           GTlsCertificate      *peer_certificate,
                           GTlsCertificateFlags  errors,
                           GsockTcpClient       *self)
{
  gboolean accepted = FALSE;

  /* The TLS backend may ask about a certificate that passed verification too (a client's, on
   * the server side); only a failing one is the application's call. */
  if (errors == 0)
    return TRUE;
  g_signal_emit (self, signals[SIGNAL_ACCEPT_CERTIFICATE], 0, peer_certificate, errors, &accepted);
  if (!accepted)
    {
      GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

      priv->refused_errors = errors;
    }
  return accepted;
}

/* Hands the client's certificate and trusted authorities to the TLS layer GSocketClient
 * makes, and lets the application judge a certificate that fails verification. */
static void
socket_client_event_cb (GSocketClient      *socket_client,
                        GSocketClientEvent  event,
                        GSocketConnectable *connectable,
                        GIOStream          *connection,
                        GsockTcpClient     *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  if (event != G_SOCKET_CLIENT_TLS_HANDSHAKING)
    return;
  if (priv->tls_certificate != NULL)
    g_tls_connection_set_certificate (G_TLS_CONNECTION (connection), priv->tls_certificate);
  if (priv->tls_database != NULL)
    g_tls_connection_set_database (G_TLS_CONNECTION (connection), priv->tls_database);
  g_signal_connect_object (connection, "accept-certificate",
                           G_CALLBACK (tls_accept_certificate_cb), self, 0);
}

static void start_open (GsockTcpClient *self,
                        GTask          *task);

static guint
next_reconnect_delay (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  guint64 delay = MAX (priv->reconnect_delay, 1);

  /* Exponential, capped, with "equal jitter": half fixed, half random, so that many clients
   * cut off at once do not all come back at the same instant. */
  for (guint i = 0; i < priv->reconnect_attempts && delay < priv->reconnect_max_delay; i++)
    delay *= 2;
  delay = MIN (delay, MAX (priv->reconnect_max_delay, 1));
  return delay / 2 + g_random_int_range (0, delay / 2 + 1);
}

static void
reconnect_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GsockTcpClient *self = GSOCK_TCP_CLIENT (source);
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  if (g_task_propagate_boolean (G_TASK (result), NULL))
    {
      priv->reconnecting = FALSE;
      if (priv->network_changed_id != 0)
        g_clear_signal_handler (&priv->network_changed_id, g_network_monitor_get_default ());
      if (!g_queue_is_empty (&priv->out))
        flush (self);
      return;
    }
  if (priv->reconnecting)
    schedule_reconnect (self);
}

static gboolean
reconnect_now_cb (gpointer user_data)
{
  GsockTcpClient *self = user_data;
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  GTask *task = g_task_new (self, NULL, reconnect_cb, NULL);

  g_clear_pointer (&priv->reconnect_source, g_source_unref);
  priv->reconnect_attempts++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECONNECT_ATTEMPTS]);
  start_open (self, task);
  return G_SOURCE_REMOVE;
}

/* The network came back: waiting out the backoff would only delay the reconnection. */
static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    GsockTcpClient  *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  if (!available || priv->reconnect_source == NULL)
    return;
  g_source_set_ready_time (priv->reconnect_source, 0);
}

static void
schedule_reconnect (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  _gsock_endpoint_set_state (GSOCK_ENDPOINT (self), GSOCK_STATE_OPENING);
  if (priv->network_changed_id == 0)
    priv->network_changed_id = g_signal_connect_object (g_network_monitor_get_default (),
                                                        "network-changed",
                                                        G_CALLBACK (network_changed_cb), self, 0);
  priv->reconnect_source = g_timeout_source_new (next_reconnect_delay (self));
  g_source_set_callback (priv->reconnect_source, reconnect_now_cb, self, NULL);
  g_source_attach (priv->reconnect_source, _gsock_endpoint_get_context (GSOCK_ENDPOINT (self)));
}

/* Gives up getting a lost connection back (the application closed it): drops what waited
 * and reports CLOSED. Returns whether it was reconnecting. */
static gboolean
stop_reconnecting (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  if (!priv->reconnecting)
    return FALSE;

  priv->reconnecting = FALSE;
  _gsock_source_clear (&priv->reconnect_source);
  if (priv->network_changed_id != 0)
    g_clear_signal_handler (&priv->network_changed_id, g_network_monitor_get_default ());
  if (priv->open_cancellable != NULL)
    g_cancellable_cancel (priv->open_cancellable);
  g_queue_clear_full (&priv->out, (GDestroyNotify) g_bytes_unref);
  set_queued_bytes (self, 0);
  _gsock_endpoint_set_state (GSOCK_ENDPOINT (self), GSOCK_STATE_CLOSED);
  return TRUE;
}

/**
 * gsock_tcp_client_open_async:
 * @self: a client made with [ctor@Gsock.TcpClient.new]
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called when connected or failed
 * @user_data: data for @callback
 *
 * Connects to [property@Gsock.Endpoint:host] and [property@Gsock.Endpoint:port], resolving
 * the name if needed.
 *
 * Fails with `G_IO_ERROR_CONNECTION_REFUSED` when nothing listens there,
 * `G_IO_ERROR_TIMED_OUT` after [property@Gsock.Endpoint:timeout] milliseconds (when not 0),
 * `G_IO_ERROR_CANCELLED` when cancelled or closed meanwhile, and `G_IO_ERROR_BUSY` when the
 * client is already open or opening.
 */
void
gsock_tcp_client_open_async (GsockTcpClient     *self,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  GsockEndpoint *endpoint = GSOCK_ENDPOINT (self);
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gsock_tcp_client_open_async);

  if (gsock_endpoint_get_state (endpoint) != GSOCK_STATE_CLOSED || priv->server != NULL ||
      priv->reconnecting)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY,
                               "The client is already open");
      return;
    }
  if (priv->use_tls && !_gsock_tls_check_available (&error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  priv->was_open = FALSE;
  start_open (self, g_steal_pointer (&task));
}

/* Connects for @task (transfer full): the common part of open_async and of a reconnection. */
static void
start_open (GsockTcpClient *self,
            GTask          *task)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  GsockEndpoint *endpoint = GSOCK_ENDPOINT (self);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GSocketClient) socket_client = NULL;
  g_autoptr(GSocketConnectable) connectable = NULL;
  OpenData *data;
  guint timeout;

  data = g_new0 (OpenData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);
  priv->open_cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      data->user_cancellable = g_object_ref (cancellable);
      data->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (user_cancelled_cb),
                                                  priv->open_cancellable, NULL);
    }
  timeout = gsock_endpoint_get_timeout (endpoint);
  if (timeout > 0)
    {
      data->timeout_source = g_timeout_source_new (timeout);
      g_source_set_callback (data->timeout_source, open_timeout_cb, task, NULL);
      g_source_attach (data->timeout_source, _gsock_endpoint_get_context (endpoint));
    }

  _gsock_endpoint_set_state (endpoint, GSOCK_STATE_OPENING);
  socket_client = g_socket_client_new ();
  if (priv->use_tls)
    {
      g_socket_client_set_tls (socket_client, TRUE);
      g_signal_connect_object (socket_client, "event", G_CALLBACK (socket_client_event_cb), self,
                               0);
    }
  /* A message socket to a host and port: system proxy settings (HTTP proxies, mostly) do not
   * apply, and looking them up costs a thread and a settings backend per connection. */
  g_socket_client_set_enable_proxy (socket_client, FALSE);
  if (gsock_endpoint_get_address (endpoint) != NULL)
    connectable = G_SOCKET_CONNECTABLE (g_object_ref (gsock_endpoint_get_address (endpoint)));
  else
    connectable = g_network_address_new (gsock_endpoint_get_host (endpoint),
                                         gsock_endpoint_get_port (endpoint));
  g_socket_client_connect_async (socket_client, connectable, priv->open_cancellable, open_cb,
                                 task);
}

/**
 * gsock_tcp_client_open_finish:
 * @self: a client
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes [method@Gsock.TcpClient.open_async].
 *
 * Returns: `TRUE` once connected; `FALSE` with @error set otherwise
 */
gboolean
gsock_tcp_client_open_finish (GsockTcpClient *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * gsock_tcp_client_open:
 * @self: a client made with [ctor@Gsock.TcpClient.new]
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Connects as [method@Gsock.TcpClient.open_async] does and waits for the outcome, running
 * the client's main context meanwhile.
 *
 * Returns: `TRUE` once connected; `FALSE` with @error set otherwise
 */
gboolean
gsock_tcp_client_open (GsockTcpClient *self,
                       GCancellable   *cancellable,
                       GError        **error)
{
  GMainContext *context;
  g_autoptr(GAsyncResult) result = NULL;

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);

  context = _gsock_endpoint_get_context (GSOCK_ENDPOINT (self));
  g_main_context_push_thread_default (context);
  gsock_tcp_client_open_async (self, cancellable, _gsock_store_result_cb, &result);
  _gsock_endpoint_wait (GSOCK_ENDPOINT (self), &result);
  g_main_context_pop_thread_default (context);

  return gsock_tcp_client_open_finish (self, result, error);
}

/**
 * gsock_tcp_client_get_remote_address:
 * @self: a client
 *
 * Gets [property@Gsock.TcpClient:remote-address].
 *
 * Returns: (transfer none) (nullable): the peer's address, or `NULL` before connecting
 */
GSocketAddress *
gsock_tcp_client_get_remote_address (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), NULL);

  return priv->remote_address;
}

/**
 * gsock_tcp_client_get_framer:
 * @self: a client
 *
 * Gets [property@Gsock.TcpClient:framer].
 *
 * Returns: (transfer none): the framer
 */
GsockFramer *
gsock_tcp_client_get_framer (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), NULL);

  return priv->framer;
}

/**
 * gsock_tcp_client_set_framer:
 * @self: a client
 * @framer: (nullable): the framer, or `NULL` for a new [class@Gsock.LineFramer]
 *
 * Sets [property@Gsock.TcpClient:framer]; set it before opening, since bytes already buffered
 * were cut by the previous one.
 */
void
gsock_tcp_client_set_framer (GsockTcpClient *self,
                             GsockFramer    *framer)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  g_autoptr(GsockFramer) line_framer = NULL;

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));
  g_return_if_fail (framer == NULL || GSOCK_IS_FRAMER (framer));

  if (framer == NULL)
    framer = line_framer = gsock_line_framer_new (NULL);
  if (g_set_object (&priv->framer, framer))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRAMER]);
}

/**
 * gsock_tcp_client_get_queued_bytes:
 * @self: a client
 *
 * Gets [property@Gsock.TcpClient:queued-bytes].
 *
 * Returns: the number of bytes waiting to be written
 */
gsize
gsock_tcp_client_get_queued_bytes (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), 0);

  return priv->queued_bytes;
}

/**
 * gsock_tcp_client_get_max_queued_bytes:
 * @self: a client
 *
 * Gets [property@Gsock.TcpClient:max-queued-bytes].
 *
 * Returns: the write queue's limit in bytes, 0 for none
 */
guint64
gsock_tcp_client_get_max_queued_bytes (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), 0);

  return priv->max_queued_bytes;
}

/**
 * gsock_tcp_client_set_max_queued_bytes:
 * @self: a client
 * @max_queued_bytes: the write queue's limit in bytes, 0 for none
 *
 * Sets [property@Gsock.TcpClient:max-queued-bytes].
 */
void
gsock_tcp_client_set_max_queued_bytes (GsockTcpClient *self,
                                       guint64         max_queued_bytes)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));

  if (priv->max_queued_bytes == max_queued_bytes)
    return;
  priv->max_queued_bytes = max_queued_bytes;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_QUEUED_BYTES]);
}

/**
 * gsock_tcp_client_get_idle_timeout:
 * @self: a client
 *
 * Gets [property@Gsock.TcpClient:idle-timeout].
 *
 * Returns: the idle timeout in milliseconds, 0 for none
 */
guint
gsock_tcp_client_get_idle_timeout (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), 0);

  return priv->idle_timeout;
}

/**
 * gsock_tcp_client_set_idle_timeout:
 * @self: a client
 * @idle_timeout_ms: the idle timeout in milliseconds, 0 for none
 *
 * Sets [property@Gsock.TcpClient:idle-timeout]; on an open connection the new timeout counts
 * from now.
 */
void
gsock_tcp_client_set_idle_timeout (GsockTcpClient *self,
                                   guint           idle_timeout_ms)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));

  if (priv->idle_timeout == idle_timeout_ms)
    return;
  priv->idle_timeout = idle_timeout_ms;
  update_idle_watch (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDLE_TIMEOUT]);
}

/**
 * gsock_tcp_client_get_read_paused:
 * @self: a client
 *
 * Gets [property@Gsock.TcpClient:read-paused].
 *
 * Returns: whether reading is paused
 */
gboolean
gsock_tcp_client_get_read_paused (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), FALSE);

  return priv->read_paused;
}

/**
 * gsock_tcp_client_set_read_paused:
 * @self: a client
 * @read_paused: `TRUE` to stop reading, `FALSE` to go on
 *
 * Sets [property@Gsock.TcpClient:read-paused].
 */
void
gsock_tcp_client_set_read_paused (GsockTcpClient *self,
                                  gboolean        read_paused)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));

  read_paused = !!read_paused;
  if (priv->read_paused == read_paused)
    return;
  priv->read_paused = read_paused;
  update_reading (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READ_PAUSED]);
}

/**
 * gsock_tcp_client_get_tls:
 * @self: a client
 *
 * Gets [property@Gsock.TcpClient:tls].
 *
 * Returns: whether the client opens with TLS
 */
gboolean
gsock_tcp_client_get_tls (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), FALSE);

  return priv->use_tls;
}

/**
 * gsock_tcp_client_set_tls:
 * @self: a client
 * @tls: whether to open with TLS
 *
 * Sets [property@Gsock.TcpClient:tls], used by the next open.
 */
void
gsock_tcp_client_set_tls (GsockTcpClient *self,
                          gboolean        tls)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));

  tls = !!tls;
  if (priv->use_tls == tls)
    return;
  priv->use_tls = tls;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS]);
}

/**
 * gsock_tcp_client_get_tls_certificate:
 * @self: a client
 *
 * Gets [property@Gsock.TcpClient:tls-certificate].
 *
 * Returns: (transfer none) (nullable): the client's certificate
 */
GTlsCertificate *
gsock_tcp_client_get_tls_certificate (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), NULL);

  return priv->tls_certificate;
}

/**
 * gsock_tcp_client_set_tls_certificate:
 * @self: a client
 * @certificate: (nullable): a certificate with its private key, or `NULL`
 *
 * Sets [property@Gsock.TcpClient:tls-certificate], used by the next open.
 */
void
gsock_tcp_client_set_tls_certificate (GsockTcpClient  *self,
                                      GTlsCertificate *certificate)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));
  g_return_if_fail (certificate == NULL || G_IS_TLS_CERTIFICATE (certificate));

  if (g_set_object (&priv->tls_certificate, certificate))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_CERTIFICATE]);
}

/**
 * gsock_tcp_client_get_tls_database:
 * @self: a client
 *
 * Gets [property@Gsock.TcpClient:tls-database].
 *
 * Returns: (transfer none) (nullable): the trusted authorities, or `NULL` for the system's
 */
GTlsDatabase *
gsock_tcp_client_get_tls_database (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), NULL);

  return priv->tls_database;
}

/**
 * gsock_tcp_client_set_tls_database:
 * @self: a client
 * @database: (nullable): the trusted authorities, or `NULL` for the system's
 *
 * Sets [property@Gsock.TcpClient:tls-database], used by the next open.
 */
void
gsock_tcp_client_set_tls_database (GsockTcpClient *self,
                                   GTlsDatabase   *database)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));
  g_return_if_fail (database == NULL || G_IS_TLS_DATABASE (database));

  if (g_set_object (&priv->tls_database, database))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_DATABASE]);
}

/**
 * gsock_tcp_client_get_peer_certificate:
 * @self: a client
 *
 * Gets [property@Gsock.TcpClient:peer-certificate].
 *
 * Returns: (transfer none) (nullable): the peer's certificate, or `NULL`
 */
GTlsCertificate *
gsock_tcp_client_get_peer_certificate (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), NULL);

  return priv->tls != NULL ? g_tls_connection_get_peer_certificate (priv->tls) : NULL;
}

/**
 * gsock_tcp_client_get_reconnect:
 * @self: a client
 *
 * Gets [property@Gsock.TcpClient:reconnect].
 *
 * Returns: whether lost connections are opened again
 */
gboolean
gsock_tcp_client_get_reconnect (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), 0);

  return priv->reconnect;
}

/**
 * gsock_tcp_client_set_reconnect:
 * @self: a client
 * @value: whether lost connections are opened again
 *
 * Sets [property@Gsock.TcpClient:reconnect].
 */
void
gsock_tcp_client_set_reconnect (GsockTcpClient *self,
                                gboolean value)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));
  value = !!value;

  if (priv->reconnect == value)
    return;
  priv->reconnect = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECONNECT]);
}

/**
 * gsock_tcp_client_get_reconnect_delay:
 * @self: a client
 *
 * Gets [property@Gsock.TcpClient:reconnect-delay].
 *
 * Returns: the first reconnection delay in milliseconds
 */
guint
gsock_tcp_client_get_reconnect_delay (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), 0);

  return priv->reconnect_delay;
}

/**
 * gsock_tcp_client_set_reconnect_delay:
 * @self: a client
 * @value: the first reconnection delay in milliseconds
 *
 * Sets [property@Gsock.TcpClient:reconnect-delay].
 */
void
gsock_tcp_client_set_reconnect_delay (GsockTcpClient *self,
                                      guint value)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));
  g_return_if_fail (value > 0);

  if (priv->reconnect_delay == value)
    return;
  priv->reconnect_delay = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECONNECT_DELAY]);
}

/**
 * gsock_tcp_client_get_reconnect_max_delay:
 * @self: a client
 *
 * Gets [property@Gsock.TcpClient:reconnect-max-delay].
 *
 * Returns: the longest reconnection delay in milliseconds
 */
guint
gsock_tcp_client_get_reconnect_max_delay (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), 0);

  return priv->reconnect_max_delay;
}

/**
 * gsock_tcp_client_set_reconnect_max_delay:
 * @self: a client
 * @value: the longest reconnection delay in milliseconds
 *
 * Sets [property@Gsock.TcpClient:reconnect-max-delay].
 */
void
gsock_tcp_client_set_reconnect_max_delay (GsockTcpClient *self,
                                          guint value)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));
  g_return_if_fail (value > 0);

  if (priv->reconnect_max_delay == value)
    return;
  priv->reconnect_max_delay = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECONNECT_MAX_DELAY]);
}

/**
 * gsock_tcp_client_get_queue_while_reconnecting:
 * @self: a client
 *
 * Gets [property@Gsock.TcpClient:queue-while-reconnecting].
 *
 * Returns: whether sends are queued while reconnecting
 */
gboolean
gsock_tcp_client_get_queue_while_reconnecting (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), 0);

  return priv->queue_while_reconnecting;
}

/**
 * gsock_tcp_client_set_queue_while_reconnecting:
 * @self: a client
 * @value: whether sends are queued while reconnecting
 *
 * Sets [property@Gsock.TcpClient:queue-while-reconnecting].
 */
void
gsock_tcp_client_set_queue_while_reconnecting (GsockTcpClient *self,
                                               gboolean value)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));
  value = !!value;

  if (priv->queue_while_reconnecting == value)
    return;
  priv->queue_while_reconnecting = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUEUE_WHILE_RECONNECTING]);
}

/**
 * gsock_tcp_client_get_reconnect_attempts:
 * @self: a client
 *
 * Gets [property@Gsock.TcpClient:reconnect-attempts].
 *
 * Returns: the number of reconnection attempts since the connection was last lost
 */
guint
gsock_tcp_client_get_reconnect_attempts (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), 0);

  return priv->reconnect_attempts;
}

/* Internal API, see gsock-tcp-client-private.h */

GSocketConnection *
_gsock_socket_connection_of (GIOStream *stream)
{
  g_autoptr(GIOStream) base = NULL;

  if (G_IS_SOCKET_CONNECTION (stream))
    return G_SOCKET_CONNECTION (stream);
  if (!G_IS_TLS_CONNECTION (stream))
    return NULL;
  g_object_get (stream, "base-io-stream", &base, NULL);
  /* The TLS connection holds its base stream for as long as it lives. */
  return _gsock_socket_connection_of (base);
}

gboolean
_gsock_tls_check_available (GError **error)
{
  if (g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    return TRUE;
  g_set_error_literal (error, GSOCK_ERROR, GSOCK_ERROR_TLS_UNAVAILABLE,
                       "TLS is not available: no TLS backend is installed "
                       "(on Debian, install the glib-networking package)");
  return FALSE;
}

GsockTcpClient *
_gsock_tcp_client_new_for_server (GsockTcpServer *server,
                                  GIOStream      *stream)
{
  GsockEndpoint *server_endpoint = GSOCK_ENDPOINT (server);
  GsockTcpClient *self;
  GsockTcpClientPrivate *priv;

  /* The client belongs to the server's context, whatever is thread-default right now. */
  g_main_context_push_thread_default (_gsock_endpoint_get_context (server_endpoint));
  self = g_object_new (GSOCK_TYPE_TCP_CLIENT, NULL);
  g_main_context_pop_thread_default (_gsock_endpoint_get_context (server_endpoint));

  /* Directly rather than as construct properties: this runs for every connection. */
  _gsock_endpoint_inherit_settings (GSOCK_ENDPOINT (self), server_endpoint);
  priv = gsock_tcp_client_get_instance_private (self);
  g_set_object (&priv->framer, gsock_tcp_server_get_framer (server));
  priv->idle_timeout = gsock_tcp_server_get_idle_timeout (server);
  priv->max_queued_bytes = gsock_tcp_server_get_max_queued_bytes (server);
  priv->server = server;
  attach_stream (self, stream);
  return self;
}

void
_gsock_tcp_client_forget_server (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  priv->server = NULL;
}

/* send_data from one of the connection's dispatches: inside one of its reads, the frame goes
 * straight into that read's batch; anywhere else, or for a subclass that overrides send_bytes
 * (it sees every send), the bytes take the base's way, into a GBytes for send_bytes. */
static gboolean
gsock_tcp_client_send_data (GsockEndpoint  *endpoint,
                            const guint8   *data,
                            gsize           size,
                            GSocketAddress *target,
                            GError        **error)
{
  GsockTcpClient *self = GSOCK_TCP_CLIENT (endpoint);
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  GsockEndpointClass *parent_class = GSOCK_ENDPOINT_CLASS (gsock_tcp_client_parent_class);

  if (GSOCK_ENDPOINT_GET_CLASS (endpoint)->send_bytes != gsock_tcp_client_send_bytes ||
      priv->batch == NULL || priv->stream == NULL)
    return parent_class->send_data (endpoint, data, size, target, error);

  return check_can_send (self, size, error) && append_to_batch (self, data, size, NULL, error);
}
