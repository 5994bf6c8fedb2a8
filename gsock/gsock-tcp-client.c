/* gsock-tcp-client.c: one TCP connection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-tcp-client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "gsock-connector-private.h"
#include "gsock-endpoint-private.h"
#include "gsock-error.h"
#include "gsock-line-framer.h"
#include "gsock-message-private.h"
#include "gsock-reconnect-private.h"
#include "gsock-stream-private.h"
#include "gsock-tcp-client-private.h"
#include "gsock-tls-private.h"

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
 * ([property@Gsock.TcpClient:queued-bytes]) and is written as the peer reads. While the
 * queue is above [property@Gsock.TcpClient:high-water-mark], nothing is read from the
 * connection (flow control: a peer that sends faster than it reads its answers is slowed
 * down by the kernel, and loses nothing). [method@Gsock.Endpoint.close] writes what is queued
 * before it closes. [signal@Gsock.TcpClient::disconnected] fires once when the connection
 * ends, for whatever reason.
 *
 * A connection goes through these states ([property@Gsock.Endpoint:state]):
 *
 * - `GSOCK_STATE_OPENING` while it connects (or reconnects, with
 *   [property@Gsock.TcpClient:reconnect]);
 * - `GSOCK_STATE_OPEN` while messages flow either way. When the peer ends its side (a
 *   half-close), the connection stays open to answer: once everything queued is written and
 *   no answer is still due (a [property@Gsock.TcpServer:handler-threads] thread may still be
 *   handling the peer's last messages), it ends, as the peer asked. After
 *   [method@Gsock.TcpClient.shutdown_write] it still reads, and ends when the peer closes;
 * - `GSOCK_STATE_CLOSING` after [method@Gsock.Endpoint.close], while the queue drains;
 * - `GSOCK_STATE_CLOSED` once [signal@Gsock.TcpClient::disconnected] has fired.
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

typedef struct
{
  GsockStream stream; /* the connection's reading, writing and flow control */
  GSocketAddress *remote_address;
  GCancellable *open_cancellable;

  /* A server's connection: whom it reports to (not owned: the owner forgets it before it
   * goes), and that it can never be opened again. */
  const GsockTcpClientOwner *owner;
  GsockEndpoint *owner_endpoint;
  GsockEndpoint *read_owner; /* the owner whose counters the read being handled holds */
  gboolean accepted;

  GsockReconnect reconnect;

  gboolean use_tls;
  GsockTls tls;

  gboolean was_open;
  gboolean closed_by_us; /* close or abort: not a loss to reconnect from */
} GsockTcpClientPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (GsockTcpClient, gsock_tcp_client, GSOCK_TYPE_ENDPOINT)

enum {
  PROP_0,
  PROP_REMOTE_ADDRESS,
  PROP_FRAMER,
  PROP_QUEUED_BYTES,
  PROP_MAX_QUEUED_BYTES,
  PROP_HIGH_WATER_MARK,
  PROP_LOW_WATER_MARK,
  PROP_WRITE_BLOCKED,
  PROP_DRAIN_TIMEOUT,
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

static GsockStream *
stream_of (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  return &priv->stream;
}

static gboolean stop_reconnecting (GsockTcpClient *self);
static const GsockReconnectCallbacks reconnect_callbacks;

/* Ends the connection once: releases it, reports CLOSED and emits disconnected; then, for a
 * connection lost (not closed) with reconnect set, starts getting it back, keeping the whole
 * messages that were still queued. */
static void
disconnect (GsockTcpClient *self,
            const GError   *reason)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  gboolean will_reconnect = !priv->closed_by_us && priv->reconnect.enabled && !priv->accepted;

  if (!_gsock_stream_is_attached (&priv->stream))
    return;

  g_object_ref (self);
  _gsock_stream_release (&priv->stream,
                         will_reconnect && priv->reconnect.queue_while_reconnecting);

  _gsock_endpoint_set_state (GSOCK_ENDPOINT (self), GSOCK_STATE_CLOSED);
  g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0, reason);
  if (priv->owner != NULL)
    priv->owner->gone (priv->owner_endpoint, self, reason);
  if (will_reconnect && gsock_endpoint_get_state (GSOCK_ENDPOINT (self)) == GSOCK_STATE_CLOSED)
    {
      _gsock_endpoint_set_state (GSOCK_ENDPOINT (self), GSOCK_STATE_OPENING);
      _gsock_reconnect_begin (&priv->reconnect);
    }
  g_object_unref (self);
}

