/* gsock-endpoint.c: the abstract base of every gsock socket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-endpoint.h"

#include "gsock-encoding-private.h"
#include "gsock-endpoint-delivery-private.h"
#include "gsock-endpoint-lifecycle-private.h"
#include "gsock-endpoint-private.h"
#include "gsock-endpoint-send-private.h"
#include "gsock-enum-types.h"
#include "gsock-error.h"
#include "gsock-message-private.h"

/**
 * GsockEndpoint:
 *
 * The abstract base of every gsock socket: it holds the address, the text encoding and the
 * limits, and delivers each received message.
 *
 * An endpoint is a socket together with the address it binds or connects to and the
 * character set its text travels in.
 * [class@Gsock.UdpEndpoint], [class@Gsock.TcpClient] and [class@Gsock.TcpServer] derive from
 * it and implement its virtual methods `send_bytes`, `close` and `open_async`; the last one
 * lets generic code (and [property@Gsock.Endpoint:active], and so a GtkBuilder file) open any
 * kind of endpoint.
 *
 * Messages arrive on the thread-default [struct@GLib.MainContext] that was current when the
 * endpoint was made, through [signal@Gsock.Endpoint::message-received]; a subclass can
 * override [vfunc@Gsock.Endpoint.message_received] instead of connecting to the signal. The
 * blocking [method@Gsock.Endpoint.receive] and the asynchronous
 * [method@Gsock.Endpoint.receive_async] take the next message instead, for code written in
 * the request-and-answer style of blocking sockets.
 *
 * Text is converted to and from [property@Gsock.Endpoint:encoding]; raw bytes go through
 * [method@Gsock.Endpoint.send_bytes] and [method@Gsock.Message.get_bytes].
 *
 * ```c
 * static void
 * on_message (GsockEndpoint *endpoint, GsockMessage *message, gpointer user_data)
 * {
 *   g_autoptr(GError) error = NULL;
 *   const char *text = gsock_message_get_text (message, &error);
 *
 *   if (text != NULL)
 *     gsock_message_reply (message, text, NULL);
 * }
 * ```
 */

typedef struct
{
  char *host;
  char *encoding;
  GSocketAddress *address;
  GSocketAddress *local_address;
  GMainContext *context;
  gsize max_message_size;
  guint connect_timeout;
  guint receive_timeout;
  guint16 port;
  GsockState state;
  gboolean was_open; /* it has been open: receiving now fails with CLOSED, not NOT_CONNECTED */
  guint closes;      /* how many times it moved to CLOSED: ends an open that was resolving */

  guint64 bytes_sent;
  guint64 bytes_received;
  guint64 messages_sent;
  guint64 messages_received;

  GError *last_error;
  GError *close_error;      /* what the close now ending lost, for close_async */
  GsockLifecycle lifecycle; /* an open asked for through :active, and close_async's waiters */

  GsockDelivery delivery; /* pending receives, the message handler and the inbox */
  GsockEndpoint *previous_reader; /* this thread's reader before this one's read began */
  gboolean read_unheard;    /* it had no signal handler at all when its read began */
  guint counters_held;      /* while > 0, the counters' notifications wait */
  guint counters_changed;   /* 1 << property id of each counter changed while held */
  GsockHandover handover; /* sends from other threads on their way to the owner */
  GThread *home;            /* the thread that made it: its sends outside the loop go at once */
} GsockEndpointPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (GsockEndpoint, gsock_endpoint, G_TYPE_OBJECT)

/* The port of an internet address; 0 for none or any other kind. */
static guint16
port_of (GSocketAddress *address)
{
  return G_IS_INET_SOCKET_ADDRESS (address) ?
    g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)) : 0;
}

enum {
  PROP_0,
  PROP_HOST,
  PROP_PORT,
  PROP_ENCODING,
  PROP_MAX_MESSAGE_SIZE,
  PROP_TIMEOUT,
  PROP_CONNECT_TIMEOUT,
  PROP_RECEIVE_TIMEOUT,
  PROP_ADDRESS,
  PROP_LOCAL_ADDRESS,
  PROP_LOCAL_PORT,
  PROP_STATE,
  PROP_ACTIVE,
  PROP_LAST_ERROR,
  PROP_BYTES_SENT,
  PROP_BYTES_RECEIVED,
  PROP_MESSAGES_SENT,
  PROP_MESSAGES_RECEIVED,
  N_PROPS
};

/* message-received is gsock-endpoint-delivery.c's. */
enum {
  SIGNAL_ERROR,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];
static guint notify_signal; /* GObject's */

static void
gsock_endpoint_dispose (GObject *object)
{
  GsockEndpoint *self = GSOCK_ENDPOINT (object);
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED,
                                                 "The endpoint was destroyed");

  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  _gsock_delivery_fail_all (&priv->delivery, error);
  _gsock_lifecycle_clear (&priv->lifecycle);
  _gsock_delivery_drop_inbox (&priv->delivery);
  _gsock_delivery_clear_handler (&priv->delivery);

  G_OBJECT_CLASS (gsock_endpoint_parent_class)->dispose (object);
}

static void
gsock_endpoint_finalize (GObject *object)
{
  GsockEndpoint *self = GSOCK_ENDPOINT (object);
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  g_free (priv->host);
  g_free (priv->encoding);
  g_clear_object (&priv->address);
  g_clear_object (&priv->local_address);
  g_clear_error (&priv->last_error);
  g_clear_error (&priv->close_error);
  g_main_context_unref (priv->context);

  G_OBJECT_CLASS (gsock_endpoint_parent_class)->finalize (object);
}

