/* gsock-tcp-client.c: one TCP connection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-tcp-client.h"

#include "gsock-connector-private.h"
#include "gsock-debug-private.h"
#include "gsock-encoding-private.h"
#include "gsock-endpoint-private.h"
#include "gsock-error.h"
#include "gsock-line-framer.h"
#include "gsock-line-framer-private.h"
#include "gsock-message-view-private.h"
#include "gsock-reconnect-private.h"
#include "gsock-stream-private.h"
#include "gsock-tcp-client-flow-private.h"
#include "gsock-tcp-client-private.h"
#include "gsock-tcp-client-reconnect-private.h"
#include "gsock-tcp-options-private.h"
#include "gsock-tls-private.h"

/**
 * GsockTcpClient:
 *
 * One TCP connection that carries messages, cut from the byte stream by a
 * [class@Gsock.Framer] (lines by default).
 *
 * Make one with [ctor@Gsock.TcpClient.new] and open it with
 * [method@Gsock.TcpClient.open] (blocking, bounded by [property@Gsock.Endpoint:connect-timeout]) or
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
  GsockFramer *framer; /* :framer; the stream's is the one for the encoding it opened with */
  GsockTcpOptions options;
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
  PROP_TLS,
  PROP_TLS_CERTIFICATE,
  PROP_TLS_DATABASE,
  PROP_TLS_MINIMUM_VERSION,
  PROP_PEER_CERTIFICATE,
  N_PROPS,
  /* Those installed by gsock-tcp-client-flow.c and gsock-tcp-client-reconnect.c. */
  PROP_FLOW_FIRST = N_PROPS,
  PROP_RECONNECT_FIRST = PROP_FLOW_FIRST + GSOCK_TCP_CLIENT_N_FLOW_PROPS,
  /* And gsock-tcp-options.c's. */
  PROP_OPTIONS_FIRST = PROP_RECONNECT_FIRST + GSOCK_TCP_CLIENT_N_RECONNECT_PROPS,
};

enum {
  SIGNAL_DISCONNECTED,
  SIGNAL_DRAINED,
  SIGNAL_ACCEPT_CERTIFICATE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static GParamSpec *option_properties[GSOCK_TCP_N_OPTIONS];
static guint signals[N_SIGNALS];

static void set_option (GsockTcpClient *self,
                        guint           option,
                        const GValue   *value);

GsockStream *
_gsock_tcp_client_get_stream (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  return &priv->stream;
}

GsockReconnect *
_gsock_tcp_client_get_reconnect (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);

  return &priv->reconnect;
}

static gboolean stop_reconnecting (GsockTcpClient *self);
static const GsockReconnectCallbacks reconnect_callbacks;

/* What a close_async that ended with @unsent bytes still queued fails with: why it ended,
 * or that it was aborted. */
static GError *
unsent_error (gsize         unsent,
              const GError *reason)
{
  if (reason != NULL)
    return g_error_new (reason->domain, reason->code,
                        "%" G_GSIZE_FORMAT " bytes queued were not written: %s", unsent,
                        reason->message);
  return g_error_new (G_IO_ERROR, G_IO_ERROR_CLOSED,
                      "%" G_GSIZE_FORMAT " bytes queued were not written: the connection "
                      "was aborted", unsent);
}

/* Ends the connection once: releases it, reports CLOSED and emits disconnected; then, for a
 * connection lost (not closed) with reconnect set, starts getting it back, keeping the whole
 * messages that were still queued. */