/* The stream's callbacks. */

static void
stream_message (GsockEndpoint    *endpoint,
                const GsockFrame *frame)
{
  GsockTcpClient *self = GSOCK_TCP_CLIENT (endpoint);
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  g_autoptr(GsockMessage) message = NULL;

  if (frame->bytes != NULL)
    message = _gsock_message_new (endpoint, frame->bytes, priv->remote_address);
  else
    message = _gsock_message_new_from_data (endpoint, frame->payload, frame->size,
                                            priv->remote_address);

  /* A server's client reports to its own listeners first, then to its owner, which keeps
   * what nobody heard. */
  if (priv->owner == NULL)
    _gsock_endpoint_deliver (endpoint, message, TRUE);
  else if (!_gsock_endpoint_deliver (endpoint, message, FALSE))
    priv->owner->deliver (priv->owner_endpoint, self, message);
}

static void
stream_read_begin (GsockEndpoint *endpoint)
{
  GsockTcpClientPrivate *priv =
    gsock_tcp_client_get_instance_private (GSOCK_TCP_CLIENT (endpoint));

  /* The counters of the client and of its owner are notified once, after the read. */
  _gsock_endpoint_hold_counters (endpoint);
  /* A connection's reads do not nest (the stream holds its input meanwhile). */
  g_assert (priv->read_owner == NULL);
  if (priv->owner_endpoint != NULL)
    {
      priv->read_owner = g_object_ref (priv->owner_endpoint);
      _gsock_endpoint_hold_counters (priv->read_owner);
    }
}

static void
stream_read_end (GsockEndpoint *endpoint)
{
  GsockTcpClientPrivate *priv =
    gsock_tcp_client_get_instance_private (GSOCK_TCP_CLIENT (endpoint));

  _gsock_endpoint_release_counters (endpoint);
  /* The owner may have forgotten this client meanwhile: the hold was on its counters. */
  if (priv->read_owner != NULL)
    {
      _gsock_endpoint_release_counters (priv->read_owner);
      g_clear_object (&priv->read_owner);
    }
}

static void
stream_received (GsockEndpoint *endpoint,
                 gsize          n)
{
  GsockTcpClientPrivate *priv =
    gsock_tcp_client_get_instance_private (GSOCK_TCP_CLIENT (endpoint));

  _gsock_endpoint_add_bytes_received (endpoint, n);
  if (priv->owner_endpoint != NULL)
    _gsock_endpoint_add_bytes_received (priv->owner_endpoint, n);
}

static void
stream_sent (GsockEndpoint *endpoint,
             gsize          n)
{
  GsockTcpClientPrivate *priv =
    gsock_tcp_client_get_instance_private (GSOCK_TCP_CLIENT (endpoint));

  _gsock_endpoint_add_bytes_sent (endpoint, n);
  if (priv->owner_endpoint != NULL)
    _gsock_endpoint_add_bytes_sent (priv->owner_endpoint, n);
}

static void
stream_queued_changed (GsockEndpoint *endpoint)
{
  g_object_notify_by_pspec (G_OBJECT (endpoint), properties[PROP_QUEUED_BYTES]);
}

static void
stream_write_blocked_changed (GsockEndpoint *endpoint)
{
  g_object_notify_by_pspec (G_OBJECT (endpoint), properties[PROP_WRITE_BLOCKED]);
}

static void
stream_drained (GsockEndpoint *endpoint)
{
  g_signal_emit (endpoint, signals[SIGNAL_DRAINED], 0);
}

static void
stream_ended (GsockEndpoint *endpoint,
              const GError  *reason)
{
  disconnect (GSOCK_TCP_CLIENT (endpoint), reason);
}

static const GsockStreamCallbacks stream_callbacks = {
  .message = stream_message,
  .read_begin = stream_read_begin,
  .read_end = stream_read_end,
  .received = stream_received,
  .sent = stream_sent,
  .queued_changed = stream_queued_changed,
  .write_blocked_changed = stream_write_blocked_changed,
  .drained = stream_drained,
  .ended = stream_ended,
};

