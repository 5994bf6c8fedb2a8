/* gsock-tcp-server.c: a TCP server for many clients on one main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-tcp-server.h"

#include <errno.h>
#include <sys/socket.h>

#include "gsock-client-list-private.h"
#include "gsock-encoding-private.h"
#include "gsock-endpoint-private.h"
#include "gsock-error.h"
#include "gsock-handler-pool-private.h"
#include "gsock-line-framer.h"
#include "gsock-marshal.h"
#include "gsock-message.h"
#include "gsock-tcp-client-private.h"
#include "gsock-tls-private.h"

/**
 * GsockTcpServer:
 *
 * A TCP server that serves any number of clients at once on one thread, from the main
 * context it was made in.
 *
 * [method@Gsock.TcpServer.listen] binds [property@Gsock.Endpoint:host] and
 * [property@Gsock.Endpoint:port] and starts accepting. Every connection becomes a
 * [class@Gsock.TcpClient], listed in [property@Gsock.TcpServer:clients] (a
 * [iface@Gio.ListModel] a GTK list view can show) and announced by
 * [signal@Gsock.TcpServer::client-connected]. The messages of every client come through the
 * server's own [signal@Gsock.Endpoint::message-received], and
 * [method@Gsock.Message.reply] answers the client that sent one.
 *
 * Sending through the server reaches every client (`target` `NULL`) or the client with that
 * address; [method@Gsock.TcpServer.broadcast] can leave one client out, as a chat server
 * does with the sender.
 *
 * ```c
 * static void
 * on_message (GsockEndpoint *server, GsockMessage *message, gpointer user_data)
 * {
 *   gsock_tcp_server_broadcast (GSOCK_TCP_SERVER (server),
 *                               gsock_message_get_text (message, NULL),
 *                               GSOCK_TCP_CLIENT (gsock_message_get_endpoint (message)),
 *                               NULL);
 * }
 * ```
 */

/* Connections accepted in one dispatch before other sources get their turn. Many: in a storm
 * of connections, a full accept queue makes the kernel drop SYNs, which the peers resend only
 * a second later, while reading the connections already accepted can wait (bench/: with 64,
 * half the 10,000-connection storms took 1.3 s rather than 0.5 s). */
#define MAX_ACCEPTS_PER_DISPATCH 1024

typedef struct
{
  GSocket *socket;
  GSource *accept_source;
  GsockClientList *clients;
  GsockFramer *framer;
  GsockTls tls;
  char *tls_certificate_file;
  GTlsAuthenticationMode tls_authentication_mode;
  GPtrArray *handshakes; /* GCancellable * of the TLS handshakes under way */
  guint max_clients;
  guint idle_timeout;
  guint drain_timeout;
  guint handler_threads;
  GsockHandlerPool *handler_pool;
  guint64 max_queued_bytes;
  guint64 high_water_mark;
  guint64 low_water_mark;
  gboolean reuse_address;
  gboolean reuse_port;
  guint64 clients_rejected;
} GsockTcpServerPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (GsockTcpServer, gsock_tcp_server, GSOCK_TYPE_ENDPOINT)

enum {
  PROP_0,
  PROP_CLIENTS,
  PROP_FRAMER,
  PROP_MAX_CLIENTS,
  PROP_REUSE_ADDRESS,
  PROP_REUSE_PORT,
  PROP_CLIENTS_REJECTED,
  PROP_IDLE_TIMEOUT,
  PROP_MAX_QUEUED_BYTES,
  PROP_HIGH_WATER_MARK,
  PROP_LOW_WATER_MARK,
  PROP_DRAIN_TIMEOUT,
  PROP_TLS_CERTIFICATE,
  PROP_TLS_CERTIFICATE_FILE,
  PROP_TLS_DATABASE,
  PROP_TLS_AUTHENTICATION_MODE,
  PROP_HANDLER_THREADS,
  N_PROPS
};

enum {
  SIGNAL_CLIENT_CONNECTED,
  SIGNAL_CLIENT_DISCONNECTED,
  SIGNAL_ACCEPT_CERTIFICATE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
stop_listening (GsockTcpServer *self)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  _gsock_source_clear (&priv->accept_source);
  for (guint i = 0; i < priv->handshakes->len; i++)
    g_cancellable_cancel (priv->handshakes->pdata[i]);
  if (priv->socket != NULL)
    {
      g_socket_close (priv->socket, NULL);
      g_clear_object (&priv->socket);
    }
}

/* The clients as an array of new references, safe to walk while clients go away. */
static GPtrArray *
dup_clients (GsockTcpServer *self)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (priv->clients));
  GPtrArray *clients = g_ptr_array_new_full (n, g_object_unref);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (clients, g_list_model_get_item (G_LIST_MODEL (priv->clients), i));
  return clients;
}

static void
gsock_tcp_server_dispose (GObject *object)
{
  GsockTcpServer *self = GSOCK_TCP_SERVER (object);
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  stop_listening (self);
  if (priv->clients != NULL)
    {
      g_autoptr(GPtrArray) clients = dup_clients (self);

      /* Clients the application still holds must not call back into a finalized server. */
      for (guint i = 0; i < clients->len; i++)
        _gsock_tcp_client_forget_owner (clients->pdata[i]);
      _gsock_client_list_remove_all (priv->clients);
    }
  g_clear_object (&priv->clients);
  g_clear_object (&priv->framer);
  _gsock_tls_clear (&priv->tls);
  /* Every handler job holds a reference on the server, so none is left. */
  g_clear_pointer (&priv->handler_pool, _gsock_handler_pool_free);

  G_OBJECT_CLASS (gsock_tcp_server_parent_class)->dispose (object);
}

static void
gsock_tcp_server_finalize (GObject *object)
{
  GsockTcpServer *self = GSOCK_TCP_SERVER (object);
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_ptr_array_unref (priv->handshakes);
  g_free (priv->tls_certificate_file);

  G_OBJECT_CLASS (gsock_tcp_server_parent_class)->finalize (object);
}