static void
gsock_endpoint_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  GsockEndpoint *self = GSOCK_ENDPOINT (object);
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_HOST:
      g_value_set_string (value, priv->host);
      break;
    case PROP_PORT:
      g_value_set_uint (value, priv->port);
      break;
    case PROP_ENCODING:
      g_value_set_string (value, priv->encoding);
      break;
    case PROP_MAX_MESSAGE_SIZE:
      g_value_set_uint64 (value, priv->max_message_size);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, gsock_endpoint_get_timeout (self));
      break;
    case PROP_CONNECT_TIMEOUT:
      g_value_set_uint (value, priv->connect_timeout);
      break;
    case PROP_RECEIVE_TIMEOUT:
      g_value_set_uint (value, priv->receive_timeout);
      break;
    case PROP_ADDRESS:
      g_value_set_object (value, priv->address);
      break;
    case PROP_LOCAL_ADDRESS:
      g_value_set_object (value, priv->local_address);
      break;
    case PROP_LOCAL_PORT:
      g_value_set_uint (value, gsock_endpoint_get_local_port (self));
      break;
    case PROP_STATE:
      g_value_set_enum (value, priv->state);
      break;
    case PROP_ACTIVE:
      g_value_set_boolean (value, gsock_endpoint_get_active (self));
      break;
    case PROP_LAST_ERROR:
      g_value_set_boxed (value, priv->last_error);
      break;
    case PROP_BYTES_SENT:
      g_value_set_uint64 (value, priv->bytes_sent);
      break;
    case PROP_BYTES_RECEIVED:
      g_value_set_uint64 (value, priv->bytes_received);
      break;
    case PROP_MESSAGES_SENT:
      g_value_set_uint64 (value, priv->messages_sent);
      break;
    case PROP_MESSAGES_RECEIVED:
      g_value_set_uint64 (value, priv->messages_received);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gsock_endpoint_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  GsockEndpoint *self = GSOCK_ENDPOINT (object);

  switch (prop_id)
    {
    case PROP_HOST:
      gsock_endpoint_set_host (self, g_value_get_string (value));
      break;
    case PROP_PORT:
      gsock_endpoint_set_port (self, (guint16) g_value_get_uint (value));
      break;
    case PROP_ENCODING:
      gsock_endpoint_set_encoding (self, g_value_get_string (value));
      break;
    case PROP_MAX_MESSAGE_SIZE:
      gsock_endpoint_set_max_message_size (self, g_value_get_uint64 (value));
      break;
    case PROP_TIMEOUT:
      gsock_endpoint_set_timeout (self, g_value_get_uint (value));
      break;
    case PROP_CONNECT_TIMEOUT:
      gsock_endpoint_set_connect_timeout (self, g_value_get_uint (value));
      break;
    case PROP_RECEIVE_TIMEOUT:
      gsock_endpoint_set_receive_timeout (self, g_value_get_uint (value));
      break;
    case PROP_ADDRESS:
      gsock_endpoint_set_address (self, g_value_get_object (value));
      break;
    case PROP_ACTIVE:
      gsock_endpoint_set_active (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
gsock_endpoint_real_open_finish (GsockEndpoint *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The default send_data: the bytes copied into a GBytes, sent as by send_bytes. It runs in
 * one of the endpoint's own dispatches, so the send need not be handed to another thread. */
static gboolean
gsock_endpoint_real_send_data (GsockEndpoint  *self,
                               const guint8   *data,
                               gsize           size,
                               GSocketAddress *target,
                               GError        **error)
{
  g_autoptr(GBytes) payload = g_bytes_new (data, size);

  return GSOCK_ENDPOINT_GET_CLASS (self)->send_bytes (self, payload, target, error);
}

static void
gsock_endpoint_class_init (GsockEndpointClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  klass->send_data = gsock_endpoint_real_send_data;
  notify_signal = g_signal_lookup ("notify", G_TYPE_OBJECT);
  klass->open_finish = gsock_endpoint_real_open_finish;

  object_class->dispose = gsock_endpoint_dispose;
  object_class->finalize = gsock_endpoint_finalize;
  object_class->get_property = gsock_endpoint_get_property;
  object_class->set_property = gsock_endpoint_set_property;

  /**
   * GsockEndpoint:host:
   *
   * The host name or address literal to bind, listen on or connect to.
   *
   * A name is resolved when the endpoint opens. A server listens on every address the name
   * resolves to (`localhost` may be both `127.0.0.1` and `::1`), on one port, and
   * [property@Gsock.Endpoint:local-address] is the first of them; a datagram endpoint binds
   * the first, and a client tries them in turn. `NULL` sets the default, `127.0.0.1`.
   */
  properties[PROP_HOST] =
    g_param_spec_string ("host", NULL, NULL, "127.0.0.1",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockEndpoint:port:
   *
   * The port to bind, listen on or connect to; 0 asks the system for a free one when
   * binding or listening (read the chosen one from [property@Gsock.Endpoint:local-port]).
   * A value beyond 65535 is refused, never wrapped: GObject keeps the port and warns, and
   * bindings raise an error from the methods that take a port.
   */
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 8080,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockEndpoint:encoding:
   *
   * The character set text travels in on the wire: any name iconv knows, such as `UTF-8`,
   * `GBK` or `ISO-8859-1`.
   *
   * An unknown name fails the open (bind, listen or connect) with
   * `GSOCK_ERROR_UNKNOWN_ENCODING`; an open endpoint keeps its encoding when given one and
   * reports the error through [signal@Gsock.Endpoint::error]. `NULL` sets the default, `UTF-8`.
   */
  properties[PROP_ENCODING] =
    g_param_spec_string ("encoding", NULL, NULL, "UTF-8",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockEndpoint:max-message-size:
   *
   * The largest message, in bytes, that is sent or accepted.
   *
   * Defaults to 1 MiB for stream endpoints and to 65,507 bytes (the largest UDP payload) for
   * [class@Gsock.UdpEndpoint]. A peer that sends more gets its connection closed with
   * `GSOCK_ERROR_MESSAGE_TOO_LARGE`; nothing of the claimed size is ever allocated.
   */
  properties[PROP_MAX_MESSAGE_SIZE] =
    g_param_spec_uint64 ("max-message-size", NULL, NULL, 1, G_MAXSIZE,
                         GSOCK_STREAM_MAX_MESSAGE_SIZE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockEndpoint:timeout:
   *
   * The shorthand for both [property@Gsock.Endpoint:connect-timeout] and
   * [property@Gsock.Endpoint:receive-timeout]: setting it sets them both; it reads the longer
   * of the two, the most any blocking call waits. 0 waits for ever.
   */
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockEndpoint:connect-timeout:
   *
   * How long, in milliseconds, a connection attempt (a client's open, TLS handshake included,
   * and a server's TLS handshake with a new client when it has no
   * [property@Gsock.TcpServer:idle-timeout]) may take before it fails with
   * `G_IO_ERROR_TIMED_OUT`; 0 waits for ever.
   *
   * Since: 1.2
   */
  properties[PROP_CONNECT_TIMEOUT] =
    g_param_spec_uint ("connect-timeout", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockEndpoint:receive-timeout:
   *
   * How long, in milliseconds, a receive ([method@Gsock.Endpoint.receive] and its kin) waits
   * for a message before it fails with `G_IO_ERROR_TIMED_OUT`; 0 waits for ever.
   *
   * Since: 1.2
   */
  properties[PROP_RECEIVE_TIMEOUT] =
    g_param_spec_uint ("receive-timeout", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockEndpoint:address:
   *
   * An address to bind, listen on or connect to instead of [property@Gsock.Endpoint:host]
   * and [property@Gsock.Endpoint:port]: an IPv4 or IPv6 [class@Gio.InetSocketAddress], or a
   * [class@Gio.UnixSocketAddress] for a Unix domain socket (stream for the TCP classes,
   * datagram for [class@Gsock.UdpEndpoint]). `NULL`, the default, uses host and port.
   *
   * A Unix socket path must not exist when binding; remove a stale one first.
   */
  properties[PROP_ADDRESS] =
    g_param_spec_object ("address", NULL, NULL, G_TYPE_SOCKET_ADDRESS,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockEndpoint:local-address:
   *
   * The address the endpoint is bound to, set once it is bound, listening or connected, with
   * the real port when 0 was asked for; `NULL` before, and again once a datagram endpoint or
   * a server is closed.
   */
  properties[PROP_LOCAL_ADDRESS] =
    g_param_spec_object ("local-address", NULL, NULL, G_TYPE_SOCKET_ADDRESS,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockEndpoint:local-port:
   *
   * The port of [property@Gsock.Endpoint:local-address]: the one really bound when
   * [property@Gsock.Endpoint:port] is 0, for a client of a server started on a free port.
   * 0 when not bound or bound to a Unix socket. [property@Gsock.Endpoint:port] keeps what
   * was asked for, so a server listening again on port 0 gets a fresh port.
   *
   * Since: 1.2
   */
  properties[PROP_LOCAL_PORT] =
    g_param_spec_uint ("local-port", NULL, NULL, 0, G_MAXUINT16, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockEndpoint:state:
   *
   * Where the endpoint is in its life: closed, opening, open or closing.
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, GSOCK_TYPE_STATE, GSOCK_STATE_CLOSED,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockEndpoint:active:
   *
   * Whether the endpoint is open or opening; setting it opens or closes it.
   *
   * Setting it to `TRUE` runs [method@Gsock.Endpoint.open_async] from the main context
   * (so every property set in the same [ctor@GObject.Object.new] or GtkBuilder object is in
   * place first); a failure is reported through [signal@Gsock.Endpoint::error] and
   * [property@Gsock.Endpoint:last-error]. Setting it to `FALSE` is
   * [method@Gsock.Endpoint.close]. This is what makes an endpoint declarable in a `.ui` file.
   */
  properties[PROP_ACTIVE] =
    g_param_spec_boolean ("active", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockEndpoint:last-error:
   *
   * The last error reported through [signal@Gsock.Endpoint::error], or `NULL`.
   */
  properties[PROP_LAST_ERROR] =
    g_param_spec_boxed ("last-error", NULL, NULL, G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockEndpoint:bytes-sent:
   *
   * How many bytes the endpoint has written to the network, framing included.
   *
   * Changes made while one read is handled are notified once, when it has been.
   */
  properties[PROP_BYTES_SENT] =
    g_param_spec_uint64 ("bytes-sent", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockEndpoint:bytes-received:
   *
   * How many bytes the endpoint has read from the network, framing included.
   *
   * Changes made while one read is handled are notified once, when it has been.
   */
  properties[PROP_BYTES_RECEIVED] =
    g_param_spec_uint64 ("bytes-received", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockEndpoint:messages-sent:
   *
   * How many messages [method@Gsock.Endpoint.send_bytes] has accepted.
   *
   * Changes made while one read is handled are notified once, when it has been.
   */
  properties[PROP_MESSAGES_SENT] =
    g_param_spec_uint64 ("messages-sent", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockEndpoint:messages-received:
   *
   * How many messages the endpoint has received.
   *
   * Changes made while one read is handled are notified once, when it has been.
   */
  properties[PROP_MESSAGES_RECEIVED] =
    g_param_spec_uint64 ("messages-received", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  _gsock_delivery_class_init (klass);

  /**
   * GsockEndpoint::error:
   * @self: the endpoint
   * @error: what went wrong
   *
   * Emitted for a problem that does not end the endpoint, such as a datagram larger than
   * [property@Gsock.Endpoint:max-message-size], when no receive is pending to take it, and
   * when an open asked for through [property@Gsock.Endpoint:active] fails.
   *
   * Problems that end a connection are reported by
   * [signal@Gsock.TcpClient::disconnected] instead.
   */
  signals[SIGNAL_ERROR] =
    g_signal_new ("error",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  g_cclosure_marshal_VOID__BOXED,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
  g_signal_set_va_marshaller (signals[SIGNAL_ERROR], G_TYPE_FROM_CLASS (klass),
                              g_cclosure_marshal_VOID__BOXEDv);
}

static void
gsock_endpoint_init (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  priv->host = g_strdup ("127.0.0.1");
  priv->port = 8080;
  priv->encoding = g_strdup ("UTF-8");
  priv->max_message_size = GSOCK_STREAM_MAX_MESSAGE_SIZE;
  priv->state = GSOCK_STATE_CLOSED;
  priv->context = g_main_context_ref_thread_default ();
  priv->home = g_thread_self ();
  _gsock_delivery_init (&priv->delivery);
  _gsock_lifecycle_init (&priv->lifecycle);
}

/* Replaces *@dest by a copy of @src; TRUE when it changed. */
static gboolean
set_string (char       **dest,
            const char  *src)
{
  if (g_strcmp0 (*dest, src) == 0)
    return FALSE;
  g_free (*dest);
  *dest = g_strdup (src);
  return TRUE;
}

/**
 * gsock_endpoint_get_host:
 * @self: an endpoint
 *
 * Gets [property@Gsock.Endpoint:host].
 *
 * Returns: the host name or address literal
 */
const char *
gsock_endpoint_get_host (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), NULL);

  priv = gsock_endpoint_get_instance_private (self);

  return priv->host;
}

/**
 * gsock_endpoint_set_host:
 * @self: an endpoint
 * @host: (nullable): a host name or address literal; `NULL` for `127.0.0.1`
 *
 * Sets [property@Gsock.Endpoint:host]; it takes effect at the next bind, listen or open.
 */
void
gsock_endpoint_set_host (GsockEndpoint *self,
                         const char    *host)
{
  GsockEndpointPrivate *priv;

  g_return_if_fail (GSOCK_IS_ENDPOINT (self));

  priv = gsock_endpoint_get_instance_private (self);

  if (set_string (&priv->host, host != NULL ? host : "127.0.0.1"))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HOST]);
}

/**
 * gsock_endpoint_get_port:
 * @self: an endpoint
 *
 * Gets [property@Gsock.Endpoint:port], the port asked for; the port in use is
 * [property@Gsock.Endpoint:local-port].
 *
 * Returns: the port
 */
guint16
gsock_endpoint_get_port (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), 0);

  priv = gsock_endpoint_get_instance_private (self);

  return priv->port;
}

/**
 * gsock_endpoint_set_port:
 * @self: an endpoint
 * @port: a port, or 0 for any free one
 *
 * Sets [property@Gsock.Endpoint:port]; it takes effect at the next bind, listen or open.
 */
void
gsock_endpoint_set_port (GsockEndpoint *self,
                         guint16        port)
{
  GsockEndpointPrivate *priv;

  g_return_if_fail (GSOCK_IS_ENDPOINT (self));

  priv = gsock_endpoint_get_instance_private (self);

  if (priv->port == port)
    return;
  priv->port = port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
}

/**
 * gsock_endpoint_get_encoding:
 * @self: an endpoint
 *
 * Gets [property@Gsock.Endpoint:encoding].
 *
 * Returns: the character set name
 */
const char *
gsock_endpoint_get_encoding (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), NULL);

  priv = gsock_endpoint_get_instance_private (self);

  return priv->encoding;
}

/**
 * gsock_endpoint_set_encoding:
 * @self: an endpoint
 * @encoding: (nullable): a character set name iconv knows; `NULL` for `UTF-8`
 *
 * Sets [property@Gsock.Endpoint:encoding], used from the next send or decoded message on.
 * On an endpoint that is not closed, an unknown name is not taken: the endpoint reports
 * `GSOCK_ERROR_UNKNOWN_ENCODING` through [signal@Gsock.Endpoint::error] and keeps its
 * encoding.
 */
void
gsock_endpoint_set_encoding (GsockEndpoint *self,
                             const char    *encoding)
{
  GsockEndpointPrivate *priv;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (GSOCK_IS_ENDPOINT (self));

  priv = gsock_endpoint_get_instance_private (self);

  if (encoding == NULL)
    encoding = "UTF-8";
  if (priv->state != GSOCK_STATE_CLOSED && !_gsock_encoding_check (encoding, &error))
    {
      _gsock_endpoint_report_error (self, error);
      return;
    }
  if (set_string (&priv->encoding, encoding))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENCODING]);
}

/**
 * gsock_endpoint_get_max_message_size:
 * @self: an endpoint
 *
 * Gets [property@Gsock.Endpoint:max-message-size].
 *
 * Returns: the largest message size, in bytes
 */
gsize
gsock_endpoint_get_max_message_size (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), 0);

  priv = gsock_endpoint_get_instance_private (self);

  return priv->max_message_size;
}

/**
 * gsock_endpoint_set_max_message_size:
 * @self: an endpoint
 * @max_message_size: the largest message, in bytes, at least 1
 *
 * Sets [property@Gsock.Endpoint:max-message-size].
 */
void
gsock_endpoint_set_max_message_size (GsockEndpoint *self,
                                     gsize          max_message_size)
{
  GsockEndpointPrivate *priv;

  g_return_if_fail (GSOCK_IS_ENDPOINT (self));
  g_return_if_fail (max_message_size > 0);

  priv = gsock_endpoint_get_instance_private (self);

  if (priv->max_message_size == max_message_size)
    return;
  priv->max_message_size = max_message_size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_MESSAGE_SIZE]);
}

/**
 * gsock_endpoint_get_timeout:
 * @self: an endpoint
 *
 * Gets [property@Gsock.Endpoint:timeout]: the longer of the connect and receive timeouts.
 *
 * Returns: the timeout in milliseconds, 0 for none
 */
guint
gsock_endpoint_get_timeout (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), 0);

  priv = gsock_endpoint_get_instance_private (self);

  if (priv->connect_timeout == 0 || priv->receive_timeout == 0)
    return 0;
  return MAX (priv->connect_timeout, priv->receive_timeout);
}

/* Sets the two timeouts, notifying what changed (:timeout too). */
static void
set_timeouts (GsockEndpoint *self,
              guint          connect_timeout,
              guint          receive_timeout)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);
  guint before = gsock_endpoint_get_timeout (self);
  GObject *object = G_OBJECT (self);

  g_object_freeze_notify (object);
  if (priv->connect_timeout != connect_timeout)
    {
      priv->connect_timeout = connect_timeout;
      g_object_notify_by_pspec (object, properties[PROP_CONNECT_TIMEOUT]);
    }
  if (priv->receive_timeout != receive_timeout)
    {
      priv->receive_timeout = receive_timeout;
      g_object_notify_by_pspec (object, properties[PROP_RECEIVE_TIMEOUT]);
    }
  if (gsock_endpoint_get_timeout (self) != before)
    g_object_notify_by_pspec (object, properties[PROP_TIMEOUT]);
  g_object_thaw_notify (object);
}