/* Takes over an established connection: the end of open, or a server's accept. @local is
 * the local address when the caller knows it without a system call (NULL to ask). */
static void
attach_stream (GsockTcpClient *self,
               GIOStream      *stream,
               GSocketAddress *local)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  GsockEndpoint *endpoint = GSOCK_ENDPOINT (self);
  GSocketConnection *connection = _gsock_socket_connection_of (stream);

  priv->was_open = TRUE;
  priv->closed_by_us = FALSE;
  if (connection != NULL)
    {
      g_autoptr(GSocketAddress) own_local = NULL;
      g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection,
                                                                                 NULL);

      if (local == NULL)
        local = own_local = g_socket_connection_get_local_address (connection, NULL);

      /* Messages are written whole, so waiting to coalesce them only adds latency. */
      g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP,
                           TCP_NODELAY, TRUE, NULL);
      _gsock_endpoint_set_local_address (endpoint, local);
      if (g_set_object (&priv->remote_address, remote))
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMOTE_ADDRESS]);
    }

  _gsock_stream_attach (&priv->stream, stream);
  _gsock_endpoint_set_state (endpoint, GSOCK_STATE_OPEN);
  if (priv->stream.tls != NULL)
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
      !(priv->reconnect.active && priv->reconnect.queue_while_reconnecting))
    {
      if (priv->reconnect.active)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                             "The connection was lost; reconnecting");
      else if (priv->was_open)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The connection is closed");
      else
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                             "The client is not connected");
      return FALSE;
    }
  return _gsock_stream_check_send (&priv->stream, size, error);
}

static gboolean
gsock_tcp_client_send_bytes (GsockEndpoint  *endpoint,
                             GBytes         *payload,
                             GSocketAddress *target,
                             GError        **error)
{
  GsockTcpClient *self = GSOCK_TCP_CLIENT (endpoint);
  gsize size;
  const guint8 *data = g_bytes_get_data (payload, &size);

  return check_can_send (self, size, error) &&
         _gsock_stream_send (stream_of (self), data, size, payload, error);
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
  if (!_gsock_stream_is_attached (&priv->stream))
    {
      _gsock_endpoint_set_state (endpoint, GSOCK_STATE_CLOSED);
      return;
    }

  priv->closed_by_us = TRUE;
  _gsock_endpoint_set_state (endpoint, GSOCK_STATE_CLOSING);
  _gsock_stream_close (&priv->stream);
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
  else if (_gsock_stream_is_attached (&priv->stream))
    {
      priv->closed_by_us = TRUE;
      disconnect (self, NULL);
    }
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
  _gsock_stream_release (&priv->stream, FALSE);
  _gsock_tls_clear (&priv->tls);

  G_OBJECT_CLASS (gsock_tcp_client_parent_class)->dispose (object);
}