static void
gsock_tcp_server_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  GsockTcpServer *self = GSOCK_TCP_SERVER (object);
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_CLIENTS:
      g_value_set_object (value, priv->clients);
      break;
    case PROP_FRAMER:
      g_value_set_object (value, priv->framer);
      break;
    case PROP_MAX_CLIENTS:
      g_value_set_uint (value, priv->max_clients);
      break;
    case PROP_REUSE_ADDRESS:
      g_value_set_boolean (value, priv->reuse_address);
      break;
    case PROP_REUSE_PORT:
      g_value_set_boolean (value, priv->reuse_port);
      break;
    case PROP_CLIENTS_REJECTED:
      g_value_set_uint64 (value, priv->clients_rejected);
      break;
    case PROP_IDLE_TIMEOUT:
      g_value_set_uint (value, priv->idle_timeout);
      break;
    case PROP_MAX_QUEUED_BYTES:
      g_value_set_uint64 (value, priv->max_queued_bytes);
      break;
    case PROP_HIGH_WATER_MARK:
      g_value_set_uint64 (value, priv->high_water_mark);
      break;
    case PROP_LOW_WATER_MARK:
      g_value_set_uint64 (value, priv->low_water_mark);
      break;
    case PROP_DRAIN_TIMEOUT:
      g_value_set_uint (value, priv->drain_timeout);
      break;
    case PROP_TLS_CERTIFICATE:
      g_value_set_object (value, priv->tls.certificate);
      break;
    case PROP_TLS_CERTIFICATE_FILE:
      g_value_set_string (value, priv->tls_certificate_file);
      break;
    case PROP_TLS_DATABASE:
      g_value_set_object (value, priv->tls.database);
      break;
    case PROP_TLS_AUTHENTICATION_MODE:
      g_value_set_enum (value, priv->tls_authentication_mode);
      break;
    case PROP_HANDLER_THREADS:
      g_value_set_uint (value, priv->handler_threads);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gsock_tcp_server_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  GsockTcpServer *self = GSOCK_TCP_SERVER (object);

  switch (prop_id)
    {
    case PROP_FRAMER:
      gsock_tcp_server_set_framer (self, g_value_get_object (value));
      break;
    case PROP_MAX_CLIENTS:
      gsock_tcp_server_set_max_clients (self, g_value_get_uint (value));
      break;
    case PROP_REUSE_ADDRESS:
      gsock_tcp_server_set_reuse_address (self, g_value_get_boolean (value));
      break;
    case PROP_REUSE_PORT:
      gsock_tcp_server_set_reuse_port (self, g_value_get_boolean (value));
      break;
    case PROP_IDLE_TIMEOUT:
      gsock_tcp_server_set_idle_timeout (self, g_value_get_uint (value));
      break;
    case PROP_MAX_QUEUED_BYTES:
      gsock_tcp_server_set_max_queued_bytes (self, g_value_get_uint64 (value));
      break;
    case PROP_HIGH_WATER_MARK:
      gsock_tcp_server_set_high_water_mark (self, g_value_get_uint64 (value));
      break;
    case PROP_LOW_WATER_MARK:
      gsock_tcp_server_set_low_water_mark (self, g_value_get_uint64 (value));
      break;
    case PROP_DRAIN_TIMEOUT:
      gsock_tcp_server_set_drain_timeout (self, g_value_get_uint (value));
      break;
    case PROP_TLS_CERTIFICATE:
      gsock_tcp_server_set_tls_certificate (self, g_value_get_object (value));
      break;
    case PROP_TLS_CERTIFICATE_FILE:
      gsock_tcp_server_set_tls_certificate_file (self, g_value_get_string (value));
      break;
    case PROP_TLS_DATABASE:
      gsock_tcp_server_set_tls_database (self, g_value_get_object (value));
      break;
    case PROP_TLS_AUTHENTICATION_MODE:
      gsock_tcp_server_set_tls_authentication_mode (self, g_value_get_enum (value));
      break;
    case PROP_HANDLER_THREADS:
      gsock_tcp_server_set_handler_threads (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
reject (GsockTcpServer *self,
        GSocket        *socket)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_autoptr(GError) error = NULL;

  g_socket_close (socket, NULL);
  priv->clients_rejected++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENTS_REJECTED]);
  g_set_error (&error, GSOCK_ERROR, GSOCK_ERROR_TOO_MANY_CLIENTS,
               "A connection was closed: %u clients are connected already", priv->max_clients);
  _gsock_endpoint_report_error (GSOCK_ENDPOINT (self), error);
}

static void
client_deliver (GsockEndpoint  *endpoint,
                GsockTcpClient *client,
                GsockMessage   *message)
{
  GsockTcpServerPrivate *priv =
    gsock_tcp_server_get_instance_private (GSOCK_TCP_SERVER (endpoint));

  if (priv->handler_threads == 0)
    {
      _gsock_endpoint_deliver (endpoint, message, TRUE);
      return;
    }
  _gsock_endpoint_count_message (endpoint);
  _gsock_handler_pool_push (priv->handler_pool, client, message, priv->high_water_mark,
                            priv->low_water_mark);
}

static void
client_gone (GsockEndpoint  *endpoint,
             GsockTcpClient *client,
             const GError   *reason)
{
  GsockTcpServer *self = GSOCK_TCP_SERVER (endpoint);
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  _gsock_tcp_client_forget_owner (client);
  /* Held for the items-changed and client-disconnected handlers, which may drop the rest. */
  g_object_ref (self);
  if (!_gsock_client_list_remove (priv->clients, client))
    {
      g_object_unref (self);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_CLIENT_DISCONNECTED], 0, client, reason);

  if (gsock_endpoint_get_state (endpoint) == GSOCK_STATE_CLOSING &&
      g_list_model_get_n_items (G_LIST_MODEL (priv->clients)) == 0)
    _gsock_endpoint_set_state (endpoint, GSOCK_STATE_CLOSED);
  g_object_unref (self);
}

static const GsockTcpClientOwner client_owner = {
  .deliver = client_deliver,
  .gone = client_gone,
};

/* A connection accepted by a server listening on one IP address has that address and port
 * as its own: the server's object serves, with no system call and no new object per
 * connection. NULL when the server listens on a wildcard address (or is not an IP one). */
static GSocketAddress *
accepted_local_address (GsockTcpServer *self)
{
  GSocketAddress *listening = gsock_endpoint_get_local_address (GSOCK_ENDPOINT (self));

  if (!G_IS_INET_SOCKET_ADDRESS (listening) ||
      g_inet_address_get_is_any (
        g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (listening))))
    return NULL;
  return listening;
}

