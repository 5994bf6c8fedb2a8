/* gsock-tcp-server.c: a TCP server for many clients on one main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-tcp-server.h"

#include <errno.h>
#include <sys/socket.h>

#include "gsock-acceptor-private.h"
#include "gsock-client-list-private.h"
#include "gsock-debug-private.h"
#include "gsock-encoding-private.h"
#include "gsock-endpoint-private.h"
#include "gsock-error.h"
#include "gsock-handler-pool-private.h"
#include "gsock-line-framer.h"
#include "gsock-marshal.h"
#include "gsock-message.h"
#include "gsock-message-view.h"
#include "gsock-tcp-client-private.h"
#include "gsock-tcp-server-settings-private.h"
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

typedef struct
{
  /* GsockAcceptor *, one per address listened on (the first listening ones); kept until
   * finalize, since an accept callback may close the server under its acceptor's feet */
  GPtrArray *acceptors;
  guint n_listening;
  GsockClientList *clients;
  GsockTcpServerSettings settings; /* what each accepted connection is given */
  GPtrArray *handshakes; /* GCancellable * of the TLS handshakes under way */
  guint max_clients;
  guint handler_threads;
  GsockHandlerPool *handler_pool;
  gboolean reuse_address;
  gboolean reuse_port;
  guint64 clients_rejected;
  guint64 accept_pauses;
} GsockTcpServerPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (GsockTcpServer, gsock_tcp_server, GSOCK_TYPE_ENDPOINT)

enum {
  PROP_0,
  PROP_CLIENTS,
  PROP_MAX_CLIENTS,
  PROP_REUSE_ADDRESS,
  PROP_REUSE_PORT,
  PROP_CLIENTS_REJECTED,
  PROP_ACCEPT_PAUSES,
  PROP_HANDLER_THREADS,
  N_PROPS,
  /* The settings given to each connection, installed by gsock-tcp-server-settings.c. */
  PROP_SETTINGS_FIRST = N_PROPS,
};

enum {
  SIGNAL_CLIENT_CONNECTED,
  SIGNAL_CLIENT_DISCONNECTED,
  SIGNAL_ACCEPT_CERTIFICATE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

GsockTcpServerSettings *
_gsock_tcp_server_get_settings (GsockTcpServer *self)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  return &priv->settings;
}

static void
stop_listening (GsockTcpServer *self)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  if (priv->n_listening > 0)
    GSOCK_DEBUG ("Stopped listening on %u address%s", priv->n_listening,
                 priv->n_listening > 1 ? "es" : "");
  for (guint i = 0; i < priv->n_listening; i++)
    _gsock_acceptor_stop (priv->acceptors->pdata[i]);
  priv->n_listening = 0;
  for (guint i = 0; i < priv->handshakes->len; i++)
    g_cancellable_cancel (priv->handshakes->pdata[i]);
  _gsock_endpoint_set_local_address (GSOCK_ENDPOINT (self), NULL);
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
  g_clear_object (&priv->settings.connection.framer);
  _gsock_tls_clear (&priv->settings.tls);
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
  g_ptr_array_unref (priv->acceptors);
  g_free (priv->settings.tls_certificate_file);

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
    case PROP_ACCEPT_PAUSES:
      g_value_set_uint64 (value, priv->accept_pauses);
      break;
    case PROP_HANDLER_THREADS:
      g_value_set_uint (value, priv->handler_threads);
      break;
    default:
      if (!_gsock_tcp_server_settings_get_property (&priv->settings, prop_id, value))
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
    case PROP_MAX_CLIENTS:
      gsock_tcp_server_set_max_clients (self, g_value_get_uint (value));
      break;
    case PROP_REUSE_ADDRESS:
      gsock_tcp_server_set_reuse_address (self, g_value_get_boolean (value));
      break;
    case PROP_REUSE_PORT:
      gsock_tcp_server_set_reuse_port (self, g_value_get_boolean (value));
      break;
    case PROP_HANDLER_THREADS:
      gsock_tcp_server_set_handler_threads (self, g_value_get_uint (value));
      break;
    default:
      if (!_gsock_tcp_server_settings_set_property (self, prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
reject (GsockTcpServer *self,
        GSocket        *socket)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  g_autoptr(GError) error = NULL;

  GSOCK_DEBUG ("Closed a new connection at once: %u clients are connected already",
               priv->max_clients);
  g_socket_close (socket, NULL);
  priv->clients_rejected++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENTS_REJECTED]);
  g_set_error (&error, GSOCK_ERROR, GSOCK_ERROR_TOO_MANY_CLIENTS,
               "A connection was closed: %u clients are connected already", priv->max_clients);
  _gsock_endpoint_report_error (GSOCK_ENDPOINT (self), error);
}