static void
gsock_tcp_client_finalize (GObject *object)
{
  GsockTcpClient *self = GSOCK_TCP_CLIENT (object);
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  _gsock_stream_clear (&priv->stream);
  g_clear_object (&priv->remote_address);

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
      g_value_set_object (value, priv->stream.framer);
      break;
    case PROP_QUEUED_BYTES:
      g_value_set_uint64 (value, priv->stream.queued_bytes);
      break;
    case PROP_MAX_QUEUED_BYTES:
      g_value_set_uint64 (value, priv->stream.max_queued_bytes);
      break;
    case PROP_HIGH_WATER_MARK:
      g_value_set_uint64 (value, priv->stream.high_water_mark);
      break;
    case PROP_LOW_WATER_MARK:
      g_value_set_uint64 (value, priv->stream.low_water_mark);
      break;
    case PROP_WRITE_BLOCKED:
      g_value_set_boolean (value, priv->stream.write_blocked);
      break;
    case PROP_DRAIN_TIMEOUT:
      g_value_set_uint (value, priv->stream.drain_timeout);
      break;
    case PROP_IDLE_TIMEOUT:
      g_value_set_uint (value, priv->stream.idle_timeout);
      break;
    case PROP_READ_PAUSED:
      g_value_set_boolean (value, priv->stream.read_paused);
      break;
    case PROP_TLS:
      g_value_set_boolean (value, priv->use_tls);
      break;
    case PROP_TLS_CERTIFICATE:
      g_value_set_object (value, priv->tls.certificate);
      break;
    case PROP_TLS_DATABASE:
      g_value_set_object (value, priv->tls.database);
      break;
    case PROP_PEER_CERTIFICATE:
      g_value_set_object (value, gsock_tcp_client_get_peer_certificate (self));
      break;
    case PROP_RECONNECT:
      g_value_set_boolean (value, priv->reconnect.enabled);
      break;
    case PROP_RECONNECT_DELAY:
      g_value_set_uint (value, priv->reconnect.delay);
      break;
    case PROP_RECONNECT_MAX_DELAY:
      g_value_set_uint (value, priv->reconnect.max_delay);
      break;
    case PROP_QUEUE_WHILE_RECONNECTING:
      g_value_set_boolean (value, priv->reconnect.queue_while_reconnecting);
      break;
    case PROP_RECONNECT_ATTEMPTS:
      g_value_set_uint (value, priv->reconnect.attempts);
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
    case PROP_HIGH_WATER_MARK:
      gsock_tcp_client_set_high_water_mark (self, g_value_get_uint64 (value));
      break;
    case PROP_LOW_WATER_MARK:
      gsock_tcp_client_set_low_water_mark (self, g_value_get_uint64 (value));
      break;
    case PROP_DRAIN_TIMEOUT:
      gsock_tcp_client_set_drain_timeout (self, g_value_get_uint (value));
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
   *
   * Answers to the peer's own messages seldom come near it: flow control stops reading the
   * peer once [property@Gsock.TcpClient:high-water-mark] bytes wait. What it guards is what
   * the application sends on its own, such as a broadcast to a client that never reads.
   */
  properties[PROP_MAX_QUEUED_BYTES] =
    g_param_spec_uint64 ("max-queued-bytes", NULL, NULL, 0, G_MAXUINT64,
                         GSOCK_DEFAULT_MAX_QUEUED_BYTES,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpClient:high-water-mark:
   *
   * Flow control: while this many bytes (1 MiB by default) wait to be written, nothing more
   * is read from the connection, so a peer that sends faster than it reads the answers is
   * pushed back by the kernel instead of growing the queue; reading goes on once the queue
   * is down to [property@Gsock.TcpClient:low-water-mark].
   * [property@Gsock.TcpClient:write-blocked] tells when it applies. 0 turns flow control
   * off.
   */
  properties[PROP_HIGH_WATER_MARK] =
    g_param_spec_uint64 ("high-water-mark", NULL, NULL, 0, G_MAXUINT64,
                         GSOCK_DEFAULT_HIGH_WATER_MARK,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpClient:low-water-mark:
   *
   * Where reading goes on after [property@Gsock.TcpClient:high-water-mark] stopped it: once
   * no more than this many bytes (256 KiB by default) wait to be written. A value above the
   * high-water mark counts as the high-water mark.
   */
  properties[PROP_LOW_WATER_MARK] =
    g_param_spec_uint64 ("low-water-mark", NULL, NULL, 0, G_MAXUINT64,
                         GSOCK_DEFAULT_LOW_WATER_MARK,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpClient:write-blocked:
   *
   * Whether reading is stopped by flow control: `TRUE` from the moment
   * [property@Gsock.TcpClient:queued-bytes] reaches
   * [property@Gsock.TcpClient:high-water-mark] until it is down to
   * [property@Gsock.TcpClient:low-water-mark]. A producer that sends on its own (not in
   * answer to the peer) can wait for it to turn `FALSE` before sending more.
   */
  properties[PROP_WRITE_BLOCKED] =
    g_param_spec_boolean ("write-blocked", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpClient:drain-timeout:
   *
   * How long, in milliseconds, bytes may wait to be written without the peer reading any of
   * them before the connection is closed with `GSOCK_ERROR_NOT_READING` as the
   * [signal@Gsock.TcpClient::disconnected] reason; 0, the default, waits for ever (flow
   * control and [property@Gsock.TcpClient:max-queued-bytes] already bound the memory such a
   * peer costs; this frees its slot too).
   *
   * Progress is the kernel taking more of the queue, which it does in steps of up to half
   * its send buffer (megabytes on a fast link): give a slow reader seconds, not
   * milliseconds.
   */
  properties[PROP_DRAIN_TIMEOUT] =
    g_param_spec_uint ("drain-timeout", NULL, NULL, 0, G_MAXUINT, 0,
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

  /* Documented in gsock-tls.c. */
  signals[SIGNAL_ACCEPT_CERTIFICATE] =
    _gsock_tls_accept_certificate_signal_new (G_TYPE_FROM_CLASS (klass));

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

  _gsock_stream_init (&priv->stream, GSOCK_ENDPOINT (self), &stream_callbacks);
  _gsock_tls_init (&priv->tls, GSOCK_ENDPOINT (self), signals[SIGNAL_ACCEPT_CERTIFICATE]);
  _gsock_reconnect_init (&priv->reconnect, GSOCK_ENDPOINT (self), &reconnect_callbacks);
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

static void
open_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GsockTcpClient *self = GSOCK_TCP_CLIENT (source);
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  g_autoptr(GSocketConnection) connection = NULL;
  GError *error = NULL;

  connection = _gsock_connector_connect_finish (result, &error);
  g_clear_object (&priv->open_cancellable);
  if (connection == NULL)
    {
      if (!priv->reconnect.active)
        _gsock_endpoint_set_state (GSOCK_ENDPOINT (self), GSOCK_STATE_CLOSED);
      g_task_return_error (task, error);
      return;
    }

  attach_stream (self, G_IO_STREAM (connection), NULL);
  g_task_return_boolean (task, TRUE);
}

/* Connects for @task (transfer full): the common part of open_async and of a reconnection. */
static void
start_open (GsockTcpClient *self,
            GTask          *task)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  priv->open_cancellable = g_cancellable_new ();
  _gsock_endpoint_set_state (GSOCK_ENDPOINT (self), GSOCK_STATE_OPENING);
  _gsock_connector_connect_async (GSOCK_ENDPOINT (self), priv->use_tls ? &priv->tls : NULL,
                                  g_task_get_cancellable (task), priv->open_cancellable, open_cb,
                                  task);
}

static void
reconnected_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GsockTcpClient *self = GSOCK_TCP_CLIENT (source);
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  if (g_task_propagate_boolean (G_TASK (result), NULL))
    _gsock_reconnect_end (&priv->reconnect);
  else if (priv->reconnect.active)
    {
      _gsock_endpoint_set_state (GSOCK_ENDPOINT (self), GSOCK_STATE_OPENING);
      _gsock_reconnect_retry (&priv->reconnect);
    }
}

static void
reconnect_attempt (GsockEndpoint *endpoint)
{
  start_open (GSOCK_TCP_CLIENT (endpoint), g_task_new (endpoint, NULL, reconnected_cb, NULL));
}

static void
reconnect_attempts_changed (GsockEndpoint *endpoint)
{
  g_object_notify_by_pspec (G_OBJECT (endpoint), properties[PROP_RECONNECT_ATTEMPTS]);
}

static const GsockReconnectCallbacks reconnect_callbacks = {
  .attempt = reconnect_attempt,
  .attempts_changed = reconnect_attempts_changed,
};

/* Gives up getting a lost connection back (the application closed it): drops what waited
 * and reports CLOSED. Returns whether it was reconnecting. */
static gboolean
stop_reconnecting (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  if (!_gsock_reconnect_end (&priv->reconnect))
    return FALSE;

  if (priv->open_cancellable != NULL)
    g_cancellable_cancel (priv->open_cancellable);
  _gsock_stream_release (&priv->stream, FALSE);
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

  if (priv->accepted)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "This connection was accepted by a server: it cannot be opened "
                               "again");
      return;
    }
  if (gsock_endpoint_get_state (endpoint) != GSOCK_STATE_CLOSED || priv->reconnect.active)
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

  return priv->stream.framer;
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
  if (framer == priv->stream.framer)
    return;
  _gsock_stream_set_framer (&priv->stream, framer);
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

  return priv->stream.queued_bytes;
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

  return priv->stream.max_queued_bytes;
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

  if (priv->stream.max_queued_bytes == max_queued_bytes)
    return;
  priv->stream.max_queued_bytes = max_queued_bytes;
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

  return priv->stream.idle_timeout;
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

  if (priv->stream.idle_timeout == idle_timeout_ms)
    return;
  _gsock_stream_set_idle_timeout (&priv->stream, idle_timeout_ms);
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

  return priv->stream.read_paused;
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
  if (priv->stream.read_paused == read_paused)
    return;
  _gsock_stream_set_read_paused (&priv->stream, read_paused);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READ_PAUSED]);
}