static void
add_client (GsockTcpServer *self,
            GIOStream      *stream)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);
  GsockTcpClientSettings settings = {
    .framer = priv->framer,
    .local_address = accepted_local_address (self),
    .idle_timeout = priv->idle_timeout,
    .drain_timeout = priv->drain_timeout,
    .max_queued_bytes = priv->max_queued_bytes,
    .high_water_mark = priv->high_water_mark,
    .low_water_mark = priv->low_water_mark,
  };
  g_autoptr(GsockTcpClient) client =
    _gsock_tcp_client_new_accepted (GSOCK_ENDPOINT (self), &client_owner, &settings, stream);

  _gsock_client_list_append (priv->clients, client,
                             gsock_tcp_client_get_remote_address (client));
  g_signal_emit (self, signals[SIGNAL_CLIENT_CONNECTED], 0, client);
}

static void
handshake_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GsockTcpServer *self = GSOCK_TCP_SERVER (source);
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_remove_fast (priv->handshakes, g_task_get_cancellable (G_TASK (result)));
  tls = _gsock_tls_handshake_finish (result, &error);
  if (tls == NULL)
    {
      g_prefix_error (&error, "TLS handshake with a new client failed: ");
      _gsock_endpoint_report_error (GSOCK_ENDPOINT (self), error);
    }
  else if (gsock_endpoint_get_state (GSOCK_ENDPOINT (self)) == GSOCK_STATE_OPEN)
    add_client (self, tls);
}

/* A TLS handshake, bounded by the server's idle-timeout (or timeout) when set, and cancelled
 * when the server stops listening. */
static void
start_handshake (GsockTcpServer    *self,
                 GSocketConnection *connection)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  guint timeout = priv->idle_timeout > 0 ? priv->idle_timeout
                                         : gsock_endpoint_get_timeout (GSOCK_ENDPOINT (self));

  g_ptr_array_add (priv->handshakes, g_object_ref (cancellable));
  _gsock_tls_handshake_async (&priv->tls, G_IO_STREAM (connection),
                              priv->tls_authentication_mode, timeout, cancellable, handshake_cb,
                              NULL);
}

static gboolean
accept_cb (GSocket      *listener,
           GIOCondition  condition,
           gpointer      user_data)
{
  GsockTcpServer *self = user_data;
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_object_ref (self);
  for (guint i = 0; i < MAX_ACCEPTS_PER_DISPATCH && priv->socket == listener; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) socket = NULL;
      g_autoptr(GSocketConnection) connection = NULL;

      socket = g_socket_accept (listener, NULL, &error);
      if (socket == NULL)
        {
          /* Out of descriptors, say: the server goes on and the application hears of it. */
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            _gsock_endpoint_report_error (GSOCK_ENDPOINT (self), error);
          break;
        }

      if (priv->max_clients > 0 &&
          g_list_model_get_n_items (G_LIST_MODEL (priv->clients)) + priv->handshakes->len >=
            priv->max_clients)
        {
          reject (self, socket);
          continue;
        }

      connection = g_socket_connection_factory_create_connection (socket);
      if (priv->tls.certificate != NULL)
        start_handshake (self, connection);
      else
        add_client (self, G_IO_STREAM (connection));
    }
  g_object_unref (self);

  return G_SOURCE_CONTINUE;
}

static gboolean
gsock_tcp_server_send_bytes (GsockEndpoint  *endpoint,
                             GBytes         *payload,
                             GSocketAddress *target,
                             GError        **error)
{
  GsockTcpServer *self = GSOCK_TCP_SERVER (endpoint);
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);
  GsockTcpClient *client;
  g_autofree char *name = NULL;

  if (target == NULL)
    return gsock_tcp_server_broadcast_bytes (self, payload, NULL, error);

  client = _gsock_client_list_find_by_address (priv->clients, target);
  if (client != NULL)
    {
      /* The send may end the connection, and the list's reference with it. */
      g_autoptr(GsockTcpClient) held = g_object_ref (client);

      return gsock_endpoint_send_bytes (GSOCK_ENDPOINT (held), payload, NULL, error);
    }

  name = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (target));
  g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_NO_SUCH_PEER, "No client is connected from %s",
               name);
  return FALSE;
}

static void
gsock_tcp_server_close (GsockEndpoint *endpoint)
{
  GsockTcpServer *self = GSOCK_TCP_SERVER (endpoint);
  g_autoptr(GPtrArray) clients = dup_clients (self);

  stop_listening (self);
  if (clients->len == 0)
    {
      _gsock_endpoint_set_state (endpoint, GSOCK_STATE_CLOSED);
      return;
    }

  /* Each client flushes its queue and reports back; the last one closes the server. */
  _gsock_endpoint_set_state (endpoint, GSOCK_STATE_CLOSING);
  for (guint i = 0; i < clients->len; i++)
    gsock_endpoint_close (clients->pdata[i]);
}

static gboolean listen_at (GsockEndpoint  *endpoint,
                           GSocketAddress *address,
                           GError        **error);

static void
gsock_tcp_server_open_async (GsockEndpoint      *endpoint,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  _gsock_endpoint_open_with (endpoint, listen_at, cancellable, callback, user_data);
}

static void
gsock_tcp_server_abort (GsockEndpoint *endpoint)
{
  GsockTcpServer *self = GSOCK_TCP_SERVER (endpoint);
  g_autoptr(GPtrArray) clients = dup_clients (self);

  stop_listening (self);
  /* CLOSING first, so the last client to go closes the server. */
  _gsock_endpoint_set_state (endpoint, GSOCK_STATE_CLOSING);
  for (guint i = 0; i < clients->len; i++)
    gsock_endpoint_abort (clients->pdata[i]);
  _gsock_endpoint_set_state (endpoint, GSOCK_STATE_CLOSED);
}