/**
 * gsock_endpoint_set_timeout:
 * @self: an endpoint
 * @timeout_ms: the timeout in milliseconds, 0 for none
 *
 * Sets [property@Gsock.Endpoint:timeout]: both the connect and the receive timeout, used by
 * the connection attempts and receives that start afterwards.
 */
void
gsock_endpoint_set_timeout (GsockEndpoint *self,
                            guint          timeout_ms)
{
  g_return_if_fail (GSOCK_IS_ENDPOINT (self));

  set_timeouts (self, timeout_ms, timeout_ms);
}

/**
 * gsock_endpoint_get_connect_timeout:
 * @self: an endpoint
 *
 * Gets [property@Gsock.Endpoint:connect-timeout].
 *
 * Returns: the timeout in milliseconds, 0 for none
 *
 * Since: 1.2
 */
guint
gsock_endpoint_get_connect_timeout (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), 0);

  priv = gsock_endpoint_get_instance_private (self);

  return priv->connect_timeout;
}

/**
 * gsock_endpoint_set_connect_timeout:
 * @self: an endpoint
 * @timeout_ms: the timeout in milliseconds, 0 for none
 *
 * Sets [property@Gsock.Endpoint:connect-timeout], used by the connection attempts that start
 * afterwards.
 *
 * Since: 1.2
 */