/* With handler threads, the handler and handle_message still run here, in the read; the
 * threads run message-received's handlers. */
static void
client_deliver (GsockEndpoint    *endpoint,
                GsockTcpClient   *client,
                GsockMessageView *view)
{
  GsockTcpServerPrivate *priv =
    gsock_tcp_server_get_instance_private (GSOCK_TCP_SERVER (endpoint));
  g_autoptr(GsockMessage) message = NULL;

  if (priv->handler_threads == 0)
    {
      _gsock_endpoint_deliver (endpoint, view, TRUE);
      return;
    }
  _gsock_endpoint_count_message (endpoint);
  _gsock_endpoint_handle (endpoint, view);
  message = gsock_message_view_keep (view);
  _gsock_handler_pool_push (priv->handler_pool, client, message,
                            priv->settings.connection.high_water_mark,
                            priv->settings.connection.low_water_mark);
}

static void
client_gone (GsockEndpoint  *endpoint,
             GsockTcpClient *client,
             const GError   *reason)
{
  GsockTcpServer *self = GSOCK_TCP_SERVER (endpoint);
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);

  _gsock_tcp_client_forget_owner (client);
  /* Its descriptor is free now. */
  for (guint i = 0; i < priv->n_listening; i++)
    _gsock_acceptor_resume (priv->acceptors->pdata[i]);
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
 * connection. NULL when the server listens on a wildcard address, on several addresses (or
 * is not an IP one). */
static GSocketAddress *
accepted_local_address (GsockTcpServer *self)
{
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);
  GSocketAddress *listening = gsock_endpoint_get_local_address (GSOCK_ENDPOINT (self));

  if (priv->n_listening != 1 || !G_IS_INET_SOCKET_ADDRESS (listening) ||
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
  GsockTcpClientSettings settings = priv->settings.connection;
  g_autoptr(GsockTcpClient) client = NULL;

  settings.local_address = accepted_local_address (self);
  client = _gsock_tcp_client_new_accepted (GSOCK_ENDPOINT (self), &client_owner, &settings,
                                           stream);

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
      GSOCK_DEBUG ("%s", error->message);
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
  guint timeout = priv->settings.connection.idle_timeout;

  if (timeout == 0)
    timeout = gsock_endpoint_get_connect_timeout (GSOCK_ENDPOINT (self));
  g_ptr_array_add (priv->handshakes, g_object_ref (cancellable));
  _gsock_tls_handshake_async (&priv->settings.tls, G_IO_STREAM (connection),
                              priv->settings.tls_authentication_mode, timeout, cancellable,
                              handshake_cb, NULL);
}

/* The acceptor's callbacks. */

static void
accepted (GsockEndpoint *endpoint,
          GSocket       *socket)
{
  GsockTcpServer *self = GSOCK_TCP_SERVER (endpoint);
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);
  g_autoptr(GSocketConnection) connection = NULL;

  if (priv->max_clients > 0 &&
      g_list_model_get_n_items (G_LIST_MODEL (priv->clients)) + priv->handshakes->len >=
        priv->max_clients)
    {
      reject (self, socket);
      return;
    }

  connection = g_socket_connection_factory_create_connection (socket);
  if (priv->settings.tls.certificate != NULL)
    start_handshake (self, connection);
  else
    add_client (self, G_IO_STREAM (connection));
}