static void
gsock_tcp_server_class_init (GsockTcpServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GsockEndpointClass *endpoint_class = GSOCK_ENDPOINT_CLASS (klass);

  object_class->dispose = gsock_tcp_server_dispose;
  object_class->finalize = gsock_tcp_server_finalize;
  object_class->get_property = gsock_tcp_server_get_property;
  object_class->set_property = gsock_tcp_server_set_property;

  endpoint_class->send_bytes = gsock_tcp_server_send_bytes;
  endpoint_class->close = gsock_tcp_server_close;
  endpoint_class->open_async = gsock_tcp_server_open_async;
  endpoint_class->abort = gsock_tcp_server_abort;

  /**
   * GsockTcpServer:clients:
   *
   * The connected clients, as a [iface@Gio.ListModel] of [class@Gsock.TcpClient], in the
   * order they connected.
   */
  properties[PROP_CLIENTS] =
    g_param_spec_object ("clients", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpServer:framer:
   *
   * How every client's messages are cut from its byte stream; a [class@Gsock.LineFramer] by
   * default. Clients accepted later use the new one. Setting `NULL` restores the default.
   */
  properties[PROP_FRAMER] =
    g_param_spec_object ("framer", NULL, NULL, GSOCK_TYPE_FRAMER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpServer:max-clients:
   *
   * How many clients may be connected at once; a connection beyond it is closed as soon as it
   * is accepted, counted in [property@Gsock.TcpServer:clients-rejected] and reported as
   * `GSOCK_ERROR_TOO_MANY_CLIENTS` through [signal@Gsock.Endpoint::error]. 0, the default,
   * sets no limit.
   */
  properties[PROP_MAX_CLIENTS] =
    g_param_spec_uint ("max-clients", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpServer:reuse-address:
   *
   * Whether to set `SO_REUSEADDR` when listening, so a restarted server can bind its port
   * while old connections linger in `TIME_WAIT`; `TRUE` by default. It never lets two servers
   * listen on one port (that is [property@Gsock.TcpServer:reuse-port]).
   */
  properties[PROP_REUSE_ADDRESS] =
    g_param_spec_boolean ("reuse-address", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpServer:reuse-port:
   *
   * Whether to set `SO_REUSEPORT` when listening, so several servers (of this process and
   * user) can listen on one host and port at once and the kernel spreads the connections
   * among them; `FALSE` by default. This is how one server runs on several cores: one
   * `GsockTcpServer` per thread, each created with that thread's own `GMainContext` as the
   * thread-default one and serving its connections there (see `gsock-echo-server --threads`).
   * Every server that shares the port must set it.
   */
  properties[PROP_REUSE_PORT] =
    g_param_spec_boolean ("reuse-port", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpServer:clients-rejected:
   *
   * How many connections were closed at once because
   * [property@Gsock.TcpServer:max-clients] were already connected.
   */
  properties[PROP_CLIENTS_REJECTED] =
    g_param_spec_uint64 ("clients-rejected", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpServer:idle-timeout:
   *
   * The [property@Gsock.TcpClient:idle-timeout] of every client accepted from now on: a client
   * that sends nothing for that many milliseconds is disconnected, so idle or slow peers
   * cannot hold the server's slots for ever. 0, the default, sets none.
   */
  properties[PROP_IDLE_TIMEOUT] =
    g_param_spec_uint ("idle-timeout", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpServer:max-queued-bytes:
   *
   * The [property@Gsock.TcpClient:max-queued-bytes] of every client accepted from now on;
   * 8 MiB by default, 0 for no limit.
   */
  properties[PROP_MAX_QUEUED_BYTES] =
    g_param_spec_uint64 ("max-queued-bytes", NULL, NULL, 0, G_MAXUINT64,
                         GSOCK_DEFAULT_MAX_QUEUED_BYTES,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpServer:high-water-mark:
   *
   * The [property@Gsock.TcpClient:high-water-mark] of every client accepted from now on
   * (1 MiB by default): a client whose answers wait to be written, or whose messages wait
   * for a [property@Gsock.TcpServer:handler-threads] thread, is not read from while that much
   * waits.
   */
  properties[PROP_HIGH_WATER_MARK] =
    g_param_spec_uint64 ("high-water-mark", NULL, NULL, 0, G_MAXUINT64,
                         GSOCK_DEFAULT_HIGH_WATER_MARK,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpServer:low-water-mark:
   *
   * The [property@Gsock.TcpClient:low-water-mark] of every client accepted from now on
   * (256 KiB by default).
   */
  properties[PROP_LOW_WATER_MARK] =
    g_param_spec_uint64 ("low-water-mark", NULL, NULL, 0, G_MAXUINT64,
                         GSOCK_DEFAULT_LOW_WATER_MARK,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpServer:drain-timeout:
   *
   * The [property@Gsock.TcpClient:drain-timeout] of every client accepted from now on; 0, the
   * default, sets none.
   */
  properties[PROP_DRAIN_TIMEOUT] =
    g_param_spec_uint ("drain-timeout", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpServer:tls-certificate:
   *
   * The certificate, with its private key, that makes the server speak TLS: every
   * connection accepted from then on does a TLS handshake before it becomes a client. A
   * failed handshake is reported through [signal@Gsock.Endpoint::error]. `NULL`, the
   * default, serves plain TCP.
   *
   * ```c
   * g_autoptr(GTlsCertificate) certificate =
   *   g_tls_certificate_new_from_files ("server.pem", "server.key", &error);
   * gsock_tcp_server_set_tls_certificate (server, certificate);
   * ```
   */
  properties[PROP_TLS_CERTIFICATE] =
    g_param_spec_object ("tls-certificate", NULL, NULL, G_TYPE_TLS_CERTIFICATE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpServer:tls-certificate-file:
   *
   * A PEM file holding the server's certificate and its private key, loaded into
   * [property@Gsock.TcpServer:tls-certificate] by [method@Gsock.TcpServer.listen]: the way to
   * give a server declared in a GtkBuilder file its certificate. A file that cannot be loaded
   * makes `listen` fail with that error.
   */
  properties[PROP_TLS_CERTIFICATE_FILE] =
    g_param_spec_string ("tls-certificate-file", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpServer:tls-database:
   *
   * The authorities client certificates are checked against; `NULL` uses the system's.
   */
  properties[PROP_TLS_DATABASE] =
    g_param_spec_object ("tls-database", NULL, NULL, G_TYPE_TLS_DATABASE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpServer:tls-authentication-mode:
   *
   * Whether TLS clients are asked for a certificate (`G_TLS_AUTHENTICATION_REQUESTED`) or
   * must show a valid one (`G_TLS_AUTHENTICATION_REQUIRED`); none is asked for by default.
   * A client's certificate is then [property@Gsock.TcpClient:peer-certificate].
   */
  properties[PROP_TLS_AUTHENTICATION_MODE] =
    g_param_spec_enum ("tls-authentication-mode", NULL, NULL, G_TYPE_TLS_AUTHENTICATION_MODE,
                       G_TLS_AUTHENTICATION_NONE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpServer:handler-threads:
   *
   * How many threads run the server's [signal@Gsock.Endpoint::message-received] handlers;
   * 0, the default, runs them on the server's main context like every other signal.
   *
   * This is the tutorial's thread-per-client style, as an option: a handler may block (on a
   * database, a file, a computation) without stalling the other clients. Each client's
   * messages are still handled one at a time and in order; different clients' messages run
   * in parallel, up to this many at once. Handlers then run on those threads: whatever they
   * touch must be thread-safe. Sending is (see [method@Gsock.Endpoint.send_bytes]), so
   * [method@Gsock.Message.reply] is fine. Pending receives and the inbox are not used in this
   * mode. Set it before [method@Gsock.TcpServer.listen].
   */
  properties[PROP_HANDLER_THREADS] =
    g_param_spec_uint ("handler-threads", NULL, NULL, 0, 1024, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Documented in gsock-tls.c. */
  signals[SIGNAL_ACCEPT_CERTIFICATE] =
    _gsock_tls_accept_certificate_signal_new (G_TYPE_FROM_CLASS (klass));

  /**
   * GsockTcpServer::client-connected:
   * @self: the server
   * @client: the new client's connection
   *
   * Emitted when a connection was accepted, after it was added to
   * [property@Gsock.TcpServer:clients].
   */
  signals[SIGNAL_CLIENT_CONNECTED] =
    g_signal_new ("client-connected",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  G_STRUCT_OFFSET (GsockTcpServerClass, client_connected),
                  NULL, NULL,
                  g_cclosure_marshal_VOID__OBJECT,
                  G_TYPE_NONE, 1, GSOCK_TYPE_TCP_CLIENT);
  g_signal_set_va_marshaller (signals[SIGNAL_CLIENT_CONNECTED], G_TYPE_FROM_CLASS (klass),
                              g_cclosure_marshal_VOID__OBJECTv);

  /**
   * GsockTcpServer::client-disconnected:
   * @self: the server
   * @client: the client whose connection ended
   * @reason: (nullable): why, as in [signal@Gsock.TcpClient::disconnected]
   *
   * Emitted once per client when its connection ended, after it was removed from
   * [property@Gsock.TcpServer:clients].
   */
  signals[SIGNAL_CLIENT_DISCONNECTED] =
    g_signal_new ("client-disconnected",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  G_STRUCT_OFFSET (GsockTcpServerClass, client_disconnected),
                  NULL, NULL,
                  _gsock_marshal_VOID__OBJECT_BOXED,
                  G_TYPE_NONE, 2, GSOCK_TYPE_TCP_CLIENT, G_TYPE_ERROR);
  g_signal_set_va_marshaller (signals[SIGNAL_CLIENT_DISCONNECTED], G_TYPE_FROM_CLASS (klass),
                              _gsock_marshal_VOID__OBJECT_BOXEDv);
}

static void
gsock_tcp_server_init (GsockTcpServer *self)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  priv->clients = _gsock_client_list_new ();
  priv->framer = gsock_line_framer_new (NULL);
  priv->reuse_address = TRUE;
  priv->max_queued_bytes = GSOCK_DEFAULT_MAX_QUEUED_BYTES;
  priv->high_water_mark = GSOCK_DEFAULT_HIGH_WATER_MARK;
  priv->low_water_mark = GSOCK_DEFAULT_LOW_WATER_MARK;
  priv->handshakes = g_ptr_array_new_with_free_func (g_object_unref);
  _gsock_tls_init (&priv->tls, GSOCK_ENDPOINT (self), signals[SIGNAL_ACCEPT_CERTIFICATE]);
}

/**
 * gsock_tcp_server_new:
 * @host: (nullable): the address to listen on, `NULL` for `127.0.0.1`
 * @port: the port to listen on, 0 for any free one
 *
 * Makes a TCP server; it listens once [method@Gsock.TcpServer.listen] is called.
 *
 * Returns: (transfer full): a new server
 */
GsockTcpServer *
gsock_tcp_server_new (const char *host,
                      guint16     port)
{
  return g_object_new (GSOCK_TYPE_TCP_SERVER, "host", host, "port", (guint) port, NULL);
}

/* g_socket_bind(), but g_socket_bind() clears SO_REUSEPORT on stream sockets: with
 * reuse-port, the bind is done here. */
static gboolean
bind_socket (GsockTcpServer *self,
             GSocket        *socket,
             GSocketAddress *address,
             GError        **error)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);
  gssize native_len = g_socket_address_get_native_size (address);
  g_autofree struct sockaddr *native = NULL;
  int fd = g_socket_get_fd (socket);

  if (!priv->reuse_port)
    return g_socket_bind (socket, address, priv->reuse_address, error);

  if (native_len < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "The address cannot be bound");
      return FALSE;
    }
  native = g_malloc (native_len);
  if (!g_socket_address_to_native (address, native, native_len, error))
    return FALSE;
  if (!g_socket_set_option (socket, SOL_SOCKET, SO_REUSEADDR, priv->reuse_address, error) ||
      !g_socket_set_option (socket, SOL_SOCKET, SO_REUSEPORT, 1, error))
    return FALSE;
  if (bind (fd, native, native_len) < 0)
    {
      int errsv = errno;
      g_autofree char *name = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (address));

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Error binding to address %s: %s", name, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

/**
 * gsock_tcp_server_listen:
 * @self: a server
 * @error: return location for an error
 *
 * Binds [property@Gsock.Endpoint:host] and [property@Gsock.Endpoint:port], listens, and
 * accepts connections from the server's main context from now on.
 *
 * A host name is resolved with a blocking lookup; [method@Gsock.Endpoint.open_async] listens
 * without blocking.
 *
 * Returns: `TRUE` once listening; `FALSE` with @error set otherwise:
 *   `G_IO_ERROR_ADDRESS_IN_USE` when another socket has the port, `G_IO_ERROR_BUSY` when
 *   already listening, `GSOCK_ERROR_TLS_UNAVAILABLE` when a TLS certificate is set but no TLS
 *   backend is installed, the error of loading
 *   [property@Gsock.TcpServer:tls-certificate-file], or a resolver error for an unknown host
 */
gboolean
gsock_tcp_server_listen (GsockTcpServer *self,
                         GError        **error)
{
  GsockEndpoint *endpoint = GSOCK_ENDPOINT (self);
  g_autoptr(GSocketAddress) address = NULL;

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (gsock_endpoint_get_state (endpoint) != GSOCK_STATE_CLOSED)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY, "The server is already open");
      return FALSE;
    }
  address = _gsock_endpoint_resolve (endpoint, error);
  if (address == NULL)
    return FALSE;

  return listen_at (endpoint, address, error);
}

/* gsock_tcp_server_listen() once the address is known; the caller checked that the server is
 * closed (or OPENING while its name was resolved). */
static gboolean
listen_at (GsockEndpoint  *endpoint,
           GSocketAddress *address,
           GError        **error)
{
  GsockTcpServer *self = GSOCK_TCP_SERVER (endpoint);
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocket) socket = NULL;

  if (priv->tls_certificate_file != NULL)
    {
      g_autoptr(GTlsCertificate) certificate = NULL;

      certificate = g_tls_certificate_new_from_file (priv->tls_certificate_file, error);
      if (certificate == NULL)
        return FALSE;
      gsock_tcp_server_set_tls_certificate (self, certificate);
    }
  if (priv->tls.certificate != NULL && !_gsock_tls_check_available (error))
    return FALSE;

  _gsock_endpoint_set_state (endpoint, GSOCK_STATE_OPENING);
  socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         _gsock_protocol_for (address, G_SOCKET_TYPE_STREAM), error);
  if (socket == NULL)
    goto failed;
  g_socket_set_blocking (socket, FALSE);
  /* The kernel caps it at net.core.somaxconn; a storm of connections should queue, not fail. */
  g_socket_set_listen_backlog (socket, SOMAXCONN);
  if (!bind_socket (self, socket, address, error) ||
      !g_socket_listen (socket, error))
    goto failed;
  local = g_socket_get_local_address (socket, error);
  if (local == NULL)
    goto failed;

  priv->socket = g_steal_pointer (&socket);
  priv->accept_source = g_socket_create_source (priv->socket, G_IO_IN, NULL);
  g_source_set_callback (priv->accept_source, G_SOURCE_FUNC (accept_cb), self, NULL);
  g_source_attach (priv->accept_source, _gsock_endpoint_get_context (endpoint));

  _gsock_endpoint_set_local_address (endpoint, local);
  _gsock_endpoint_set_state (endpoint, GSOCK_STATE_OPEN);
  return TRUE;

failed:
  _gsock_endpoint_set_state (endpoint, GSOCK_STATE_CLOSED);
  return FALSE;
}

/**
 * gsock_tcp_server_get_clients:
 * @self: a server
 *
 * Gets [property@Gsock.TcpServer:clients].
 *
 * Returns: (transfer none): the connected clients, a list model of [class@Gsock.TcpClient]
 */
GListModel *
gsock_tcp_server_get_clients (GsockTcpServer *self)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), NULL);

  return G_LIST_MODEL (priv->clients);
}

/**
 * gsock_tcp_server_broadcast:
 * @self: a server
 * @text: the text to send, in UTF-8
 * @except: (nullable): a client to leave out, such as the sender of a chat line
 * @error: return location for an error
 *
 * Sends @text, encoded once in [property@Gsock.Endpoint:encoding], to every connected client
 * but @except.
 *
 * Returns: `TRUE` if the message was queued for every open client; `FALSE` with @error set for
 *   the errors of [method@Gsock.Endpoint.send]
 */
gboolean
gsock_tcp_server_broadcast (GsockTcpServer *self,
                            const char     *text,
                            GsockTcpClient *except,
                            GError        **error)
{
  g_autoptr(GBytes) payload = NULL;

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  payload = _gsock_encoding_encode (gsock_endpoint_get_encoding (GSOCK_ENDPOINT (self)), text,
                                    error);
  if (payload == NULL)
    return FALSE;
  return gsock_tcp_server_broadcast_bytes (self, payload, except, error);
}

/**
 * gsock_tcp_server_broadcast_bytes:
 * @self: a server
 * @payload: the bytes to send
 * @except: (nullable): a client to leave out
 * @error: return location for an error
 *
 * Sends @payload to every connected client but @except.
 *
 * Clients that are already closing are skipped. A client that refuses the message (its
 * write queue is full: it does not read) does not keep it from the others: every open
 * client is tried.
 *
 * Returns: `TRUE` if the message was queued for every open client; `FALSE` with @error set
 *   otherwise: `G_IO_ERROR_NOT_CONNECTED` when the server is not open, or the first error a
 *   client gave (`GSOCK_ERROR_QUEUE_FULL`, `GSOCK_ERROR_MESSAGE_TOO_LARGE`, the framer's),
 *   after every other client got the message
 */
gboolean
gsock_tcp_server_broadcast_bytes (GsockTcpServer *self,
                                  GBytes         *payload,
                                  GsockTcpClient *except,
                                  GError        **error)
{
  g_autoptr(GPtrArray) clients = NULL;
  g_autoptr(GError) first = NULL;

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), FALSE);
  g_return_val_if_fail (payload != NULL, FALSE);
  g_return_val_if_fail (except == NULL || GSOCK_IS_TCP_CLIENT (except), FALSE);

  if (gsock_endpoint_get_state (GSOCK_ENDPOINT (self)) != GSOCK_STATE_OPEN)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                           "The server is not listening");
      return FALSE;
    }

  clients = dup_clients (self);
  for (guint i = 0; i < clients->len; i++)
    {
      GsockEndpoint *client = clients->pdata[i];
      g_autoptr(GError) client_error = NULL;

      if (client == GSOCK_ENDPOINT (except) ||
          gsock_endpoint_get_state (client) != GSOCK_STATE_OPEN)
        continue;
      if (!gsock_endpoint_send_bytes (client, payload, NULL, &client_error) && first == NULL)
        first = g_steal_pointer (&client_error);
    }
  if (first == NULL)
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&first));
  return FALSE;
}