/**
 * gsock_tcp_client_get_high_water_mark:
 * @self: a client
 *
 * Gets [property@Gsock.TcpClient:high-water-mark].
 *
 * Returns: the high-water mark in bytes, 0 for no flow control
 */
guint64
gsock_tcp_client_get_high_water_mark (GsockTcpClient *self)
{
  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), 0);

  return stream_of (self)->high_water_mark;
}

/**
 * gsock_tcp_client_set_high_water_mark:
 * @self: a client
 * @high_water_mark: the high-water mark in bytes, 0 for no flow control
 *
 * Sets [property@Gsock.TcpClient:high-water-mark].
 */
void
gsock_tcp_client_set_high_water_mark (GsockTcpClient *self,
                                      guint64         high_water_mark)
{
  GsockStream *stream;

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));

  stream = stream_of (self);
  if (stream->high_water_mark == high_water_mark)
    return;
  _gsock_stream_set_water_marks (stream, high_water_mark, stream->low_water_mark);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HIGH_WATER_MARK]);
}

/**
 * gsock_tcp_client_get_low_water_mark:
 * @self: a client
 *
 * Gets [property@Gsock.TcpClient:low-water-mark].
 *
 * Returns: the low-water mark in bytes
 */
guint64
gsock_tcp_client_get_low_water_mark (GsockTcpClient *self)
{
  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), 0);

  return stream_of (self)->low_water_mark;
}

