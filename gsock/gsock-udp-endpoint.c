/* gsock-udp-endpoint.c: a UDP socket that sends and receives datagrams
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-udp-endpoint.h"

#include "gsock-endpoint-private.h"
#include "gsock-error.h"
#include "gsock-message.h"

/**
 * GsockUdpEndpoint:
 *
 * A UDP socket: the tutorial's `UDPSocket` class.
 *
 * [method@Gsock.UdpEndpoint.bind] binds [property@Gsock.Endpoint:host] and
 * [property@Gsock.Endpoint:port]; every datagram that arrives then becomes a
 * [struct@Gsock.Message] with its sender's address. Sending to an address works without a
 * bind too: the first send binds an ephemeral port on every interface, as the system does for
 * a plain socket.
 *
 * A datagram larger than [property@Gsock.Endpoint:max-message-size] (65,507 bytes by default,
 * the largest UDP payload) is never delivered cut short: it is reported as
 * `GSOCK_ERROR_MESSAGE_TOO_LARGE` through [signal@Gsock.Endpoint::error] or to a pending
 * receive.
 *
 * ```c
 * g_autoptr(GsockUdpEndpoint) server = gsock_udp_endpoint_new ("127.0.0.1", 8080);
 *
 * g_signal_connect (server, "message-received", G_CALLBACK (on_message), NULL);
 * if (!gsock_udp_endpoint_bind (server, &error))
 *   g_printerr ("%s\n", error->message);
 * ```
 */

/* Larger than any UDP payload, so the kernel never cuts a datagram short for lack of room. */
#define READ_BUFFER_SIZE 65536
/* Datagrams read in one dispatch before other sources get their turn. */
#define MAX_READS_PER_DISPATCH 64

typedef struct
{
  GSocket *socket;
  GSource *read_source;
  guint8 *buffer;
  gboolean broadcast;
  gboolean closed; /* closed by the user: sending does not bind again */
} GsockUdpEndpointPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (GsockUdpEndpoint, gsock_udp_endpoint, GSOCK_TYPE_ENDPOINT)

enum {
  PROP_0,
  PROP_BROADCAST,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
release_socket (GsockUdpEndpoint *self)
{
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);

  _gsock_source_clear (&priv->read_source);
  if (priv->socket != NULL)
    {
      g_socket_close (priv->socket, NULL);
      g_clear_object (&priv->socket);
    }
}

static void
gsock_udp_endpoint_dispose (GObject *object)
{
  release_socket (GSOCK_UDP_ENDPOINT (object));

  G_OBJECT_CLASS (gsock_udp_endpoint_parent_class)->dispose (object);
}

static void
gsock_udp_endpoint_finalize (GObject *object)
{
  GsockUdpEndpoint *self = GSOCK_UDP_ENDPOINT (object);
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);

  g_free (priv->buffer);

  G_OBJECT_CLASS (gsock_udp_endpoint_parent_class)->finalize (object);
}