/**
 * gsock_tcp_server_get_framer:
 * @self: a server
 *
 * Gets [property@Gsock.TcpServer:framer].
 *
 * Returns: (transfer none): the framer
 */
GsockFramer *
gsock_tcp_server_get_framer (GsockTcpServer *self)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), NULL);

  return priv->framer;
}

/**
 * gsock_tcp_server_set_framer:
 * @self: a server
 * @framer: (nullable): the framer, or `NULL` for a new [class@Gsock.LineFramer]
 *
 * Sets [property@Gsock.TcpServer:framer].
 */
void
gsock_tcp_server_set_framer (GsockTcpServer *self,
                             GsockFramer    *framer)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);
  g_autoptr(GsockFramer) line_framer = NULL;

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));
  g_return_if_fail (framer == NULL || GSOCK_IS_FRAMER (framer));

  if (framer == NULL)
    framer = line_framer = gsock_line_framer_new (NULL);
  if (g_set_object (&priv->framer, framer))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRAMER]);
}

/**
 * gsock_tcp_server_get_max_clients:
 * @self: a server
 *
 * Gets [property@Gsock.TcpServer:max-clients].
 *
 * Returns: the limit, 0 for none
 */
guint
gsock_tcp_server_get_max_clients (GsockTcpServer *self)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), 0);

  return priv->max_clients;
}