/**
 * gsock_tcp_client_set_low_water_mark:
 * @self: a client
 * @low_water_mark: the low-water mark in bytes
 *
 * Sets [property@Gsock.TcpClient:low-water-mark].
 */
void
gsock_tcp_client_set_low_water_mark (GsockTcpClient *self,
                                     guint64         low_water_mark)
{
  GsockStream *stream;

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));

  stream = stream_of (self);
  if (stream->low_water_mark == low_water_mark)
    return;
  _gsock_stream_set_water_marks (stream, stream->high_water_mark, low_water_mark);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOW_WATER_MARK]);
}

/**
 * gsock_tcp_client_get_write_blocked:
 * @self: a client
 *
 * Gets [property@Gsock.TcpClient:write-blocked].
 *
 * Returns: whether flow control stops reading
 */
gboolean
gsock_tcp_client_get_write_blocked (GsockTcpClient *self)
{
  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), FALSE);

  return stream_of (self)->write_blocked;
}

/**
 * gsock_tcp_client_get_drain_timeout:
 * @self: a client
 *
 * Gets [property@Gsock.TcpClient:drain-timeout].
 *
 * Returns: the drain timeout in milliseconds, 0 for none
 */
guint
gsock_tcp_client_get_drain_timeout (GsockTcpClient *self)
{
  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), 0);

  return stream_of (self)->drain_timeout;
}

/**
 * gsock_tcp_client_set_drain_timeout:
 * @self: a client
 * @drain_timeout_ms: the drain timeout in milliseconds, 0 for none
 *
 * Sets [property@Gsock.TcpClient:drain-timeout]; on an open connection the new timeout
 * counts from now.
 */
void
gsock_tcp_client_set_drain_timeout (GsockTcpClient *self,
                                    guint           drain_timeout_ms)
{
  GsockStream *stream;

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));

  stream = stream_of (self);
  if (stream->drain_timeout == drain_timeout_ms)
    return;
  _gsock_stream_set_drain_timeout (stream, drain_timeout_ms);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DRAIN_TIMEOUT]);
}