static void
gsock_udp_endpoint_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  GsockUdpEndpoint *self = GSOCK_UDP_ENDPOINT (object);

  switch (prop_id)
    {
    case PROP_BROADCAST:
      g_value_set_boolean (value, gsock_udp_endpoint_get_broadcast (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gsock_udp_endpoint_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  GsockUdpEndpoint *self = GSOCK_UDP_ENDPOINT (object);

  switch (prop_id)
    {
    case PROP_BROADCAST:
      gsock_udp_endpoint_set_broadcast (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
read_cb (GSocket      *socket,
         GIOCondition  condition,
         gpointer      user_data)
{
  GsockUdpEndpoint *self = user_data;
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);
  GsockEndpoint *endpoint = GSOCK_ENDPOINT (self);

  g_object_ref (self);
  for (guint i = 0; i < MAX_READS_PER_DISPATCH && priv->socket == socket; i++)
    {
      g_autoptr(GSocketAddress) sender = NULL;
      g_autoptr(GError) error = NULL;
      gsize max = gsock_endpoint_get_max_message_size (endpoint);
      gssize n;

      n = g_socket_receive_from (socket, &sender, (char *) priv->buffer, READ_BUFFER_SIZE,
                                 NULL, &error);
      if (n < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            _gsock_endpoint_deliver_error (endpoint, error);
          break;
        }

      _gsock_endpoint_add_bytes_received (endpoint, n);
      if ((gsize) n > max)
        {
          g_autofree char *from = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (sender));

          g_set_error (&error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE,
                       "Datagram of %" G_GSSIZE_FORMAT " bytes from %s is larger than the "
                       "limit of %" G_GSIZE_FORMAT " bytes", n, from, max);
          _gsock_endpoint_deliver_error (endpoint, error);
        }
      else
        {
          g_autoptr(GBytes) bytes = g_bytes_new (priv->buffer, n);
          g_autoptr(GsockMessage) message = gsock_message_new (endpoint, bytes, sender);

          _gsock_endpoint_deliver (endpoint, message, TRUE);
        }
    }
  g_object_unref (self);

  return G_SOURCE_CONTINUE;
}

/* Creates, binds and watches the socket: the common part of bind and of the implicit bind of
 * a first send. */
static gboolean
open_socket (GsockUdpEndpoint *self,
             GSocketAddress   *address,
             GError          **error)
{
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);
  GsockEndpoint *endpoint = GSOCK_ENDPOINT (self);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) local = NULL;

  _gsock_endpoint_set_state (endpoint, GSOCK_STATE_OPENING);

  socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_DATAGRAM,
                         _gsock_protocol_for (address, G_SOCKET_TYPE_DATAGRAM), error);
  if (socket == NULL)
    goto failed;
  g_socket_set_blocking (socket, FALSE);
  g_socket_set_broadcast (socket, priv->broadcast);
  if (!g_socket_bind (socket, address, FALSE, error))
    goto failed;
  local = g_socket_get_local_address (socket, error);
  if (local == NULL)
    goto failed;

  priv->socket = g_steal_pointer (&socket);
  priv->closed = FALSE;
  if (priv->buffer == NULL)
    priv->buffer = g_malloc (READ_BUFFER_SIZE);
  priv->read_source = g_socket_create_source (priv->socket, G_IO_IN, NULL);
  g_source_set_callback (priv->read_source, G_SOURCE_FUNC (read_cb), self, NULL);
  g_source_attach (priv->read_source, _gsock_endpoint_get_context (endpoint));

  _gsock_endpoint_set_local_address (endpoint, local);
  _gsock_endpoint_set_state (endpoint, GSOCK_STATE_OPEN);
  return TRUE;

failed:
  _gsock_endpoint_set_state (endpoint, GSOCK_STATE_CLOSED);
  return FALSE;
}

static gboolean
gsock_udp_endpoint_send_bytes (GsockEndpoint  *endpoint,
                               GBytes         *payload,
                               GSocketAddress *target,
                               GError        **error)
{
  GsockUdpEndpoint *self = GSOCK_UDP_ENDPOINT (endpoint);
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);
  gsize size;
  const char *data = g_bytes_get_data (payload, &size);
  gssize n;

  if (target == NULL)
    {
      g_set_error_literal (error, GSOCK_ERROR, GSOCK_ERROR_NO_DESTINATION,
                           "A datagram needs a target address");
      return FALSE;
    }

  if (priv->socket == NULL)
    {
      g_autoptr(GInetAddress) any = NULL;
      g_autoptr(GSocketAddress) local = NULL;

      if (priv->closed)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The endpoint is closed");
          return FALSE;
        }
      if (!G_IS_INET_SOCKET_ADDRESS (target))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "Bind the endpoint before sending to a non-IP address");
          return FALSE;
        }
      any = g_inet_address_new_any (g_socket_address_get_family (target));
      local = g_inet_socket_address_new (any, 0);
      if (!open_socket (self, local, error))
        return FALSE;
    }

  n = g_socket_send_to (priv->socket, target, data != NULL ? data : "", size, NULL, error);
  if (n < 0)
    return FALSE;

  _gsock_endpoint_add_bytes_sent (endpoint, n);
  return TRUE;
}

static void
gsock_udp_endpoint_close (GsockEndpoint *endpoint)
{
  GsockUdpEndpoint *self = GSOCK_UDP_ENDPOINT (endpoint);
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);

  /* A datagram is handed to the kernel by send, so there is no queue to flush. */
  release_socket (self);
  priv->closed = TRUE;
  _gsock_endpoint_set_local_address (endpoint, NULL);
  _gsock_endpoint_set_state (endpoint, GSOCK_STATE_CLOSED);
}