/**
 * gsock_tcp_server_set_max_clients:
 * @self: a server
 * @max_clients: the limit, 0 for none
 *
 * Sets [property@Gsock.TcpServer:max-clients]; clients already connected stay.
 */
void
gsock_tcp_server_set_max_clients (GsockTcpServer *self,
                                  guint           max_clients)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));

  if (priv->max_clients == max_clients)
    return;
  priv->max_clients = max_clients;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_CLIENTS]);
}

/**
 * gsock_tcp_server_get_reuse_address:
 * @self: a server
 *
 * Gets [property@Gsock.TcpServer:reuse-address].
 *
 * Returns: whether `SO_REUSEADDR` is set when listening
 */
gboolean
gsock_tcp_server_get_reuse_address (GsockTcpServer *self)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), FALSE);

  return priv->reuse_address;
}

/**
 * gsock_tcp_server_set_reuse_address:
 * @self: a server
 * @reuse_address: whether to set `SO_REUSEADDR` when listening
 *
 * Sets [property@Gsock.TcpServer:reuse-address], used by the next
 * [method@Gsock.TcpServer.listen].
 */
void
gsock_tcp_server_set_reuse_address (GsockTcpServer *self,
                                    gboolean        reuse_address)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));

  reuse_address = !!reuse_address;
  if (priv->reuse_address == reuse_address)
    return;
  priv->reuse_address = reuse_address;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REUSE_ADDRESS]);
}