static void
disconnect (GsockTcpClient *self,
            const GError   *reason)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  gboolean will_reconnect = !priv->closed_by_us && priv->reconnect.enabled && !priv->accepted;
  gboolean keep;
  gsize unsent;

  if (!_gsock_stream_is_attached (&priv->stream))
    return;

  g_object_ref (self);
  keep = will_reconnect && priv->reconnect.queue_while_reconnecting;
  unsent = priv->stream.queued_bytes;
  _gsock_stream_release (&priv->stream, keep);
  /* A close that could not write everything says so (a reconnection keeps only whole
   * messages, so it may lose the head's rest). */
  unsent -= priv->stream.queued_bytes;
  if (unsent > 0)
    _gsock_endpoint_set_close_error (GSOCK_ENDPOINT (self), unsent_error (unsent, reason));

  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    {
      g_autofree char *remote = _gsock_debug_address (priv->remote_address);

      g_debug ("The connection with %s ended: %s (%" G_GSIZE_FORMAT " bytes unsent)%s", remote,
               reason != NULL ? reason->message : "closed in order", unsent,
               will_reconnect ? "; reconnecting" : "");
    }
  _gsock_endpoint_set_closed_by (GSOCK_ENDPOINT (self), reason);
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
  GsockMessageView view;

  _gsock_message_view_init (&view, endpoint, priv->remote_address, frame->payload, frame->size,
                            frame->bytes);
  /* A server's client reports to its own listeners first, then to its owner, which keeps
   * what nobody heard. */
  if (priv->owner == NULL)
    _gsock_endpoint_deliver (endpoint, &view, TRUE);
  else if (!_gsock_endpoint_deliver (endpoint, &view, FALSE))
    priv->owner->deliver (priv->owner_endpoint, self, &view);
  _gsock_message_view_clear (&view);
}

static void
stream_read_begin (GsockEndpoint *endpoint)
{
  GsockTcpClientPrivate *priv =
    gsock_tcp_client_get_instance_private (GSOCK_TCP_CLIENT (endpoint));

  /* The counters of the client and of its owner are notified once, after the read, and who
   * listens is looked up once, before it. */
  _gsock_endpoint_read_begin (endpoint, TRUE);
  /* A connection's reads do not nest (the stream holds its input meanwhile). */
  g_assert (priv->read_owner == NULL);
  if (priv->owner_endpoint != NULL)
    {
      priv->read_owner = g_object_ref (priv->owner_endpoint);
      _gsock_endpoint_read_begin (priv->read_owner, FALSE);
    }
}