static gboolean
bind_endpoint (GsockEndpoint *endpoint,
               GError       **error)
{
  return gsock_udp_endpoint_bind (GSOCK_UDP_ENDPOINT (endpoint), error);
}

static void
gsock_udp_endpoint_open_async (GsockEndpoint      *endpoint,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  _gsock_endpoint_open_with (endpoint, bind_endpoint, cancellable, callback, user_data);
}

static void
gsock_udp_endpoint_class_init (GsockUdpEndpointClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GsockEndpointClass *endpoint_class = GSOCK_ENDPOINT_CLASS (klass);

  object_class->dispose = gsock_udp_endpoint_dispose;
  object_class->finalize = gsock_udp_endpoint_finalize;
  object_class->get_property = gsock_udp_endpoint_get_property;
  object_class->set_property = gsock_udp_endpoint_set_property;

  endpoint_class->send_bytes = gsock_udp_endpoint_send_bytes;
  endpoint_class->close = gsock_udp_endpoint_close;
  endpoint_class->open_async = gsock_udp_endpoint_open_async;

  /**
   * GsockUdpEndpoint:broadcast:
   *
   * Whether datagrams may be sent to a broadcast address (`SO_BROADCAST`).
   */
  properties[PROP_BROADCAST] =
    g_param_spec_boolean ("broadcast", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gsock_udp_endpoint_init (GsockUdpEndpoint *self)
{
  gsock_endpoint_set_max_message_size (GSOCK_ENDPOINT (self), GSOCK_UDP_MAX_PAYLOAD);
}

/**
 * gsock_udp_endpoint_new:
 * @host: (nullable): the address to bind, `NULL` for `127.0.0.1`
 * @port: the port to bind, 0 for any free one
 *
 * Makes a UDP endpoint; nothing is bound until [method@Gsock.UdpEndpoint.bind] or the first
 * send.
 *
 * Returns: (transfer full): a new endpoint
 */
GsockUdpEndpoint *
gsock_udp_endpoint_new (const char *host,
                        guint16     port)
{
  return g_object_new (GSOCK_TYPE_UDP_ENDPOINT, "host", host, "port", (guint) port, NULL);
}

/**
 * gsock_udp_endpoint_bind:
 * @self: a UDP endpoint
 * @error: return location for an error
 *
 * Binds [property@Gsock.Endpoint:host] and [property@Gsock.Endpoint:port] and starts
 * delivering the datagrams that arrive there.
 *
 * Returns: `TRUE` once bound; `FALSE` with @error set otherwise: `G_IO_ERROR_ADDRESS_IN_USE`,
 *   `G_IO_ERROR_BUSY` when already bound, or a resolver error for an unknown host
 */
gboolean
gsock_udp_endpoint_bind (GsockUdpEndpoint *self,
                         GError          **error)
{
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);
  g_autoptr(GSocketAddress) address = NULL;

  g_return_val_if_fail (GSOCK_IS_UDP_ENDPOINT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (priv->socket != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY, "The endpoint is already bound");
      return FALSE;
    }

  address = _gsock_endpoint_resolve (GSOCK_ENDPOINT (self), error);
  if (address == NULL)
    return FALSE;

  return open_socket (self, address, error);
}

/**
 * gsock_udp_endpoint_get_broadcast:
 * @self: a UDP endpoint
 *
 * Gets [property@Gsock.UdpEndpoint:broadcast].
 *
 * Returns: whether broadcasting is allowed
 */
gboolean
gsock_udp_endpoint_get_broadcast (GsockUdpEndpoint *self)
{
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);

  g_return_val_if_fail (GSOCK_IS_UDP_ENDPOINT (self), FALSE);

  return priv->broadcast;
}

/**
 * gsock_udp_endpoint_set_broadcast:
 * @self: a UDP endpoint
 * @broadcast: whether to allow sending to broadcast addresses
 *
 * Sets [property@Gsock.UdpEndpoint:broadcast], at once if the socket exists.
 */
void
gsock_udp_endpoint_set_broadcast (GsockUdpEndpoint *self,
                                  gboolean          broadcast)
{
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);

  g_return_if_fail (GSOCK_IS_UDP_ENDPOINT (self));

  broadcast = !!broadcast;
  if (priv->broadcast == broadcast)
    return;
  priv->broadcast = broadcast;
  if (priv->socket != NULL)
    g_socket_set_broadcast (priv->socket, broadcast);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BROADCAST]);
}