void
gsock_endpoint_set_connect_timeout (GsockEndpoint *self,
                                    guint          timeout_ms)
{
  GsockEndpointPrivate *priv;

  g_return_if_fail (GSOCK_IS_ENDPOINT (self));

  priv = gsock_endpoint_get_instance_private (self);

  set_timeouts (self, timeout_ms, priv->receive_timeout);
}

/**
 * gsock_endpoint_get_receive_timeout:
 * @self: an endpoint
 *
 * Gets [property@Gsock.Endpoint:receive-timeout].
 *
 * Returns: the timeout in milliseconds, 0 for none
 *
 * Since: 1.2
 */
guint
gsock_endpoint_get_receive_timeout (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), 0);

  priv = gsock_endpoint_get_instance_private (self);

  return priv->receive_timeout;
}

/**
 * gsock_endpoint_set_receive_timeout:
 * @self: an endpoint
 * @timeout_ms: the timeout in milliseconds, 0 for none
 *
 * Sets [property@Gsock.Endpoint:receive-timeout], used by the receives that start afterwards.
 *
 * Since: 1.2
 */
void
gsock_endpoint_set_receive_timeout (GsockEndpoint *self,
                                    guint          timeout_ms)
{
  GsockEndpointPrivate *priv;

  g_return_if_fail (GSOCK_IS_ENDPOINT (self));

  priv = gsock_endpoint_get_instance_private (self);

  set_timeouts (self, priv->connect_timeout, timeout_ms);
}