/* The server goes on and the application hears of it. */
static void
accept_failed (GsockEndpoint *endpoint,
               const GError  *error)
{
  _gsock_endpoint_report_error (endpoint, error);
}

static void
accept_paused (GsockEndpoint *endpoint,
               const GError  *error,
               gboolean       first)
{
  GsockTcpServerPrivate *priv =
    gsock_tcp_server_get_instance_private (GSOCK_TCP_SERVER (endpoint));
  g_autoptr(GError) paused = NULL;

  priv->accept_pauses++;
  g_object_notify_by_pspec (G_OBJECT (endpoint), properties[PROP_ACCEPT_PAUSES]);
  /* Once per run of pauses, not ten times a second while it lasts. */
  if (!first)
    return;
  g_set_error (&paused, GSOCK_ERROR, GSOCK_ERROR_OUT_OF_DESCRIPTORS,
               "Not accepting connections for a while: %s", error->message);
  g_message ("%s", paused->message);
  _gsock_endpoint_report_error (endpoint, paused);
}

static const GsockAcceptorCallbacks acceptor_callbacks = {
  .accepted = accepted,
  .failed = accept_failed,
  .paused = accept_paused,
};

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

static gboolean listen_at (GsockEndpoint *endpoint,
                           GList         *addresses,
                           GError       **error);

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
   * GsockTcpServer:accept-pauses:
   *
   * How many times accepting stopped for a while because the process (or the system) had no
   * file descriptor left (`EMFILE`, `ENFILE`). Accepting goes on by itself after 100 ms, or
   * as soon as one of the server's connections closes; the first pause since a connection was
   * last accepted is reported as `GSOCK_ERROR_OUT_OF_DESCRIPTORS` through
   * [signal@Gsock.Endpoint::error] (and one log message), the ones after it only counted
   * here. Meanwhile new connections wait in the listen queue.
   */
  properties[PROP_ACCEPT_PAUSES] =
    g_param_spec_uint64 ("accept-pauses", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpServer:handler-threads:
   *
   * How many threads run the server's [signal@Gsock.Endpoint::message-received] handlers;
   * 0, the default, runs them on the server's main context like every other signal.
   *
   * This is the thread-per-client style of blocking servers, as an option: a handler may
   * block (on a database, a file, a computation) without stalling the other clients. Each client's
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
  _gsock_tcp_server_settings_install_properties (object_class, PROP_SETTINGS_FIRST);

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
  priv->settings.connection.framer = gsock_line_framer_new (NULL);
  priv->reuse_address = TRUE;
  priv->settings.connection.max_queued_bytes = GSOCK_DEFAULT_MAX_QUEUED_BYTES;
  priv->settings.connection.high_water_mark = GSOCK_DEFAULT_HIGH_WATER_MARK;
  priv->settings.connection.low_water_mark = GSOCK_DEFAULT_LOW_WATER_MARK;
  _gsock_tcp_options_init (&priv->settings.connection.options);
  priv->handshakes = g_ptr_array_new_with_free_func (g_object_unref);
  priv->acceptors = g_ptr_array_new_with_free_func (g_free);
  _gsock_tls_init (&priv->settings.tls, GSOCK_ENDPOINT (self), signals[SIGNAL_ACCEPT_CERTIFICATE]);
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
 *   already listening, `GSOCK_ERROR_UNKNOWN_ENCODING` for an
 *   [property@Gsock.Endpoint:encoding] iconv does not know,
 *   `GSOCK_ERROR_TLS_UNAVAILABLE` when a TLS certificate is set but no TLS
 *   backend is installed, the error of loading
 *   [property@Gsock.TcpServer:tls-certificate-file], or a resolver error for an unknown host
 */
gboolean
gsock_tcp_server_listen (GsockTcpServer *self,
                         GError        **error)
{
  GsockEndpoint *endpoint = GSOCK_ENDPOINT (self);
  g_autolist(GSocketAddress) addresses = NULL;

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (gsock_endpoint_get_state (endpoint) != GSOCK_STATE_CLOSED)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY, "The server is already open");
      return FALSE;
    }
  addresses = _gsock_endpoint_resolve (endpoint, error);
  if (addresses == NULL)
    return FALSE;

  return listen_at (endpoint, addresses, error);
}