static void
stream_read_end (GsockEndpoint *endpoint)
{
  GsockTcpClientPrivate *priv =
    gsock_tcp_client_get_instance_private (GSOCK_TCP_CLIENT (endpoint));

  _gsock_endpoint_read_end (endpoint, TRUE);
  /* The owner may have forgotten this client meanwhile: the read began on it. */
  if (priv->read_owner != NULL)
    {
      _gsock_endpoint_read_end (priv->read_owner, FALSE);
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

/* Within a read, told only if the client has a handler at all. */
static void
stream_queued_changed (GsockEndpoint *endpoint)
{
  if (_gsock_endpoint_may_notify (endpoint))
    _gsock_tcp_client_flow_notify_queued_bytes (GSOCK_TCP_CLIENT (endpoint));
}

static void
stream_write_blocked_changed (GsockEndpoint *endpoint)
{
  if (_gsock_endpoint_may_notify (endpoint))
    _gsock_tcp_client_flow_notify_write_blocked (GSOCK_TCP_CLIENT (endpoint));
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

/* Has the stream cut and frame with :framer as the encoding writes it (a line framer's
 * delimiter is text). */
static void
use_framer (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  g_autoptr(GsockFramer) framer =
    _gsock_line_framer_for_encoding (priv->framer, gsock_endpoint_get_encoding (GSOCK_ENDPOINT (self)));

  if (framer != priv->stream.framer)
    _gsock_stream_set_framer (&priv->stream, framer);
}

/* The debug line of a connection that starts: who, where, and how TLS went. */
static void
debug_attached (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  g_autofree char *remote = NULL;
  g_autofree char *local = NULL;
  g_autofree char *tls = NULL;

  if (g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    return;
  remote = _gsock_debug_address (priv->remote_address);
  local = _gsock_debug_address (gsock_endpoint_get_local_address (GSOCK_ENDPOINT (self)));
  if (priv->stream.tls != NULL)
    tls = g_strdup_printf (" over TLS (%s, %s)",
                           _gsock_tls_protocol_name (
                             g_tls_connection_get_protocol_version (priv->stream.tls)),
                           g_tls_connection_get_ciphersuite_name (priv->stream.tls));
  g_debug ("%s %s on %s%s", priv->accepted ? "Accepted a connection from" : "Connected to",
           remote, local, tls != NULL ? tls : "");
}

/* Takes over an established connection: the end of open, or a server's accept. @local is
 * the local address when the caller knows it without a system call (NULL to ask);
 * @first_input what the open read of it already (or NULL). */
static void
attach_stream (GsockTcpClient *self,
               GIOStream      *stream,
               GSocketAddress *local,
               GBytes         *first_input)
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

      _gsock_tcp_options_apply (&priv->options, g_socket_connection_get_socket (connection));
      _gsock_endpoint_set_local_address (endpoint, local);
      if (g_set_object (&priv->remote_address, remote))
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMOTE_ADDRESS]);
    }

  use_framer (self);
  _gsock_stream_attach (&priv->stream, stream, first_input);
  debug_attached (self);
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
         _gsock_stream_send (_gsock_tcp_client_get_stream (self), data, size, payload, error);
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
  g_clear_object (&priv->framer);
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
      g_value_set_object (value, priv->framer);
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
    case PROP_TLS_MINIMUM_VERSION:
      g_value_set_enum (value, priv->tls.minimum_version);
      break;
    case PROP_PEER_CERTIFICATE:
      g_value_set_object (value, gsock_tcp_client_get_peer_certificate (self));
      break;
    default:
      if (prop_id >= PROP_OPTIONS_FIRST && prop_id < PROP_OPTIONS_FIRST + GSOCK_TCP_N_OPTIONS)
        _gsock_tcp_options_get (&priv->options, prop_id - PROP_OPTIONS_FIRST, value);
      else if (!_gsock_tcp_client_flow_get_property (self, prop_id, value) &&
               !_gsock_tcp_client_reconnect_get_property (&priv->reconnect, prop_id, value))
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
    case PROP_TLS:
      gsock_tcp_client_set_tls (self, g_value_get_boolean (value));
      break;
    case PROP_TLS_CERTIFICATE:
      gsock_tcp_client_set_tls_certificate (self, g_value_get_object (value));
      break;
    case PROP_TLS_DATABASE:
      gsock_tcp_client_set_tls_database (self, g_value_get_object (value));
      break;
    case PROP_TLS_MINIMUM_VERSION:
      gsock_tcp_client_set_tls_minimum_version (self, g_value_get_enum (value));
      break;
    default:
      if (prop_id >= PROP_OPTIONS_FIRST && prop_id < PROP_OPTIONS_FIRST + GSOCK_TCP_N_OPTIONS)
        set_option (self, prop_id - PROP_OPTIONS_FIRST, value);
      else if (!_gsock_tcp_client_flow_set_property (self, prop_id, value) &&
               !_gsock_tcp_client_reconnect_set_property (self, prop_id, value))
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
   * GsockTcpClient:tls:
   *
   * Whether [method@Gsock.TcpClient.open] speaks TLS over the connection.
   *
   * The server's certificate must be valid for [property@Gsock.Endpoint:host] and signed by a
   * trusted authority ([property@Gsock.TcpClient:tls-database], the system's by default);
   * otherwise [signal@Gsock.TcpClient::accept-certificate] decides, and the open fails with a
   * `G_TLS_ERROR` when nothing accepts it. Without a TLS backend the open fails with
   * `GSOCK_ERROR_TLS_UNAVAILABLE`.
   *
   * When the server asks for a client certificate
   * ([property@Gsock.TcpClient:tls-certificate]) under TLS 1.3, it judges it only after the
   * client's handshake is done: the open then waits briefly for its verdict (twice the
   * handshake's time, at least 100 ms) and fails with the server's refusal rather than
   * reporting a connection the server is closing.
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
   * GsockTcpClient:tls-minimum-version:
   *
   * The oldest TLS version [method@Gsock.TcpClient.open] accepts: TLS 1.2 by default, so a
   * server that offers only TLS 1.0 or 1.1 (whose ciphers and handshake are no longer
   * considered safe) is refused.
   *
   * The TLS backend agrees on a version first; a connection that speaks an older one is then
   * closed and the open fails with `GSOCK_ERROR_TLS_PROTOCOL_TOO_OLD`, naming both versions.
   * `G_TLS_PROTOCOL_VERSION_TLS_1_3` accepts only TLS 1.3; `G_TLS_PROTOCOL_VERSION_UNKNOWN`
   * accepts whatever the backend agrees to. A version the backend cannot name (a newer one)
   * is accepted. DTLS versions are not stream versions and cannot be set.
   *
   * Since: 1.2
   */
  properties[PROP_TLS_MINIMUM_VERSION] = _gsock_tls_minimum_version_param_new ();

  /**
   * GsockTcpClient:peer-certificate:
   *
   * The certificate the peer showed over TLS, once connected; `NULL` without TLS or when the
   * peer showed none (a client a server did not ask for one).
   */
  properties[PROP_PEER_CERTIFICATE] =
    g_param_spec_object ("peer-certificate", NULL, NULL, G_TYPE_TLS_CERTIFICATE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
  _gsock_tcp_client_flow_install_properties (object_class, PROP_FLOW_FIRST);
  _gsock_tcp_client_reconnect_install_properties (object_class, PROP_RECONNECT_FIRST);

  /**
   * GsockTcpClient:no-delay:
   *
   * Whether segments go out at once (`TCP_NODELAY`, the default: messages are written
   * whole, so waiting to coalesce them only adds latency) rather than after Nagle's
   * algorithm has gathered more.
   *
   * Since: 1.2
   */
  /**
   * GsockTcpClient:keepalive:
   *
   * Whether the system probes an idle connection (`SO_KEEPALIVE`), so a peer that vanished
   * (a machine switched off, a cable pulled) ends the connection with `G_IO_ERROR_TIMED_OUT`
   * as its [signal@Gsock.TcpClient::disconnected] reason instead of leaving it open for
   * ever. [property@Gsock.TcpClient:keepalive-idle], `-interval` and `-count` say when.
   *
   * Since: 1.2
   */
  /**
   * GsockTcpClient:keepalive-idle:
   *
   * With [property@Gsock.TcpClient:keepalive], how many seconds a connection is idle before
   * the first probe (`TCP_KEEPIDLE`); 0 leaves the system's (two hours on Linux).
   *
   * Since: 1.2
   */
  /**
   * GsockTcpClient:keepalive-interval:
   *
   * With [property@Gsock.TcpClient:keepalive], the seconds between probes (`TCP_KEEPINTVL`);
   * 0 leaves the system's.
   *
   * Since: 1.2
   */
  /**
   * GsockTcpClient:keepalive-count:
   *
   * With [property@Gsock.TcpClient:keepalive], how many unanswered probes end the connection
   * (`TCP_KEEPCNT`); 0 leaves the system's.
   *
   * Since: 1.2
   */
  _gsock_tcp_options_install_properties (object_class, PROP_OPTIONS_FIRST, option_properties);

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
  priv->framer = g_object_ref (priv->stream.framer);
  _gsock_tcp_options_init (&priv->options);
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
  g_autoptr(GBytes) first_input = NULL;
  GError *error = NULL;

  connection = _gsock_connector_connect_finish (result, &first_input, &error);
  g_clear_object (&priv->open_cancellable);
  if (connection == NULL)
    {
      GSOCK_DEBUG ("Connecting to %s:%u failed: %s",
                   gsock_endpoint_get_host (GSOCK_ENDPOINT (self)),
                   gsock_endpoint_get_port (GSOCK_ENDPOINT (self)), error->message);
      if (!priv->reconnect.active)
        _gsock_endpoint_set_state (GSOCK_ENDPOINT (self), GSOCK_STATE_CLOSED);
      g_task_return_error (task, error);
      return;
    }

  attach_stream (self, G_IO_STREAM (connection), NULL, first_input);
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
  _gsock_tcp_client_reconnect_notify_attempts (GSOCK_TCP_CLIENT (endpoint));
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
 * `G_IO_ERROR_TIMED_OUT` after [property@Gsock.Endpoint:connect-timeout] milliseconds (when
 * not 0),
 * `G_IO_ERROR_CANCELLED` when cancelled or closed meanwhile, `G_IO_ERROR_BUSY` when the
 * client is already open or opening, and `GSOCK_ERROR_UNKNOWN_ENCODING` for an
 * [property@Gsock.Endpoint:encoding] iconv does not know.
 */
void
gsock_tcp_client_open_async (GsockTcpClient     *self,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  GsockTcpClientPrivate *priv;
  GsockEndpoint *endpoint = GSOCK_ENDPOINT (self);
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  priv = gsock_tcp_client_get_instance_private (self);

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
  if ((priv->use_tls && !_gsock_tls_check_available (&error)) ||
      !_gsock_encoding_check (gsock_endpoint_get_encoding (endpoint), &error))
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

/* The options go to the connection at once when it is open, and to every connection later. */
static void
options_changed (GsockTcpClient *self,
                 guint           option)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  GSocketConnection *connection = _gsock_stream_is_attached (&priv->stream)
                                    ? _gsock_socket_connection_of (priv->stream.io)
                                    : NULL;

  if (connection != NULL)
    _gsock_tcp_options_apply (&priv->options, g_socket_connection_get_socket (connection));
  g_object_notify_by_pspec (G_OBJECT (self), option_properties[option]);
}

static void
set_option (GsockTcpClient *self,
            guint           option,
            const GValue   *value)
{
  GsockTcpClientPrivate *priv = gsock_tcp_client_get_instance_private (self);
  gboolean changed = G_VALUE_HOLDS_BOOLEAN (value)
                       ? _gsock_tcp_options_set_boolean (&priv->options, option,
                                                         g_value_get_boolean (value))
                       : _gsock_tcp_options_set_uint (&priv->options, option,
                                                      g_value_get_uint (value));

  if (changed)
    options_changed (self, option);
}

/**
 * gsock_tcp_client_get_no_delay:
 * @self: a client
 *
 * Gets [property@Gsock.TcpClient:no-delay].
 *
 * Returns: whether segments go out at once
 *
 * Since: 1.2
 */
gboolean
gsock_tcp_client_get_no_delay (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), TRUE);

  priv = gsock_tcp_client_get_instance_private (self);

  return priv->options.no_delay;
}

/**
 * gsock_tcp_client_set_no_delay:
 * @self: a client
 * @no_delay: whether segments go out at once
 *
 * Sets [property@Gsock.TcpClient:no-delay], on the open connection too.
 *
 * Since: 1.2
 */
void
gsock_tcp_client_set_no_delay (GsockTcpClient *self,
                               gboolean        no_delay)
{
  GsockTcpClientPrivate *priv;

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));

  priv = gsock_tcp_client_get_instance_private (self);

  if (_gsock_tcp_options_set_boolean (&priv->options, GSOCK_TCP_OPTION_NO_DELAY, no_delay))
    options_changed (self, GSOCK_TCP_OPTION_NO_DELAY);
}