/**
 * gsock_endpoint_get_address:
 * @self: an endpoint
 *
 * Gets [property@Gsock.Endpoint:address].
 *
 * Returns: (transfer none) (nullable): the address used instead of host and port, or `NULL`
 */
GSocketAddress *
gsock_endpoint_get_address (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), NULL);

  priv = gsock_endpoint_get_instance_private (self);

  return priv->address;
}

/**
 * gsock_endpoint_set_address:
 * @self: an endpoint
 * @address: (nullable): the address to use instead of host and port, or `NULL`
 *
 * Sets [property@Gsock.Endpoint:address]; it takes effect at the next bind, listen or open.
 */
void
gsock_endpoint_set_address (GsockEndpoint  *self,
                            GSocketAddress *address)
{
  GsockEndpointPrivate *priv;

  g_return_if_fail (GSOCK_IS_ENDPOINT (self));
  g_return_if_fail (address == NULL || G_IS_SOCKET_ADDRESS (address));

  priv = gsock_endpoint_get_instance_private (self);

  if (g_set_object (&priv->address, address))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ADDRESS]);
}

/**
 * gsock_endpoint_get_local_address:
 * @self: an endpoint
 *
 * Gets [property@Gsock.Endpoint:local-address].
 *
 * Returns: (transfer none) (nullable): the bound address, or `NULL` when not bound
 */