/* A listening socket at @address, or NULL with @error set. */
static GSocket *
listen_on (GsockTcpServer *self,
           GSocketAddress *address,
           GError        **error)
{
  g_autoptr(GSocket) socket = NULL;

  socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         _gsock_protocol_for (address, G_SOCKET_TYPE_STREAM), error);
  if (socket == NULL)
    return NULL;
  g_socket_set_blocking (socket, FALSE);
  /* The kernel caps it at net.core.somaxconn; a storm of connections should queue, not fail. */
  g_socket_set_listen_backlog (socket, SOMAXCONN);
  if (!bind_socket (self, socket, address, error) || !g_socket_listen (socket, error))
    return NULL;
  return g_steal_pointer (&socket);
}

/* The port of an internet socket address; 0 for any other. */
static guint16
port_of (GSocketAddress *address)
{
  return G_IS_INET_SOCKET_ADDRESS (address) ?
    g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)) : 0;
}

/* Listening sockets for @addresses: with port 0, the first gets a free port and the others
 * the same one. A later address the system cannot listen on (an IPv6 one on a host without
 * IPv6, say) is left out; one whose port is taken is not, or a client could meet another
 * program at that name. */
static GPtrArray *
listen_on_all (GsockTcpServer *self,
               GList          *addresses,
               GError        **error)
{
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
  guint16 port = port_of (addresses->data);

  for (GList *l = addresses; l != NULL; l = l->next)
    {
      g_autoptr(GSocketAddress) address = g_object_ref (l->data);
      g_autoptr(GError) local_error = NULL;
      GSocket *socket;

      if (port != port_of (address))
        {
          g_object_unref (address);
          address = g_inet_socket_address_new (
            g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (l->data)), port);
        }
      socket = listen_on (self, address, &local_error);
      if (socket == NULL)
        {
          g_autofree char *name = NULL;

          if (l == addresses ||
              g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          name = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (address));
          g_debug ("Not listening on %s: %s", name, local_error->message);
          continue;
        }
      g_ptr_array_add (sockets, socket);
      if (port == 0)
        {
          g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, error);

          if (local == NULL)
            return NULL;
          port = port_of (local);
        }
    }
  return g_steal_pointer (&sockets);
}

/* gsock_tcp_server_listen() once the address is known; the caller checked that the server is
 * closed (or OPENING while its name was resolved). */