/**
 * gsock_tcp_server_get_reuse_port:
 * @self: a server
 *
 * Gets [property@Gsock.TcpServer:reuse-port].
 *
 * Returns: whether `SO_REUSEPORT` is set when listening
 */
gboolean
gsock_tcp_server_get_reuse_port (GsockTcpServer *self)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), FALSE);

  return priv->reuse_port;
}

/**
 * gsock_tcp_server_set_reuse_port:
 * @self: a server
 * @reuse_port: whether to set `SO_REUSEPORT` when listening
 *
 * Sets [property@Gsock.TcpServer:reuse-port], used by the next
 * [method@Gsock.TcpServer.listen].
 */
void
gsock_tcp_server_set_reuse_port (GsockTcpServer *self,
                                 gboolean        reuse_port)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));

  reuse_port = !!reuse_port;
  if (priv->reuse_port == reuse_port)
    return;
  priv->reuse_port = reuse_port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REUSE_PORT]);
}

/**
 * gsock_tcp_server_get_clients_rejected:
 * @self: a server
 *
 * Gets [property@Gsock.TcpServer:clients-rejected].
 *
 * Returns: the number of connections refused for [property@Gsock.TcpServer:max-clients]
 */
guint64
gsock_tcp_server_get_clients_rejected (GsockTcpServer *self)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), 0);

  return priv->clients_rejected;
}

/**
 * gsock_tcp_server_get_idle_timeout:
 * @self: a server
 *
 * Gets [property@Gsock.TcpServer:idle-timeout].
 *
 * Returns: the clients' idle timeout in milliseconds, 0 for none
 */
guint
gsock_tcp_server_get_idle_timeout (GsockTcpServer *self)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), 0);

  return priv->idle_timeout;
}

/**
 * gsock_tcp_server_set_idle_timeout:
 * @self: a server
 * @idle_timeout_ms: the clients' idle timeout in milliseconds, 0 for none
 *
 * Sets [property@Gsock.TcpServer:idle-timeout].
 */
void
gsock_tcp_server_set_idle_timeout (GsockTcpServer *self,
                                   guint           idle_timeout_ms)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));

  if (priv->idle_timeout == idle_timeout_ms)
    return;
  priv->idle_timeout = idle_timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDLE_TIMEOUT]);
}

/**
 * gsock_tcp_server_get_max_queued_bytes:
 * @self: a server
 *
 * Gets [property@Gsock.TcpServer:max-queued-bytes].
 *
 * Returns: the clients' write queue limit in bytes, 0 for none
 */
guint64
gsock_tcp_server_get_max_queued_bytes (GsockTcpServer *self)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), 0);

  return priv->max_queued_bytes;
}

/**
 * gsock_tcp_server_set_max_queued_bytes:
 * @self: a server
 * @max_queued_bytes: the clients' write queue limit in bytes, 0 for none
 *
 * Sets [property@Gsock.TcpServer:max-queued-bytes].
 */
void
gsock_tcp_server_set_max_queued_bytes (GsockTcpServer *self,
                                       guint64         max_queued_bytes)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));

  if (priv->max_queued_bytes == max_queued_bytes)
    return;
  priv->max_queued_bytes = max_queued_bytes;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_QUEUED_BYTES]);
}

/**
 * gsock_tcp_server_get_high_water_mark:
 * @self: a server
 *
 * Gets [property@Gsock.TcpServer:high-water-mark].
 *
 * Returns: the clients' high-water mark in bytes, 0 for no flow control
 */
guint64
gsock_tcp_server_get_high_water_mark (GsockTcpServer *self)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), 0);

  return priv->high_water_mark;
}

/**
 * gsock_tcp_server_set_high_water_mark:
 * @self: a server
 * @high_water_mark: the clients' high-water mark in bytes, 0 for no flow control
 *
 * Sets [property@Gsock.TcpServer:high-water-mark].
 */
void
gsock_tcp_server_set_high_water_mark (GsockTcpServer *self,
                                      guint64         high_water_mark)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));

  if (priv->high_water_mark == high_water_mark)
    return;
  priv->high_water_mark = high_water_mark;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HIGH_WATER_MARK]);
}

/**
 * gsock_tcp_server_get_low_water_mark:
 * @self: a server
 *
 * Gets [property@Gsock.TcpServer:low-water-mark].
 *
 * Returns: the clients' low-water mark in bytes
 */
guint64
gsock_tcp_server_get_low_water_mark (GsockTcpServer *self)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), 0);

  return priv->low_water_mark;
}