GSocketAddress *
gsock_endpoint_get_local_address (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), NULL);

  priv = gsock_endpoint_get_instance_private (self);

  return priv->local_address;
}

/**
 * gsock_endpoint_get_local_port:
 * @self: an endpoint
 *
 * Gets [property@Gsock.Endpoint:local-port].
 *
 * Returns: the bound port, or 0 when not bound to an internet address
 *
 * Since: 1.2
 */
guint16
gsock_endpoint_get_local_port (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), 0);

  priv = gsock_endpoint_get_instance_private (self);

  return port_of (priv->local_address);
}

/**
 * gsock_endpoint_get_state:
 * @self: an endpoint
 *
 * Gets [property@Gsock.Endpoint:state].
 *
 * Returns: the state
 */
GsockState
gsock_endpoint_get_state (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), GSOCK_STATE_CLOSED);

  priv = gsock_endpoint_get_instance_private (self);

  return priv->state;
}

/**
 * gsock_endpoint_get_bytes_sent:
 * @self: an endpoint
 *
 * Gets [property@Gsock.Endpoint:bytes-sent].
 *
 * Returns: the number of bytes written
 */
guint64
gsock_endpoint_get_bytes_sent (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), 0);

  priv = gsock_endpoint_get_instance_private (self);

  return priv->bytes_sent;
}

/**
 * gsock_endpoint_get_bytes_received:
 * @self: an endpoint
 *
 * Gets [property@Gsock.Endpoint:bytes-received].
 *
 * Returns: the number of bytes read
 */
guint64
gsock_endpoint_get_bytes_received (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), 0);

  priv = gsock_endpoint_get_instance_private (self);

  return priv->bytes_received;
}

/**
 * gsock_endpoint_get_messages_sent:
 * @self: an endpoint
 *
 * Gets [property@Gsock.Endpoint:messages-sent].
 *
 * Returns: the number of messages accepted for sending
 */
guint64
gsock_endpoint_get_messages_sent (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), 0);

  priv = gsock_endpoint_get_instance_private (self);

  return priv->messages_sent;
}

/**
 * gsock_endpoint_get_messages_received:
 * @self: an endpoint
 *
 * Gets [property@Gsock.Endpoint:messages-received].
 *
 * Returns: the number of messages received
 */
guint64
gsock_endpoint_get_messages_received (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), 0);

  priv = gsock_endpoint_get_instance_private (self);

  return priv->messages_received;
}

/* Keeps the error for :last-error and tells the application. */
void
_gsock_endpoint_report_error (GsockEndpoint *self,
                              const GError  *error)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  g_clear_error (&priv->last_error);
  priv->last_error = g_error_copy (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ERROR]);
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, error);
}

/**
 * gsock_endpoint_get_last_error:
 * @self: an endpoint
 *
 * Gets [property@Gsock.Endpoint:last-error].
 *
 * Returns: (transfer none) (nullable): the last error reported, or `NULL`
 */
const GError *
gsock_endpoint_get_last_error (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), NULL);

  priv = gsock_endpoint_get_instance_private (self);

  return priv->last_error;
}

gboolean
_gsock_endpoint_check_message_size (GsockEndpoint *self,
                                    gsize          size,
                                    GError       **error)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  if (size <= priv->max_message_size)
    return TRUE;
  g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE,
               "Message of %" G_GSIZE_FORMAT " bytes is larger than the limit of %"
               G_GSIZE_FORMAT " bytes", size, priv->max_message_size);
  return FALSE;
}

/* Whether this thread is dispatching one of the sources of the endpoint's context (a reply
 * from a handler, most often), and so owns it: cheaper to learn than acquiring it. */
static gboolean
in_own_dispatch (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);
  GSource *current = g_main_current_source ();

  return current != NULL && g_source_get_context (current) == priv->context;
}

/* Notifies a change of one of the four counters, or notes it while they are held. */
static void
notify_counter (GsockEndpoint *self,
                guint          prop_id)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  if (priv->counters_held > 0)
    priv->counters_changed |= 1u << prop_id;
  else
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
count_sent (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  priv->messages_sent++;
  notify_counter (self, PROP_MESSAGES_SENT);
}