/**
 * gsock_tcp_client_shutdown_write:
 * @self: an open client
 *
 * Half-closes the connection: once what is queued is written, the writing side is shut
 * down, so the peer reads the end of the stream, while reading goes on. Sends fail with
 * `G_IO_ERROR_CLOSED` from now on; [signal@Gsock.TcpClient::disconnected] fires when the
 * peer closes its side in turn. Over TLS, the end is a `close_notify`.
 *
 * This is what a client does to say "that was all my requests" to a server that answers
 * until the end of its input (as `shutdown (fd, SHUT_WR)` does).
 */
void
gsock_tcp_client_shutdown_write (GsockTcpClient *self)
{
  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));

  _gsock_stream_shutdown_write (stream_of (self));
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

  return priv->tls.certificate;
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

  if (g_set_object (&priv->tls.certificate, certificate))
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

  return priv->tls.database;
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

  if (g_set_object (&priv->tls.database, database))
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

  return priv->stream.tls != NULL ? g_tls_connection_get_peer_certificate (priv->stream.tls)
                                   : NULL;
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

  return priv->reconnect.enabled;
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

  if (priv->reconnect.enabled == value)
    return;
  priv->reconnect.enabled = value;
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

  return priv->reconnect.delay;
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

  if (priv->reconnect.delay == value)
    return;
  priv->reconnect.delay = value;
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

  return priv->reconnect.max_delay;
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

  if (priv->reconnect.max_delay == value)
    return;
  priv->reconnect.max_delay = value;
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

  return priv->reconnect.queue_while_reconnecting;
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

  if (priv->reconnect.queue_while_reconnecting == value)
    return;
  priv->reconnect.queue_while_reconnecting = value;
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

  return priv->reconnect.attempts;
}

/* Internal API, see gsock-tcp-client-private.h */

GsockTcpClient *
_gsock_tcp_client_new_accepted (GsockEndpoint                *owner_endpoint,
                                const GsockTcpClientOwner    *owner,
                                const GsockTcpClientSettings *settings,
                                GIOStream                    *stream)
{
  GMainContext *context = _gsock_endpoint_get_context (owner_endpoint);
  GsockTcpClient *self;
  GsockTcpClientPrivate *priv;

  /* The client belongs to its owner's context, whatever is thread-default right now. */
  g_main_context_push_thread_default (context);
  self = g_object_new (GSOCK_TYPE_TCP_CLIENT, NULL);
  g_main_context_pop_thread_default (context);

  /* Directly rather than as construct properties: this runs for every connection. */
  _gsock_endpoint_inherit_settings (GSOCK_ENDPOINT (self), owner_endpoint);
  priv = gsock_tcp_client_get_instance_private (self);
  _gsock_stream_set_framer (&priv->stream, settings->framer);
  priv->stream.idle_timeout = settings->idle_timeout;
  priv->stream.drain_timeout = settings->drain_timeout;
  priv->stream.max_queued_bytes = settings->max_queued_bytes;
  priv->stream.high_water_mark = settings->high_water_mark;
  priv->stream.low_water_mark = MIN (settings->low_water_mark, settings->high_water_mark);
  priv->owner = owner;
  priv->owner_endpoint = owner_endpoint;
  priv->accepted = TRUE;
  priv->use_tls = G_IS_TLS_CONNECTION (stream);
  attach_stream (self, stream, settings->local_address);
  return self;
}

void
_gsock_tcp_client_forget_owner (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  priv->owner = NULL;
  priv->owner_endpoint = NULL;
}

void
_gsock_tcp_client_hold_input (GsockTcpClient *self,
                              gboolean        hold)
{
  _gsock_stream_hold_input (stream_of (self), hold);
}

void
_gsock_tcp_client_hold_answers (GsockTcpClient *self,
                                gboolean        hold)
{
  _gsock_stream_hold_answers (stream_of (self), hold);
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
  GsockStream *stream = stream_of (self);
  GsockEndpointClass *parent_class = GSOCK_ENDPOINT_CLASS (gsock_tcp_client_parent_class);

  if (GSOCK_ENDPOINT_GET_CLASS (endpoint)->send_bytes != gsock_tcp_client_send_bytes ||
      !stream->in_read || !_gsock_stream_is_attached (stream))
    return parent_class->send_data (endpoint, data, size, target, error);

  return check_can_send (self, size, error) &&
         _gsock_stream_send (stream, data, size, NULL, error);
}