/**
 * gsock_tcp_server_set_low_water_mark:
 * @self: a server
 * @low_water_mark: the clients' low-water mark in bytes
 *
 * Sets [property@Gsock.TcpServer:low-water-mark].
 */
void
gsock_tcp_server_set_low_water_mark (GsockTcpServer *self,
                                     guint64         low_water_mark)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));

  if (priv->low_water_mark == low_water_mark)
    return;
  priv->low_water_mark = low_water_mark;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOW_WATER_MARK]);
}

/**
 * gsock_tcp_server_get_drain_timeout:
 * @self: a server
 *
 * Gets [property@Gsock.TcpServer:drain-timeout].
 *
 * Returns: the clients' drain timeout in milliseconds, 0 for none
 */
guint
gsock_tcp_server_get_drain_timeout (GsockTcpServer *self)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), 0);

  return priv->drain_timeout;
}

/**
 * gsock_tcp_server_set_drain_timeout:
 * @self: a server
 * @drain_timeout_ms: the clients' drain timeout in milliseconds, 0 for none
 *
 * Sets [property@Gsock.TcpServer:drain-timeout].
 */
void
gsock_tcp_server_set_drain_timeout (GsockTcpServer *self,
                                    guint           drain_timeout_ms)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));

  if (priv->drain_timeout == drain_timeout_ms)
    return;
  priv->drain_timeout = drain_timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DRAIN_TIMEOUT]);
}

/**
 * gsock_tcp_server_get_tls_certificate:
 * @self: a server
 *
 * Gets [property@Gsock.TcpServer:tls-certificate].
 *
 * Returns: (transfer none) (nullable): the server's certificate, or `NULL` for plain TCP
 */
GTlsCertificate *
gsock_tcp_server_get_tls_certificate (GsockTcpServer *self)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), NULL);

  return priv->tls.certificate;
}

/**
 * gsock_tcp_server_set_tls_certificate:
 * @self: a server
 * @certificate: (nullable): a certificate with its private key, or `NULL` for plain TCP
 *
 * Sets [property@Gsock.TcpServer:tls-certificate], used for connections accepted from now on.
 */
void
gsock_tcp_server_set_tls_certificate (GsockTcpServer  *self,
                                      GTlsCertificate *certificate)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));
  g_return_if_fail (certificate == NULL || G_IS_TLS_CERTIFICATE (certificate));

  if (g_set_object (&priv->tls.certificate, certificate))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_CERTIFICATE]);
}

/**
 * gsock_tcp_server_get_tls_certificate_file:
 * @self: a server
 *
 * Gets [property@Gsock.TcpServer:tls-certificate-file].
 *
 * Returns: (nullable) (type filename): the PEM file of the certificate and key, or `NULL`
 */
const char *
gsock_tcp_server_get_tls_certificate_file (GsockTcpServer *self)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), NULL);

  return priv->tls_certificate_file;
}

/**
 * gsock_tcp_server_set_tls_certificate_file:
 * @self: a server
 * @path: (nullable) (type filename): a PEM file with the certificate and its private key
 *
 * Sets [property@Gsock.TcpServer:tls-certificate-file], loaded at the next listen.
 */
void
gsock_tcp_server_set_tls_certificate_file (GsockTcpServer *self,
                                           const char     *path)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));

  if (g_strcmp0 (priv->tls_certificate_file, path) == 0)
    return;
  g_free (priv->tls_certificate_file);
  priv->tls_certificate_file = g_strdup (path);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_CERTIFICATE_FILE]);
}

/**
 * gsock_tcp_server_get_tls_database:
 * @self: a server
 *
 * Gets [property@Gsock.TcpServer:tls-database].
 *
 * Returns: (transfer none) (nullable): the trusted authorities, or `NULL` for the system's
 */
GTlsDatabase *
gsock_tcp_server_get_tls_database (GsockTcpServer *self)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), NULL);

  return priv->tls.database;
}

/**
 * gsock_tcp_server_set_tls_database:
 * @self: a server
 * @database: (nullable): the trusted authorities, or `NULL` for the system's
 *
 * Sets [property@Gsock.TcpServer:tls-database].
 */
void
gsock_tcp_server_set_tls_database (GsockTcpServer *self,
                                   GTlsDatabase   *database)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));
  g_return_if_fail (database == NULL || G_IS_TLS_DATABASE (database));

  if (g_set_object (&priv->tls.database, database))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_DATABASE]);
}

/**
 * gsock_tcp_server_get_tls_authentication_mode:
 * @self: a server
 *
 * Gets [property@Gsock.TcpServer:tls-authentication-mode].
 *
 * Returns: whether clients are asked for certificates
 */
GTlsAuthenticationMode
gsock_tcp_server_get_tls_authentication_mode (GsockTcpServer *self)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), G_TLS_AUTHENTICATION_NONE);

  return priv->tls_authentication_mode;
}

/**
 * gsock_tcp_server_set_tls_authentication_mode:
 * @self: a server
 * @mode: whether to ask clients for certificates
 *
 * Sets [property@Gsock.TcpServer:tls-authentication-mode].
 */
void
gsock_tcp_server_set_tls_authentication_mode (GsockTcpServer         *self,
                                              GTlsAuthenticationMode  mode)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));

  if (priv->tls_authentication_mode == mode)
    return;
  priv->tls_authentication_mode = mode;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_AUTHENTICATION_MODE]);
}

/**
 * gsock_tcp_server_get_handler_threads:
 * @self: a server
 *
 * Gets [property@Gsock.TcpServer:handler-threads].
 *
 * Returns: the number of handler threads, 0 when handlers run on the main context
 */
guint
gsock_tcp_server_get_handler_threads (GsockTcpServer *self)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), 0);

  return priv->handler_threads;
}

/**
 * gsock_tcp_server_set_handler_threads:
 * @self: a server
 * @handler_threads: how many threads run message handlers, 0 for the main context
 *
 * Sets [property@Gsock.TcpServer:handler-threads].
 */
void
gsock_tcp_server_set_handler_threads (GsockTcpServer *self,
                                      guint           handler_threads)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));

  if (priv->handler_threads == handler_threads)
    return;
  priv->handler_threads = handler_threads;
  if (priv->handler_pool == NULL && handler_threads > 0)
    priv->handler_pool = _gsock_handler_pool_new (GSOCK_ENDPOINT (self), handler_threads);
  else if (priv->handler_pool != NULL)
    _gsock_handler_pool_set_max_threads (priv->handler_pool, handler_threads);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HANDLER_THREADS]);
}