/**
 * gsock_tcp_client_get_keepalive:
 * @self: a client
 *
 * Gets [property@Gsock.TcpClient:keepalive].
 *
 * Returns: whether the system probes an idle connection
 *
 * Since: 1.2
 */
gboolean
gsock_tcp_client_get_keepalive (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), FALSE);

  priv = gsock_tcp_client_get_instance_private (self);

  return priv->options.keepalive;
}

/**
 * gsock_tcp_client_set_keepalive:
 * @self: a client
 * @keepalive: whether the system probes an idle connection
 * @idle_s: seconds idle before the first probe, 0 for the system's
 * @interval_s: seconds between probes, 0 for the system's
 * @count: unanswered probes that end the connection, 0 for the system's
 *
 * Sets [property@Gsock.TcpClient:keepalive] and its timing
 * ([property@Gsock.TcpClient:keepalive-idle], [property@Gsock.TcpClient:keepalive-interval],
 * [property@Gsock.TcpClient:keepalive-count]), on the open connection too.
 *
 * Since: 1.2
 */
void
gsock_tcp_client_set_keepalive (GsockTcpClient *self,
                                gboolean        keepalive,
                                guint           idle_s,
                                guint           interval_s,
                                guint           count)
{
  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));

  g_object_freeze_notify (G_OBJECT (self));
  g_object_set (self, "keepalive-idle", idle_s, "keepalive-interval", interval_s,
                "keepalive-count", count, "keepalive", keepalive, NULL);
  g_object_thaw_notify (G_OBJECT (self));
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
  GsockTcpClientPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), NULL);

  priv = gsock_tcp_client_get_instance_private (self);

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
  GsockTcpClientPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), NULL);

  priv = gsock_tcp_client_get_instance_private (self);

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
  GsockTcpClientPrivate *priv;
  g_autoptr(GsockFramer) line_framer = NULL;

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));
  g_return_if_fail (framer == NULL || GSOCK_IS_FRAMER (framer));

  priv = gsock_tcp_client_get_instance_private (self);

  if (framer == NULL)
    framer = line_framer = gsock_line_framer_new (NULL);
  if (!g_set_object (&priv->framer, framer))
    return;
  use_framer (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRAMER]);
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
  GsockTcpClientPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), FALSE);

  priv = gsock_tcp_client_get_instance_private (self);

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
  GsockTcpClientPrivate *priv;

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));

  priv = gsock_tcp_client_get_instance_private (self);

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
  GsockTcpClientPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), NULL);

  priv = gsock_tcp_client_get_instance_private (self);

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
  GsockTcpClientPrivate *priv;

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));
  g_return_if_fail (certificate == NULL || G_IS_TLS_CERTIFICATE (certificate));

  priv = gsock_tcp_client_get_instance_private (self);

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
  GsockTcpClientPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), NULL);

  priv = gsock_tcp_client_get_instance_private (self);

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
  GsockTcpClientPrivate *priv;

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));
  g_return_if_fail (database == NULL || G_IS_TLS_DATABASE (database));

  priv = gsock_tcp_client_get_instance_private (self);

  if (g_set_object (&priv->tls.database, database))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_DATABASE]);
}