static gboolean
listen_at (GsockEndpoint *endpoint,
           GList         *addresses,
           GError       **error)
{
  GsockTcpServer *self = GSOCK_TCP_SERVER (endpoint);
  GsockTcpServerPrivate *priv = gsock_tcp_server_get_instance_private (self);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GPtrArray) sockets = NULL;

  /* Before loading a certificate file, which without a backend fails in GIO's words. */
  if ((priv->settings.tls_certificate_file != NULL || priv->settings.tls.certificate != NULL) &&
      !_gsock_tls_check_available (error))
    return FALSE;
  if (priv->settings.tls_certificate_file != NULL)
    {
      g_autoptr(GTlsCertificate) certificate = NULL;

      certificate = g_tls_certificate_new_from_file (priv->settings.tls_certificate_file, error);
      if (certificate == NULL)
        return FALSE;
      gsock_tcp_server_set_tls_certificate (self, certificate);
    }
  if (!_gsock_encoding_check (gsock_endpoint_get_encoding (endpoint), error))
    return FALSE;

  _gsock_endpoint_set_state (endpoint, GSOCK_STATE_OPENING);
  /* With port 0, another program may hold the first address's free port at the next one. */
  for (guint attempt = 0; sockets == NULL; attempt++)
    {
      g_autoptr(GError) local_error = NULL;

      sockets = listen_on_all (self, addresses, &local_error);
      if (sockets == NULL && (port_of (addresses->data) != 0 || attempt == 2 ||
                              !g_error_matches (local_error, G_IO_ERROR,
                                                G_IO_ERROR_ADDRESS_IN_USE)))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          goto failed;
        }
    }
  local = g_socket_get_local_address (sockets->pdata[0], error);
  if (local == NULL)
    goto failed;

  for (guint i = 0; i < sockets->len; i++)
    {
      GsockAcceptor *acceptor;

      if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
        {
          g_autoptr(GSocketAddress) address = g_socket_get_local_address (sockets->pdata[i],
                                                                          NULL);
          g_autofree char *name = _gsock_debug_address (address);

          g_debug ("Listening on %s%s", name,
                   priv->settings.tls.certificate != NULL ? " with TLS" : "");
        }

      if (i == priv->acceptors->len)
        {
          acceptor = g_new0 (GsockAcceptor, 1);
          _gsock_acceptor_init (acceptor, endpoint, &acceptor_callbacks);
          g_ptr_array_add (priv->acceptors, acceptor);
        }
      _gsock_acceptor_start (priv->acceptors->pdata[i], _gsock_endpoint_get_context (endpoint),
                             sockets->pdata[i]);
    }
  priv->n_listening = sockets->len;

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
  GsockTcpServerPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), NULL);

  priv = gsock_tcp_server_get_instance_private (self);

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
  GsockTcpServerPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), 0);

  priv = gsock_tcp_server_get_instance_private (self);

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
  GsockTcpServerPrivate *priv;

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));

  priv = gsock_tcp_server_get_instance_private (self);

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
  GsockTcpServerPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), FALSE);

  priv = gsock_tcp_server_get_instance_private (self);

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
  GsockTcpServerPrivate *priv;

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));

  priv = gsock_tcp_server_get_instance_private (self);

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
  GsockTcpServerPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), FALSE);

  priv = gsock_tcp_server_get_instance_private (self);

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
  GsockTcpServerPrivate *priv;

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));

  priv = gsock_tcp_server_get_instance_private (self);

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
  GsockTcpServerPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), 0);

  priv = gsock_tcp_server_get_instance_private (self);

  return priv->clients_rejected;
}

/**
 * gsock_tcp_server_get_accept_pauses:
 * @self: a server
 *
 * Gets [property@Gsock.TcpServer:accept-pauses].
 *
 * Returns: how many times accepting stopped for want of a file descriptor
 */
guint64
gsock_tcp_server_get_accept_pauses (GsockTcpServer *self)
{
  GsockTcpServerPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), 0);

  priv = gsock_tcp_server_get_instance_private (self);

  return priv->accept_pauses;
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
  GsockTcpServerPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), 0);

  priv = gsock_tcp_server_get_instance_private (self);

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
  GsockTcpServerPrivate *priv;

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));

  priv = gsock_tcp_server_get_instance_private (self);

  if (priv->handler_threads == handler_threads)
    return;
  priv->handler_threads = handler_threads;
  if (priv->handler_pool == NULL && handler_threads > 0)
    priv->handler_pool = _gsock_handler_pool_new (GSOCK_ENDPOINT (self), handler_threads);
  else if (priv->handler_pool != NULL)
    _gsock_handler_pool_set_max_threads (priv->handler_pool, handler_threads);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HANDLER_THREADS]);
}