/* count_sent() for gsock-endpoint-send.c; the message path in gsock_endpoint_send_data() inlines it. */
void
_gsock_endpoint_count_sent (GsockEndpoint *self)
{
  count_sent (self);
}

/**
 * gsock_endpoint_send_data: (virtual send_data)
 * @self: an endpoint
 * @data: (array length=size) (element-type guint8): the bytes of the message
 * @size: the length of @data
 * @target: (nullable): where to send it, as for [method@Gsock.Endpoint.send]
 *
 * Sends the @size bytes at @data as one message, without any conversion, as
 * [method@Gsock.Endpoint.send_bytes] does; @data may be freed once this returns.
 *
 * Sent from one of the endpoint's own dispatches (a handler of its messages, say), the bytes
 * go to the class's [vfunc@Gsock.Endpoint.send_data]: a datagram goes out at once and an
 * answer to a connection's message is framed straight into what that connection writes at
 * the end of its read, without a [struct@GLib.Bytes]. Elsewhere (or when they must wait) the
 * bytes are copied into one and sent as by [method@Gsock.Endpoint.send_bytes], so for bytes
 * already held in a [struct@GLib.Bytes], [method@Gsock.Endpoint.send_bytes] saves that copy.
 *
 * Returns: `TRUE` if the message was accepted; `FALSE` with @error set otherwise, as
 *   [method@Gsock.Endpoint.send_bytes]
 */
gboolean
gsock_endpoint_send_data (GsockEndpoint  *self,
                          const guint8   *data,
                          gsize           size,
                          GSocketAddress *target,
                          GError        **error)
{
  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), FALSE);
  g_return_val_if_fail (data != NULL || size == 0, FALSE);
  g_return_val_if_fail (target == NULL || G_IS_SOCKET_ADDRESS (target), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return _gsock_endpoint_send_data (self, data, size, target, error);
}

/* The endpoint whose socket this thread is reading now, innermost first: its sends go
 * straight to its class's send_data. */
static _Thread_local GsockEndpoint *current_reader
  __attribute__ ((tls_model ("initial-exec")));

gboolean
_gsock_endpoint_send_may_skip_handover (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  return g_atomic_int_get (&priv->handover.pending) == 0 &&
         (self == current_reader || in_own_dispatch (self));
}

gboolean
_gsock_endpoint_send_data (GsockEndpoint  *self,
                           const guint8   *data,
                           gsize           size,
                           GSocketAddress *target,
                           GError        **error)
{
  g_autoptr(GBytes) payload = NULL;

  if (!_gsock_endpoint_check_message_size (self, size, error))
    return FALSE;
  /* Inside one of its reads, or another dispatch of its own context, the endpoint's class
   * sends the bytes as it can (a connection frames them into its read's batch; a datagram
   * goes out from them); behind sends still on their way, they follow them. */
  if (_gsock_endpoint_send_may_skip_handover (self))
    {
      if (!GSOCK_ENDPOINT_GET_CLASS (self)->send_data (self, data, size, target, error))
        return FALSE;
      count_sent (self);
      return TRUE;
    }

  payload = g_bytes_new (data, size);
  return _gsock_send_checked (self, payload, target, error);
}

/* Runs the endpoint's context until *@result is set; see "Contexts and threads" in DESIGN.md. */
void
_gsock_endpoint_wait (GsockEndpoint  *self,
                      GAsyncResult  **result)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  while (*result == NULL)
    g_main_context_iteration (priv->context, TRUE);
}

/* Internal API, see gsock-endpoint-private.h */

GSocketProtocol
_gsock_protocol_for (GSocketAddress *address,
                     GSocketType     type)
{
  if (g_socket_address_get_family (address) == G_SOCKET_FAMILY_UNIX)
    return G_SOCKET_PROTOCOL_DEFAULT;
  return type == G_SOCKET_TYPE_STREAM ? G_SOCKET_PROTOCOL_TCP : G_SOCKET_PROTOCOL_UDP;
}

GMainContext *
_gsock_endpoint_get_context (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  return priv->context;
}

/* Moves to @state; a move to CLOSED fails the pending receives with @reason (NULL: closed in
 * order). */
static void
set_state (GsockEndpoint *self,
           GsockState     state,
           const GError  *reason)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  gboolean was_active;

  if (priv->state == state)
    return;
  was_active = gsock_endpoint_get_active (self);
  priv->state = state;
  priv->was_open |= state == GSOCK_STATE_OPEN;
  priv->closes += state == GSOCK_STATE_CLOSED;

  g_object_ref (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  if (was_active != gsock_endpoint_get_active (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE]);
  if (state == GSOCK_STATE_CLOSED)
    {
      g_autoptr(GError) error = NULL;

      if (reason != NULL)
        error = g_error_new (reason->domain, reason->code, "The connection ended: %s",
                             reason->message);
      else
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED, "The endpoint was closed");
      _gsock_delivery_fail_all (&priv->delivery, error);
      _gsock_lifecycle_closed (&priv->lifecycle, priv->close_error);
      g_clear_error (&priv->close_error);
    }
  g_object_unref (self);
}

void
_gsock_endpoint_set_state (GsockEndpoint *self,
                           GsockState     state)
{
  set_state (self, state, NULL);
}

void
_gsock_endpoint_set_closed_by (GsockEndpoint *self,
                               const GError  *reason)
{
  set_state (self, GSOCK_STATE_CLOSED, reason);
}

void
_gsock_endpoint_set_close_error (GsockEndpoint *self,
                                 GError        *error)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  g_clear_error (&priv->close_error);
  priv->close_error = error;
}