/**
 * gsock_tcp_client_get_tls_minimum_version:
 * @self: a client
 *
 * Gets [property@Gsock.TcpClient:tls-minimum-version].
 *
 * Returns: the oldest TLS version the client accepts
 *
 * Since: 1.2
 */
GTlsProtocolVersion
gsock_tcp_client_get_tls_minimum_version (GsockTcpClient *self)
{
  GsockTcpClientPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), G_TLS_PROTOCOL_VERSION_UNKNOWN);

  priv = gsock_tcp_client_get_instance_private (self);

  return priv->tls.minimum_version;
}

/**
 * gsock_tcp_client_set_tls_minimum_version:
 * @self: a client
 * @version: the oldest TLS version to accept, `G_TLS_PROTOCOL_VERSION_UNKNOWN` for any
 *
 * Sets [property@Gsock.TcpClient:tls-minimum-version], used by the next open.
 *
 * Since: 1.2
 */
void
gsock_tcp_client_set_tls_minimum_version (GsockTcpClient      *self,
                                          GTlsProtocolVersion  version)
{
  GsockTcpClientPrivate *priv;

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));
  g_return_if_fail (_gsock_tls_is_stream_version (version));

  priv = gsock_tcp_client_get_instance_private (self);

  if (priv->tls.minimum_version == version)
    return;
  priv->tls.minimum_version = version;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_MINIMUM_VERSION]);
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
  GsockTcpClientPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), NULL);

  priv = gsock_tcp_client_get_instance_private (self);

  return priv->stream.tls != NULL ? g_tls_connection_get_peer_certificate (priv->stream.tls)
                                   : NULL;
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
  g_set_object (&priv->framer, settings->framer);
  priv->options = settings->options;
  priv->stream.idle_timeout = settings->idle_timeout;
  priv->stream.drain_timeout = settings->drain_timeout;
  priv->stream.max_queued_bytes = settings->max_queued_bytes;
  _gsock_stream_set_water_marks (&priv->stream, settings->high_water_mark,
                                 settings->low_water_mark);
  priv->owner = owner;
  priv->owner_endpoint = owner_endpoint;
  priv->accepted = TRUE;
  priv->use_tls = G_IS_TLS_CONNECTION (stream);
  attach_stream (self, stream, settings->local_address, NULL);
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
  _gsock_stream_hold_input (_gsock_tcp_client_get_stream (self), hold);
}

void
_gsock_tcp_client_hold_answers (GsockTcpClient *self,
                                gboolean        hold)
{
  _gsock_stream_hold_answers (_gsock_tcp_client_get_stream (self), hold);
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
  GsockStream *stream = _gsock_tcp_client_get_stream (self);
  GsockEndpointClass *parent_class = GSOCK_ENDPOINT_CLASS (gsock_tcp_client_parent_class);

  if (GSOCK_ENDPOINT_GET_CLASS (endpoint)->send_bytes != gsock_tcp_client_send_bytes ||
      !stream->in_read || !_gsock_stream_is_attached (stream))
    return parent_class->send_data (endpoint, data, size, target, error);

  return check_can_send (self, size, error) &&
         _gsock_stream_send (stream, data, size, NULL, error);
}