void
_gsock_endpoint_set_local_address (GsockEndpoint  *self,
                                   GSocketAddress *address)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  guint16 old_port = port_of (priv->local_address);

  if (!g_set_object (&priv->local_address, address))
    return;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOCAL_ADDRESS]);
  if (port_of (address) != old_port)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOCAL_PORT]);
}

/* Gives a new endpoint nobody watches yet the settings of @from (for a server's clients:
 * cheaper than construct properties, once per accepted connection). */
void
_gsock_endpoint_inherit_settings (GsockEndpoint *self,
                                  GsockEndpoint *from)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);
  GsockEndpointPrivate *from_priv = gsock_endpoint_get_instance_private (from);

  set_string (&priv->host, from_priv->host);
  set_string (&priv->encoding, from_priv->encoding);
  priv->port = from_priv->port;
  priv->max_message_size = from_priv->max_message_size;
  priv->connect_timeout = from_priv->connect_timeout;
  priv->receive_timeout = from_priv->receive_timeout;
}

GsockState
_gsock_endpoint_peek_state (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  return priv->state;
}

gsize
_gsock_endpoint_peek_max_message_size (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  return priv->max_message_size;
}

gboolean
_gsock_endpoint_peek_was_open (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  return priv->was_open;
}

guint
_gsock_endpoint_peek_closes (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  return priv->closes;
}

gboolean
_gsock_endpoint_on_home_thread (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  return g_thread_self () == priv->home;
}

GsockHandover *
_gsock_endpoint_get_handover (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  return &priv->handover;
}

GsockLifecycle *
_gsock_endpoint_get_lifecycle (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  return &priv->lifecycle;
}

void
_gsock_endpoint_notify_active (GsockEndpoint *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE]);
}

GsockDelivery *
_gsock_endpoint_get_delivery (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  return &priv->delivery;
}

void
_gsock_endpoint_add_bytes_sent (GsockEndpoint *self,
                                gsize          bytes)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  priv->bytes_sent += bytes;
  notify_counter (self, PROP_BYTES_SENT);
}

void
_gsock_endpoint_add_bytes_received (GsockEndpoint *self,
                                    gsize          bytes)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  priv->bytes_received += bytes;
  notify_counter (self, PROP_BYTES_RECEIVED);
}

/* Counts the message, then lets gsock-endpoint-delivery.c deliver it: one jump on the message
 * path. */
gboolean
_gsock_endpoint_deliver (GsockEndpoint    *self,
                         GsockMessageView *view,
                         gboolean          keep_unheard)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  _gsock_endpoint_count_message (self);
  return _gsock_delivery_deliver_inline (&priv->delivery, self, view, keep_unheard);
}

gboolean
_gsock_endpoint_handle (GsockEndpoint    *self,
                        GsockMessageView *view)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  return _gsock_delivery_handle (&priv->delivery, self, view);
}

void
_gsock_endpoint_read_begin (GsockEndpoint *self,
                            gboolean       reader)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  /* A server's connections most often have no handler of any signal: one look says so for
   * both message-received and the counters' notify. */
  priv->read_unheard = reader &&
    g_signal_handler_find (self, G_SIGNAL_MATCH_UNBLOCKED, 0, 0, NULL, NULL, NULL) == 0;
  priv->counters_held++;
  _gsock_delivery_begin_read (&priv->delivery, self, !priv->read_unheard);
  if (reader)
    {
      priv->previous_reader = current_reader;
      current_reader = self;
    }
}

void
_gsock_endpoint_read_end (GsockEndpoint *self,
                          gboolean       reader)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  if (reader)
    {
      g_assert (current_reader == self);
      current_reader = priv->previous_reader;
      priv->previous_reader = NULL;
    }
  _gsock_delivery_end_read (&priv->delivery);
  /* Nobody to tell (a handler connected meanwhile hears of the next changes). */
  if (priv->read_unheard)
    priv->counters_changed = 0;
  priv->read_unheard = FALSE;
  _gsock_endpoint_release_counters (self);
}

gboolean
_gsock_endpoint_may_notify (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  return !priv->read_unheard;
}

void
_gsock_endpoint_count_message (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  priv->messages_received++;
  notify_counter (self, PROP_MESSAGES_RECEIVED);
}

void
_gsock_endpoint_hold_counters (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);

  priv->counters_held++;
}

void
_gsock_endpoint_release_counters (GsockEndpoint *self)
{
  GsockEndpointPrivate *priv = gsock_endpoint_get_instance_private (self);
  guint changed;

  g_assert (priv->counters_held > 0);
  if (--priv->counters_held > 0 || priv->counters_changed == 0)
    return;

  /* A notify handler may change them again: it then gets notifications of its own. */
  changed = priv->counters_changed;
  priv->counters_changed = 0;
  /* Looking for any handler of notify, whatever its detail (g_signal_has_handler_pending()
   * would match only those without one), costs less than notifying nobody: each
   * notification takes GObject's locks and type checks. */
  if (g_signal_handler_find (self, G_SIGNAL_MATCH_ID, notify_signal, 0, NULL, NULL, NULL) == 0)
    return;
  for (guint prop_id = PROP_BYTES_SENT; prop_id <= PROP_MESSAGES_RECEIVED; prop_id++)
    if (changed & (1u << prop_id))
      g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

/* Destroys and drops *@source, if any. */
void
_gsock_source_clear (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

/* The callback of a blocking call made of an async one: keeps the result for
 * _gsock_endpoint_wait(). */
void
_gsock_store_result_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}
