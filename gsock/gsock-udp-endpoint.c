/* gsock-udp-endpoint.c: a UDP socket that sends and receives datagrams
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-udp-endpoint.h"

#include <net/if.h>
#include <sys/socket.h>

#include "gsock-datagram-queue-private.h"
#include "gsock-datagram-receiver-private.h"
#include "gsock-datagram-sender-private.h"
#include "gsock-debug-private.h"
#include "gsock-encoding-private.h"
#include "gsock-endpoint-private.h"
#include "gsock-error.h"
#include "gsock-message-view-private.h"
#include "gsock-socket-address-private.h"
#include "gsock-udp-endpoint-private.h"

/**
 * GsockUdpEndpoint:
 *
 * A UDP socket that keeps its address and encoding, and delivers each datagram as a message.
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
 * Sending never blocks the main loop: when the system cannot take a datagram at once, it
 * waits in a send queue (in order, at most 1024 datagrams or 4 MiB; past that a send fails with
 * `GSOCK_ERROR_QUEUE_FULL`) and goes out as soon as the socket is writable. A graceful
 * [method@Gsock.Endpoint.close] sends what is queued first; [method@Gsock.Endpoint.abort] drops
 * it. [property@Gsock.Endpoint:bytes-sent] counts what has left.
 *
 * Datagrams that arrive faster than they are read are dropped by the system once the receive
 * buffer ([property@Gsock.UdpEndpoint:receive-buffer-size]) is full; on Linux
 * [property@Gsock.UdpEndpoint:datagrams-dropped] counts them. An endpoint can receive multicast
 * datagrams after [method@Gsock.UdpEndpoint.join_multicast_group].
 *
 * ```c
 * g_autoptr(GsockUdpEndpoint) server = gsock_udp_endpoint_new ("127.0.0.1", 8080);
 *
 * g_signal_connect (server, "message-received", G_CALLBACK (on_message), NULL);
 * if (!gsock_udp_endpoint_bind (server, &error))
 *   g_printerr ("%s\n", error->message);
 * ```
 */

/* Datagrams read in one dispatch before other sources get their turn. */
#define MAX_READS_PER_DISPATCH 64
/* What the kernel may charge a datagram of @size bytes against the receive buffer, at most:
 * its buffer rounded up to a power of two, and the packet's bookkeeping. */
#define MAX_DATAGRAM_CHARGE(size) (2 * (gsize) (size) + 4096)
/* The multicast TTL the system uses unless told otherwise: stay on the local network. */
#define DEFAULT_MULTICAST_TTL 1

typedef struct
{
  GSocket *socket;
  GSource *read_source;
  gboolean broadcast;
  gboolean reuse_port;
  GSocket *given_socket; /* bound already: what the next bind takes (new_for_socket) */
  gboolean closed;  /* closed by the user: sending does not bind again */
  gboolean closing; /* close was asked for while datagrams were queued */

  GsockDatagramQueue send_queue;
  GsockDatagramSender sender;
  GsockDatagramReceiver receiver;

  guint receive_buffer_size; /* as asked for; 0: the system default */
  guint kernel_receive_buffer_size; /* as the kernel reports it while the socket exists */

  gboolean backlog;     /* a dispatch stopped before the kernel's queue was empty */
  gboolean reading;     /* in read_ready: a nested main loop in a handler must not read */
  gboolean read_deferred; /* the read source was dropped for that, until read_ready ends */

  guint multicast_ttl;
  gboolean multicast_loopback;

  GSocketAddress *remote_address; /* the one peer of a connected endpoint, or NULL */
  GsockUdpDtls dtls;
} GsockUdpEndpointPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (GsockUdpEndpoint, gsock_udp_endpoint, GSOCK_TYPE_ENDPOINT)

enum {
  PROP_0,
  PROP_BROADCAST,
  PROP_RECEIVE_BUFFER_SIZE,
  PROP_DATAGRAMS_DROPPED,
  PROP_MULTICAST_TTL,
  PROP_MULTICAST_LOOPBACK,
  PROP_REUSE_PORT,
  PROP_REMOTE_ADDRESS,
  N_PROPS,
  /* then those of gsock-udp-endpoint-dtls.c */
};

static GParamSpec *properties[N_PROPS];

/* Drops the socket, its sources and the send queue; @notify is FALSE from dispose. */
static void
release_socket (GsockUdpEndpoint *self,
                gboolean          notify)
{
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);
  guint reported = gsock_udp_endpoint_get_receive_buffer_size (self);

  _gsock_source_clear (&priv->read_source);
  /* A handshake under way is stopped first: it waits for the socket in one of GIO's
   * threads, which closing the socket would not wake. */
  if (priv->dtls.handshake != NULL)
    {
      g_cancellable_cancel (priv->dtls.handshake);
      g_clear_object (&priv->dtls.handshake);
    }
  g_clear_object (&priv->dtls.session);
  _gsock_dtls_server_clear (&priv->dtls.server);
  _gsock_datagram_sender_clear (&priv->sender);
  _gsock_datagram_queue_clear (&priv->send_queue);
  _gsock_datagram_receiver_detach (&priv->receiver);
  priv->closing = FALSE;
  if (priv->socket != NULL)
    {
      g_socket_close (priv->socket, NULL);
      g_clear_object (&priv->socket);
    }
  priv->kernel_receive_buffer_size = 0;
  /* Without a socket the property reads what was asked for again. */
  if (notify && reported != gsock_udp_endpoint_get_receive_buffer_size (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECEIVE_BUFFER_SIZE]);
}

static void
gsock_udp_endpoint_dispose (GObject *object)
{
  release_socket (GSOCK_UDP_ENDPOINT (object), FALSE);

  G_OBJECT_CLASS (gsock_udp_endpoint_parent_class)->dispose (object);
}

static void
gsock_udp_endpoint_finalize (GObject *object)
{
  GsockUdpEndpoint *self = GSOCK_UDP_ENDPOINT (object);
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);

  _gsock_datagram_receiver_clear (&priv->receiver);
  g_clear_object (&priv->given_socket);
  g_clear_object (&priv->remote_address);
  _gsock_tls_clear (&priv->dtls.tls);

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
    case PROP_RECEIVE_BUFFER_SIZE:
      g_value_set_uint (value, gsock_udp_endpoint_get_receive_buffer_size (self));
      break;
    case PROP_DATAGRAMS_DROPPED:
      g_value_set_uint64 (value, gsock_udp_endpoint_get_datagrams_dropped (self));
      break;
    case PROP_MULTICAST_TTL:
      g_value_set_uint (value, gsock_udp_endpoint_get_multicast_ttl (self));
      break;
    case PROP_MULTICAST_LOOPBACK:
      g_value_set_boolean (value, gsock_udp_endpoint_get_multicast_loopback (self));
      break;
    case PROP_REUSE_PORT:
      g_value_set_boolean (value, gsock_udp_endpoint_get_reuse_port (self));
      break;
    case PROP_REMOTE_ADDRESS:
      g_value_set_object (value, gsock_udp_endpoint_get_remote_address (self));
      break;
    default:
      if (!_gsock_udp_endpoint_dtls_get_property (self, prop_id, value))
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
    case PROP_RECEIVE_BUFFER_SIZE:
      gsock_udp_endpoint_set_receive_buffer_size (self, g_value_get_uint (value));
      break;
    case PROP_MULTICAST_TTL:
      gsock_udp_endpoint_set_multicast_ttl (self, g_value_get_uint (value));
      break;
    case PROP_MULTICAST_LOOPBACK:
      gsock_udp_endpoint_set_multicast_loopback (self, g_value_get_boolean (value));
      break;
    case PROP_REUSE_PORT:
      gsock_udp_endpoint_set_reuse_port (self, g_value_get_boolean (value));
      break;
    case PROP_REMOTE_ADDRESS:
      gsock_udp_endpoint_set_remote_address (self, g_value_get_object (value));
      break;
    default:
      if (!_gsock_udp_endpoint_dtls_set_property (self, prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* The read source: the socket's descriptor, without GSocket's source, which takes the
 * context's lock twice per dispatch for a timeout the endpoint does not use. */
typedef struct
{
  GSource source;
  GsockUdpEndpoint *self; /* not owned: the endpoint destroys the source before it goes */
  gpointer tag;
} ReadSource;

static gboolean read_ready (GsockUdpEndpoint *self,
                            GIOCondition      condition);

/* Ready without the descriptor in two cases. Called while a read is handled, this is an
 * iteration of a handler's nested main loop: the datagrams that handler sent so far should
 * leave now (from the dispatch), not wait for it to return, since it may be waiting for their
 * answers. And after a dispatch stopped at its limit, the next one must come even if that
 * limit was all the kernel held: it finds the queue empty and takes in the drops no datagram
 * carried. */
static gboolean
read_source_prepare (GSource *source,
                     gint    *timeout)
{
  GsockUdpEndpointPrivate *priv =
    gsock_udp_endpoint_get_instance_private (((ReadSource *) source)->self);

  *timeout = -1;
  if (priv->reading)
    return _gsock_datagram_sender_pending (&priv->sender);
  return priv->backlog;
}

static gboolean
read_source_dispatch (GSource    *source,
                      GSourceFunc callback,
                      gpointer    user_data)
{
  ReadSource *read_source = (ReadSource *) source;

  return read_ready (read_source->self, g_source_query_unix_fd (source, read_source->tag));
}

static GSourceFuncs read_source_funcs = {
  .prepare = read_source_prepare,
  .dispatch = read_source_dispatch,
};

/* Watches the socket for datagrams. The source may recurse: a source that may not is taken out
 * of the poll set and put back around every dispatch by GLib, two wake-ups of the context and
 * one more poll() per datagram (a third of a ping-pong's server time). read_ready guards
 * itself instead. */
static void
watch_input (GsockUdpEndpoint *self)
{
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);
  ReadSource *read_source;

  priv->read_source = g_source_new (&read_source_funcs, sizeof (ReadSource));
  read_source = (ReadSource *) priv->read_source;
  read_source->self = self;
  read_source->tag = g_source_add_unix_fd (priv->read_source, g_socket_get_fd (priv->socket),
                                           G_IO_IN | G_IO_ERR | G_IO_HUP);
  g_source_set_can_recurse (priv->read_source, TRUE);
  g_source_set_static_name (priv->read_source, "GsockUdpEndpoint input");
  g_source_attach (priv->read_source, _gsock_endpoint_get_context (GSOCK_ENDPOINT (self)));
}

/* The one place a datagram that fits becomes a message for the endpoint. @sender is
 * transfer none, and NULL for an unnamed peer. */
static void
deliver_datagram (GsockUdpEndpoint *self,
                  const guint8     *data,
                  gsize             size,
                  GSocketAddress   *sender)
{
  GsockEndpoint *endpoint = GSOCK_ENDPOINT (self);
  GsockMessageView view;

  _gsock_message_view_init (&view, endpoint, sender, data, size, NULL);
  _gsock_endpoint_deliver (endpoint, &view, TRUE);
  _gsock_message_view_clear (&view);
}

/* A DTLS server: dtls without a remote-address. */
static inline gboolean
is_dtls_server (GsockUdpEndpoint *self)
{
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);

  return priv->dtls.enabled && priv->remote_address == NULL;
}

/* What a DTLS server's session decrypted: counted, then delivered as a datagram of @peer's,
 * or reported when it is larger than the limit. */
static void
deliver_decrypted (GsockEndpoint  *endpoint,
                   const guint8   *data,
                   gsize           size,
                   GSocketAddress *peer)
{
  gsize max = _gsock_endpoint_peek_max_message_size (endpoint);

  _gsock_endpoint_add_bytes_received (endpoint, size);
  if (size > max)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *from = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (peer));

      g_set_error (&error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE,
                   "Datagram of %" G_GSIZE_FORMAT " bytes from %s is larger than the "
                   "limit of %" G_GSIZE_FORMAT " bytes", size, from, max);
      _gsock_endpoint_deliver_error (endpoint, error);
      return;
    }
  deliver_datagram (GSOCK_UDP_ENDPOINT (endpoint), data, size, peer);
}

static const GsockDtlsServerCallbacks dtls_server_callbacks = {
  .deliver = deliver_decrypted,
};

/* Datagram @index of the receiver's batch: counted, then delivered, or reported when it is
 * larger than the limit (it was cut, and nothing of it is delivered). Returns what the kernel
 * may have charged for it (MAX_DATAGRAM_CHARGE). */
static gsize
handle_datagram (GsockUdpEndpoint *self,
                 guint             index)
{
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);
  GsockEndpoint *endpoint = GSOCK_ENDPOINT (self);
  gsize max = _gsock_endpoint_peek_max_message_size (endpoint);
  gsize slot_size = priv->receiver.slot_size;
  GSocketAddress *sender;
  gsize size;
  const guint8 *data = _gsock_datagram_receiver_get (&priv->receiver, index, &size, &sender);

  /* A DTLS server's datagrams are records for its sessions (counted once decrypted). */
  if (is_dtls_server (self))
    {
      if (size <= slot_size)
        _gsock_dtls_server_feed (&priv->dtls.server, data, size, sender);
      return MAX_DATAGRAM_CHARGE (size);
    }
  _gsock_endpoint_add_bytes_received (endpoint, MIN (size, slot_size));
  if (size > max || size > slot_size)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *from = sender != NULL
                                ? g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (sender))
                                : g_strdup ("an unnamed peer");

      g_set_error (&error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE,
                   "Datagram of %" G_GSIZE_FORMAT " bytes from %s is larger than the "
                   "limit of %" G_GSIZE_FORMAT " bytes", size, from, MIN (max, slot_size));
      _gsock_endpoint_deliver_error (endpoint, error);
    }
  else
    deliver_datagram (self, data, size, sender);
  return MAX_DATAGRAM_CHARGE (size);
}

/* The read source's dispatch: up to MAX_READS_PER_DISPATCH datagrams, received a batch per
 * system call. What the handlers send meanwhile is collected by the sender and leaves at the
 * end, in one system call for the batch. */
static gboolean
read_ready (GsockUdpEndpoint *self,
            GIOCondition      condition)
{
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);
  GsockEndpoint *endpoint = GSOCK_ENDPOINT (self);
  guint64 dropped = priv->receiver.datagrams_dropped;
  GSocket *socket = priv->socket;
  gboolean emptied = FALSE;
  gsize charged = 0;
  guint reads = 0;
  guint capacity;

  if (priv->reading)
    {
      /* A handler runs a nested main loop: what it sent goes out now. Then, if datagrams
       * wait, stop watching until it returns, rather than wake up for the same datagram over
       * and over. */
      _gsock_datagram_sender_flush (&priv->sender);
      if ((condition & (G_IO_IN | G_IO_ERR | G_IO_HUP)) == 0)
        return G_SOURCE_CONTINUE;
      _gsock_source_clear (&priv->read_source);
      priv->read_deferred = TRUE;
      return G_SOURCE_REMOVE;
    }

  g_object_ref (self);
  /* Held, so a handler that closes the endpoint and binds again cannot make a new socket at
   * this one's address: the loop below stops at the close. */
  g_object_ref (socket);
  priv->reading = TRUE;
  _gsock_endpoint_read_begin (endpoint, TRUE);
  /* A DTLS server receives records, whatever size its messages may be. */
  _gsock_datagram_receiver_reserve (&priv->receiver, socket,
                                    is_dtls_server (self)
                                      ? GSOCK_UDP_MAX_PAYLOAD
                                      : _gsock_endpoint_peek_max_message_size (endpoint));
  capacity = priv->receiver.capacity;

  while (priv->socket == socket)
    {
      g_autoptr(GError) error = NULL;
      gint received =
        priv->dtls.session != NULL
          ? _gsock_datagram_receiver_receive_through (&priv->receiver, priv->dtls.session,
                                                      priv->remote_address, &error)
          : _gsock_datagram_receiver_receive (&priv->receiver, socket, &error);

      if (received < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            _gsock_endpoint_deliver_error (endpoint, error);
          else
            emptied = TRUE;
          break;
        }
      for (gint i = 0; i < received && priv->socket == socket; i++)
        charged += handle_datagram (self, i);
      reads += received;
      /* Fewer than asked for: the kernel's queue is empty, and asking again would only learn
       * so through a system call (a ping-pong then costs one receive and one send). */
      if ((guint) received < capacity)
        {
          emptied = TRUE;
          break;
        }
      if (reads >= MAX_READS_PER_DISPATCH)
        {
          priv->backlog = TRUE;
          break;
        }
    }
  /* The kernel drops only while the datagrams it holds fill its buffer. Unless those read
   * since the queue was last empty could have, the drop count they carried is current, and no
   * system call is spent on it. */
  if (emptied && priv->socket == socket
      && (priv->backlog || (reads > 1 && charged >= priv->kernel_receive_buffer_size)))
    {
      _gsock_datagram_receiver_poll_drops (&priv->receiver, socket);
      priv->backlog = FALSE;
    }

  /* What the handlers sent leaves now, in order. */
  _gsock_datagram_sender_flush (&priv->sender);
  priv->reading = FALSE;
  if (priv->read_deferred)
    {
      priv->read_deferred = FALSE;
      if (priv->socket == socket && priv->read_source == NULL && !priv->closing)
        watch_input (self);
    }
  if (priv->receiver.datagrams_dropped != dropped)
    {
      GSOCK_DEBUG ("The system dropped %" G_GUINT64_FORMAT " datagrams the endpoint did not "
                   "read in time (%" G_GUINT64_FORMAT " in all)",
                   priv->receiver.datagrams_dropped - dropped, priv->receiver.datagrams_dropped);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATAGRAMS_DROPPED]);
    }
  _gsock_endpoint_read_end (endpoint, TRUE);
  g_object_unref (socket);
  g_object_unref (self);

  return G_SOURCE_CONTINUE;
}

static gboolean
is_inet_socket (GSocket *socket)
{
  GSocketFamily family = g_socket_get_family (socket);

  return family == G_SOCKET_FAMILY_IPV4 || family == G_SOCKET_FAMILY_IPV6;
}

/* Asks the kernel for the receive buffer size asked for, if any, and reads back what it made
 * of it (Linux doubles the request for its own bookkeeping, and caps it at
 * net.core.rmem_max). */
static void
apply_receive_buffer_size (GsockUdpEndpoint *self)
{
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);
  g_autoptr(GError) error = NULL;
  gint value = 0;

  if (priv->receive_buffer_size != 0
      && !g_socket_set_option (priv->socket, SOL_SOCKET, SO_RCVBUF,
                               (gint) MIN (priv->receive_buffer_size, G_MAXINT), &error))
    {
      g_warning ("Could not set the receive buffer size to %u bytes: %s",
                 priv->receive_buffer_size, error->message);
      g_clear_error (&error);
    }
  if (g_socket_get_option (priv->socket, SOL_SOCKET, SO_RCVBUF, &value, NULL) && value > 0)
    priv->kernel_receive_buffer_size = value;
}

/* Sets what the properties ask for on a new socket. */
static void
configure_socket (GsockUdpEndpoint *self)
{
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);

  g_socket_set_blocking (priv->socket, FALSE);
  g_socket_set_broadcast (priv->socket, priv->broadcast);
  _gsock_datagram_receiver_attach (&priv->receiver, priv->socket);
  if (is_inet_socket (priv->socket))
    {
      g_socket_set_multicast_ttl (priv->socket, priv->multicast_ttl);
      g_socket_set_multicast_loopback (priv->socket, priv->multicast_loopback);
    }
  apply_receive_buffer_size (self);
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
  guint reported = gsock_udp_endpoint_get_receive_buffer_size (self);

  if (!_gsock_encoding_check (gsock_endpoint_get_encoding (endpoint), error))
    return FALSE;
  if (priv->dtls.enabled)
    {
      if (priv->remote_address == NULL && priv->dtls.tls.certificate == NULL)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "A DTLS endpoint needs a remote-address (the server a client "
                               "talks to) or a tls-certificate (a server's)");
          return FALSE;
        }
      if (!_gsock_tls_check_dtls_available (error))
        return FALSE;
    }
  _gsock_endpoint_set_state (endpoint, GSOCK_STATE_OPENING);

  if (priv->given_socket != NULL)
    {
      priv->socket = g_steal_pointer (&priv->given_socket);
      configure_socket (self);
    }
  else
    {
      socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_DATAGRAM,
                             _gsock_protocol_for (address, G_SOCKET_TYPE_DATAGRAM), error);
      if (socket == NULL)
        goto failed;
      /* SO_RCVBUF is set before the bind, so no datagram meets the old size. */
      priv->socket = g_steal_pointer (&socket);
      configure_socket (self);
      /* For a datagram socket, GIO's reuse is SO_REUSEPORT (with SO_REUSEADDR). */
      if (!g_socket_bind (priv->socket, address, priv->reuse_port, error))
        goto failed;
    }
  /* A connected datagram socket: the kernel sends there without a target, delivers only
   * that peer's datagrams, and reports its ICMP errors on the next receive or send. */
  if (priv->remote_address != NULL
      && !g_socket_connect (priv->socket, priv->remote_address, NULL, error))
    goto failed;
  local = g_socket_get_local_address (priv->socket, error);
  if (local == NULL)
    goto failed;

  priv->closed = FALSE;
  _gsock_datagram_queue_attach (&priv->send_queue, priv->socket);
  _gsock_datagram_sender_attach (&priv->sender, priv->socket);

  if (reported != gsock_udp_endpoint_get_receive_buffer_size (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECEIVE_BUFFER_SIZE]);
  _gsock_endpoint_set_local_address (endpoint, local);
  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    {
      g_autofree char *name = _gsock_debug_address (local);

      g_debug ("Bound a datagram socket to %s (receive buffer %u bytes)", name,
               gsock_udp_endpoint_get_receive_buffer_size (self));
    }
  /* A DTLS client's session reads the socket itself until its handshake is done
   * (open_async goes on). */
  if (priv->dtls.enabled && priv->remote_address != NULL)
    return TRUE;
  if (priv->dtls.enabled)
    _gsock_dtls_server_attach (&priv->dtls.server, priv->socket);
  watch_input (self);
  _gsock_endpoint_set_state (endpoint, GSOCK_STATE_OPEN);
  return TRUE;

failed:
  if (priv->socket != NULL)
    {
      g_socket_close (priv->socket, NULL);
      g_clear_object (&priv->socket);
    }
  priv->kernel_receive_buffer_size = 0;
  _gsock_endpoint_set_state (endpoint, GSOCK_STATE_CLOSED);
  return FALSE;
}

/* Whether a datagram can be sent to @target now, binding first if need be; @through is the
 * DTLS session it goes through, or NULL without DTLS. */
static gboolean
check_sendable (GsockUdpEndpoint *self,
                GSocketAddress   *target,
                GDatagramBased  **through,
                GError          **error)
{
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);

  if (target == NULL)
    {
      g_set_error_literal (error, GSOCK_ERROR, GSOCK_ERROR_NO_DESTINATION,
                           "A datagram needs a target address (or a remote-address on the "
                           "endpoint)");
      return FALSE;
    }
  if (priv->remote_address != NULL && target != priv->remote_address
      && !_gsock_socket_address_equal (target, priv->remote_address))
    {
      g_autofree char *to = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (target));
      g_autofree char *peer =
        g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (priv->remote_address));

      g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_NO_SUCH_PEER,
                   "Cannot send to %s: the endpoint is connected to %s (its remote-address) "
                   "and talks to nobody else", to, peer);
      return FALSE;
    }

  if (priv->closing)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The endpoint is closing");
      return FALSE;
    }

  /* Never a datagram in plain text from a DTLS endpoint. */
  *through = NULL;
  if (priv->dtls.enabled)
    {
      if (!is_dtls_server (self))
        *through = priv->dtls.session;
      else if (priv->socket != NULL)
        *through = _gsock_dtls_server_lookup (&priv->dtls.server, target);
      if (*through != NULL)
        return TRUE;
      if (priv->closed)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The endpoint is closed");
      else if (priv->socket != NULL && is_dtls_server (self))
        {
          g_autofree char *to = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (target));

          g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_NO_SUCH_PEER,
                       "No DTLS session with %s: a DTLS server sends only to the peers that "
                       "completed a handshake with it", to);
        }
      else
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                             "A DTLS endpoint sends once it is open (and a client once its "
                             "handshake is done): open it first and wait for the open");
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
  return TRUE;
}

/* Whether a send now may wait for the read's end in the batch: any send on the owner's
 * thread while one of its reads is handled, from a handler or from a source its nested main
 * loop dispatches. That loop flushes the batch before it waits (read_source_prepare), so a
 * handler may wait there for an answer to what it sent; once the read source is dropped for
 * the loop (datagrams wait), sends go out at once again. */
static inline gboolean
in_read_dispatch (GsockUdpEndpoint *self)
{
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);

  return priv->reading && priv->read_source != NULL;
}

/* Sends a datagram, binding first if need be: during a read, into the batch sent at its end;
 * otherwise at once, or through the send queue. @payload is the GBytes @data belongs to, or
 * NULL. */
static gboolean
send_or_queue (GsockUdpEndpoint *self,
               const guint8     *data,
               gsize             size,
               GBytes           *payload,
               GSocketAddress   *target,
               GError          **error)
{
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);
  GDatagramBased *through;

  /* A connected endpoint's sends go to its peer; the address is still given to the kernel,
   * so the batch and the queue treat them as any other. */
  if (target == NULL)
    target = priv->remote_address;
  if (!check_sendable (self, target, &through, error))
    return FALSE;
  /* A DTLS session seals each datagram itself: it is not batched. */
  if (through == NULL && in_read_dispatch (self)
      && _gsock_datagram_sender_collect (&priv->sender, data, size, target))
    return TRUE;

  /* Not taken (the batch is full, or this one is not for a batch): what the batch holds leaves
   * first, so datagrams keep the order they were sent in, and this one then starts the next
   * batch or goes out after it. A handler of an error there may have closed the endpoint; the
   * batch stays empty meanwhile (sends from such a handler go out at once), so this recurses
   * once at most. */
  if (_gsock_datagram_sender_pending (&priv->sender))
    {
      _gsock_datagram_sender_flush (&priv->sender);
      return send_or_queue (self, data, size, payload, target, error);
    }

  return _gsock_datagram_queue_send (&priv->send_queue, data, size, payload, target, through,
                                     error);
}

static gboolean
gsock_udp_endpoint_send_bytes (GsockEndpoint  *endpoint,
                               GBytes         *payload,
                               GSocketAddress *target,
                               GError        **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (payload, &size);

  return send_or_queue (GSOCK_UDP_ENDPOINT (endpoint), data, size, payload, target, error);
}

/* send_data from one of the endpoint's dispatches: the datagram goes out from @data at once,
 * and is copied only if it must wait. A subclass that overrides send_bytes sees every send, so
 * for it the bytes take the base's way, into a GBytes for send_bytes. */
static gboolean
gsock_udp_endpoint_send_data (GsockEndpoint  *endpoint,
                              const guint8   *data,
                              gsize           size,
                              GSocketAddress *target,
                              GError        **error)
{
  GsockEndpointClass *parent_class = GSOCK_ENDPOINT_CLASS (gsock_udp_endpoint_parent_class);

  if (GSOCK_ENDPOINT_GET_CLASS (endpoint)->send_bytes != gsock_udp_endpoint_send_bytes)
    return parent_class->send_data (endpoint, data, size, target, error);

  return send_or_queue (GSOCK_UDP_ENDPOINT (endpoint), data, size, NULL, target, error);
}

static void
finish_close (GsockUdpEndpoint *self)
{
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);
  GsockEndpoint *endpoint = GSOCK_ENDPOINT (self);

  release_socket (self, TRUE);
  priv->closed = TRUE;
  _gsock_endpoint_set_local_address (endpoint, NULL);
  _gsock_endpoint_set_state (endpoint, GSOCK_STATE_CLOSED);
}

/* The graceful end: a DTLS session tells its peer (close_notify, one datagram the socket
 * takes at once; nothing is waited for) before the socket goes. */
static void
finish_graceful_close (GsockUdpEndpoint *self)
{
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);

  if (priv->dtls.session != NULL)
    g_dtls_connection_shutdown (G_DTLS_CONNECTION (priv->dtls.session), FALSE, TRUE, NULL,
                                NULL);
  finish_close (self);
}

/* What was queued has gone out: a close that waited for it ends now. */
static void
send_queue_flushed (GsockEndpoint *endpoint)
{
  GsockUdpEndpoint *self = GSOCK_UDP_ENDPOINT (endpoint);
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);

  if (priv->closing)
    finish_graceful_close (self);
}

static const GsockDatagramQueueCallbacks send_queue_callbacks = {
  .flushed = send_queue_flushed,
};

static void
gsock_udp_endpoint_close (GsockEndpoint *endpoint)
{
  GsockUdpEndpoint *self = GSOCK_UDP_ENDPOINT (endpoint);
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);

  /* A close from a handler sends what the read's handlers sent first (what the kernel does
   * not take at once then waits in the queue, which the close waits for). */
  _gsock_datagram_sender_flush (&priv->sender);
  if (priv->socket == NULL || _gsock_datagram_queue_get_length (&priv->send_queue) == 0)
    {
      finish_graceful_close (self);
      return;
    }

  /* Queued datagrams still go out; nothing new is read or accepted meanwhile. */
  priv->closing = TRUE;
  _gsock_source_clear (&priv->read_source);
  _gsock_endpoint_set_state (endpoint, GSOCK_STATE_CLOSING);
}

static void
gsock_udp_endpoint_abort (GsockEndpoint *endpoint)
{
  finish_close (GSOCK_UDP_ENDPOINT (endpoint));
}

static gboolean
check_unbound (GsockUdpEndpoint *self,
               GError          **error)
{
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);

  if (priv->socket == NULL)
    return TRUE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY, "The endpoint is already bound");
  return FALSE;
}

/* gsock_udp_endpoint_bind() once the address is known: the first a name resolves to. */
static gboolean
bind_at (GsockEndpoint *endpoint,
         GList         *addresses,
         GError       **error)
{
  GsockUdpEndpoint *self = GSOCK_UDP_ENDPOINT (endpoint);

  return check_unbound (self, error) && open_socket (self, addresses->data, error);
}

/* A DTLS client's open under way, once bound: its handshake, stopped by the open's
 * cancellable and by a close (release_socket cancels `handshake`). */
typedef struct
{
  GSocket *socket;          /* the one handshaken over: a close meanwhile drops it */
  GCancellable *handshake;
  GCancellable *cancellable; /* the open's, or NULL */
  gulong cancelled_id;
} DtlsOpen;

static void
dtls_open_free (DtlsOpen *open)
{
  if (open->cancellable != NULL)
    {
      g_cancellable_disconnect (open->cancellable, open->cancelled_id);
      g_object_unref (open->cancellable);
    }
  g_object_unref (open->handshake);
  g_object_unref (open->socket);
  g_free (open);
}

static void
open_cancelled_cb (GCancellable *cancellable,
                   GCancellable *handshake)
{
  g_cancellable_cancel (handshake);
}

static void
dtls_handshaken_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GsockUdpEndpoint *self = g_task_get_source_object (task);
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);
  GsockEndpoint *endpoint = GSOCK_ENDPOINT (self);
  DtlsOpen *open = g_task_get_task_data (task);
  g_autoptr(GDatagramBased) session = NULL;
  GError *error = NULL;

  session = _gsock_tls_dtls_handshake_finish (result, &error);
  if (priv->socket != open->socket)
    {
      /* Closed (or aborted) meanwhile: it stays closed. */
      g_clear_error (&error);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "The endpoint was closed during its DTLS handshake");
      return;
    }
  g_clear_object (&priv->dtls.handshake);
  if (session == NULL)
    {
      GSOCK_DEBUG ("The DTLS handshake failed: %s", error->message);
      release_socket (self, TRUE);
      _gsock_endpoint_set_local_address (endpoint, NULL);
      _gsock_endpoint_set_state (endpoint, GSOCK_STATE_CLOSED);
      g_task_return_error (task, error);
      return;
    }

  priv->dtls.session = g_steal_pointer (&session);
  GSOCK_DEBUG ("DTLS session open (%s, %s)",
               _gsock_tls_protocol_name (g_dtls_connection_get_protocol_version (
                 G_DTLS_CONNECTION (priv->dtls.session))),
               g_dtls_connection_get_ciphersuite_name (G_DTLS_CONNECTION (priv->dtls.session)));
  watch_input (self);
  _gsock_endpoint_set_state (endpoint, GSOCK_STATE_OPEN);
  g_task_return_boolean (task, TRUE);
}

static void
dtls_bound_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GsockUdpEndpoint *self = GSOCK_UDP_ENDPOINT (source);
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;
  DtlsOpen *open;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }

  open = g_new0 (DtlsOpen, 1);
  open->socket = g_object_ref (priv->socket);
  open->handshake = g_cancellable_new ();
  priv->dtls.handshake = g_object_ref (open->handshake);
  if (cancellable != NULL)
    {
      open->cancellable = g_object_ref (cancellable);
      open->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (open_cancelled_cb),
                                                  open->handshake, NULL);
    }
  g_task_set_task_data (task, open, (GDestroyNotify) dtls_open_free);
  /* The server is verified against the address it is reached at (its certificate names it). */
  _gsock_tls_dtls_handshake_async (&priv->dtls.tls, G_DATAGRAM_BASED (priv->socket),
                                   G_SOCKET_CONNECTABLE (priv->remote_address),
                                   G_TLS_AUTHENTICATION_NONE,
                                   gsock_endpoint_get_timeout (GSOCK_ENDPOINT (self)),
                                   open->handshake, dtls_handshaken_cb, g_steal_pointer (&task));
}

static void
gsock_udp_endpoint_open_async (GsockEndpoint      *endpoint,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  GsockUdpEndpointPrivate *priv =
    gsock_udp_endpoint_get_instance_private (GSOCK_UDP_ENDPOINT (endpoint));
  GMainContext *context;
  GTask *task;

  if (!priv->dtls.enabled || priv->remote_address == NULL)
    {
      _gsock_endpoint_open_with (endpoint, bind_at, cancellable, callback, user_data);
      return;
    }

  /* Bound (and connected) first, then handshaken: open once both are done. The open's own
   * callback comes on its caller's context; the steps between run on the endpoint's. */
  task = g_task_new (endpoint, cancellable, callback, user_data);
  g_task_set_source_tag (task, gsock_endpoint_open_async);
  context = _gsock_endpoint_get_context (endpoint);
  g_main_context_push_thread_default (context);
  _gsock_endpoint_open_with (endpoint, bind_at, cancellable, dtls_bound_cb, task);
  g_main_context_pop_thread_default (context);
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
  endpoint_class->send_data = gsock_udp_endpoint_send_data;
  endpoint_class->close = gsock_udp_endpoint_close;
  endpoint_class->abort = gsock_udp_endpoint_abort;
  endpoint_class->open_async = gsock_udp_endpoint_open_async;

  /**
   * GsockUdpEndpoint:broadcast:
   *
   * Whether datagrams may be sent to a broadcast address (`SO_BROADCAST`).
   */
  properties[PROP_BROADCAST] =
    g_param_spec_boolean ("broadcast", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockUdpEndpoint:reuse-port:
   *
   * Whether several endpoints (of this process or others) may bind the same address and port
   * (`SO_REUSEPORT`, and `SO_REUSEADDR`), each with it set: the system then spreads the
   * datagrams among them by their sender, so one port is served on several threads, one
   * endpoint and main context each. Set it before the bind.
   *
   * Since: 1.2
   */
  properties[PROP_REUSE_PORT] =
    g_param_spec_boolean ("reuse-port", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockUdpEndpoint:receive-buffer-size:
   *
   * The size of the socket's receive buffer in bytes (`SO_RCVBUF`), 0 for the system default.
   *
   * Datagrams that arrive while the buffer is full are dropped by the system (see
   * [property@Gsock.UdpEndpoint:datagrams-dropped]); a larger buffer rides out longer bursts.
   * The size is set at the bind, or at once on a bound endpoint. While the socket exists the
   * property reads what the system made of the request: Linux doubles it for its own
   * bookkeeping and caps it at `net.core.rmem_max`, and reports its default for 0.
   */
  properties[PROP_RECEIVE_BUFFER_SIZE] =
    g_param_spec_uint ("receive-buffer-size", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockUdpEndpoint:datagrams-dropped:
   *
   * How many datagrams the system dropped before they reached the endpoint, mostly because
   * the receive buffer was full (see [property@Gsock.UdpEndpoint:receive-buffer-size]).
   *
   * The count is the socket's own (`SO_RXQ_OVFL` on Linux; it stays 0 elsewhere); it grows as
   * the endpoint reads, so it is up to date once the datagrams that arrived have been read. It
   * is kept across a close and a new bind.
   */
  properties[PROP_DATAGRAMS_DROPPED] =
    g_param_spec_uint64 ("datagrams-dropped", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockUdpEndpoint:multicast-ttl:
   *
   * How many routers a multicast datagram sent by the endpoint may cross
   * (`IP_MULTICAST_TTL`, or the hop limit over IPv6); 1, the default, keeps it on the local
   * network.
   */
  properties[PROP_MULTICAST_TTL] =
    g_param_spec_uint ("multicast-ttl", NULL, NULL, 0, 255, DEFAULT_MULTICAST_TTL,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockUdpEndpoint:multicast-loopback:
   *
   * Whether multicast datagrams the endpoint sends are also delivered to the groups' members
   * on this host (`IP_MULTICAST_LOOP`).
   */
  properties[PROP_MULTICAST_LOOPBACK] =
    g_param_spec_boolean ("multicast-loopback", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockUdpEndpoint:remote-address:
   *
   * The one peer of a connected endpoint, or `NULL` (the default) for an endpoint that talks
   * to anyone.
   *
   * Set it before the endpoint is bound: the bind (or the first send, which binds the
   * wildcard address of its family) then connects the socket to it, as Node's
   * `socket.connect()` does. A send without a target goes there, and one to another target
   * fails with `GSOCK_ERROR_NO_SUCH_PEER`; only that peer's datagrams arrive (the system drops
   * the others); and when the peer has no socket on its port, the ICMP message its host sends
   * back fails the next receive or send with `G_IO_ERROR_CONNECTION_REFUSED` (through
   * [signal@Gsock.Endpoint::error] when no receive is pending). Changing it on a bound
   * endpoint is a programming error; close it first.
   *
   * Since: 1.2
   */
  properties[PROP_REMOTE_ADDRESS] =
    g_param_spec_object ("remote-address", NULL, NULL, G_TYPE_SOCKET_ADDRESS,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
  _gsock_udp_endpoint_dtls_class_init (object_class, N_PROPS);
}

static void
gsock_udp_endpoint_init (GsockUdpEndpoint *self)
{
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);

  _gsock_datagram_queue_init (&priv->send_queue, GSOCK_ENDPOINT (self), &send_queue_callbacks);
  _gsock_datagram_sender_init (&priv->sender, GSOCK_ENDPOINT (self), &priv->send_queue);
  priv->multicast_ttl = DEFAULT_MULTICAST_TTL;
  priv->multicast_loopback = TRUE;
  _gsock_udp_endpoint_dtls_init (self, &priv->dtls, &dtls_server_callbacks);
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
 * gsock_udp_endpoint_new_for_socket:
 * @socket: a bound datagram socket made by someone else (a service manager, a parent process)
 * @error: return location for an error
 *
 * Creates an endpoint that, once [method@Gsock.UdpEndpoint.bind] or
 * [method@Gsock.Endpoint.open_async] is called, serves @socket instead of binding one of its
 * own; configure it first, as any endpoint. It takes @socket over: it makes it non-blocking,
 * applies its settings to it, and closes it when the endpoint closes (binding again then
 * binds [property@Gsock.Endpoint:address], the address @socket had). See
 * [func@Gsock.activation_take_sockets] for sockets passed by systemd.
 *
 * Returns: (transfer full) (nullable): a new endpoint, or `NULL` with @error set
 *   (`G_IO_ERROR_INVALID_ARGUMENT`) when @socket is not a bound datagram socket
 *
 * Since: 1.2
 */
GsockUdpEndpoint *
gsock_udp_endpoint_new_for_socket (GSocket  *socket,
                                   GError  **error)
{
  g_autoptr(GSocketAddress) local = NULL;
  GsockUdpEndpointPrivate *priv;
  GsockUdpEndpoint *self;

  g_return_val_if_fail (G_IS_SOCKET (socket), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_socket_get_socket_type (socket) != G_SOCKET_TYPE_DATAGRAM ||
      (local = g_socket_get_local_address (socket, NULL)) == NULL ||
      (G_IS_INET_SOCKET_ADDRESS (local) &&
       g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)) == 0))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "The socket is not a bound datagram socket");
      return NULL;
    }

  self = g_object_new (GSOCK_TYPE_UDP_ENDPOINT, "address", local, NULL);
  priv = gsock_udp_endpoint_get_instance_private (self);
  priv->given_socket = g_object_ref (socket);
  return self;
}

/**
 * gsock_udp_endpoint_bind:
 * @self: a UDP endpoint
 * @error: return location for an error
 *
 * Binds [property@Gsock.Endpoint:host] and [property@Gsock.Endpoint:port] and starts
 * delivering the datagrams that arrive there.
 *
 * A host name is resolved with a blocking lookup; [method@Gsock.Endpoint.open_async] binds
 * without blocking.
 *
 * Returns: `TRUE` once bound; `FALSE` with @error set otherwise: `G_IO_ERROR_ADDRESS_IN_USE`,
 *   `G_IO_ERROR_BUSY` when already bound, `GSOCK_ERROR_UNKNOWN_ENCODING` for an
 *   [property@Gsock.Endpoint:encoding] iconv does not know, or a resolver error for an
 *   unknown host
 */
gboolean
gsock_udp_endpoint_bind (GsockUdpEndpoint *self,
                         GError          **error)
{
  g_autolist(GSocketAddress) addresses = NULL;

  g_return_val_if_fail (GSOCK_IS_UDP_ENDPOINT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Checked before the name is resolved, so a bound endpoint does not wait for a lookup. */
  if (!check_unbound (self, error))
    return FALSE;
  /* A DTLS client's handshake runs on the endpoint's context: wait for it there. */
  if (gsock_udp_endpoint_get_dtls (self) && gsock_udp_endpoint_get_remote_address (self) != NULL)
    {
      g_autoptr(GAsyncResult) result = NULL;

      gsock_endpoint_open_async (GSOCK_ENDPOINT (self), NULL, _gsock_store_result_cb, &result);
      _gsock_endpoint_wait (GSOCK_ENDPOINT (self), &result);
      return gsock_endpoint_open_finish (GSOCK_ENDPOINT (self), result, error);
    }
  addresses = _gsock_endpoint_resolve (GSOCK_ENDPOINT (self), error);
  if (addresses == NULL)
    return FALSE;

  return bind_at (GSOCK_ENDPOINT (self), addresses, error);
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
  GsockUdpEndpointPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_UDP_ENDPOINT (self), FALSE);

  priv = gsock_udp_endpoint_get_instance_private (self);

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
  GsockUdpEndpointPrivate *priv;

  g_return_if_fail (GSOCK_IS_UDP_ENDPOINT (self));

  priv = gsock_udp_endpoint_get_instance_private (self);

  broadcast = !!broadcast;
  if (priv->broadcast == broadcast)
    return;
  priv->broadcast = broadcast;
  if (priv->socket != NULL)
    g_socket_set_broadcast (priv->socket, broadcast);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BROADCAST]);
}

/**
 * gsock_udp_endpoint_get_reuse_port:
 * @self: a UDP endpoint
 *
 * Gets [property@Gsock.UdpEndpoint:reuse-port].
 *
 * Returns: whether other endpoints may bind the same port
 *
 * Since: 1.2
 */
gboolean
gsock_udp_endpoint_get_reuse_port (GsockUdpEndpoint *self)
{
  GsockUdpEndpointPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_UDP_ENDPOINT (self), FALSE);

  priv = gsock_udp_endpoint_get_instance_private (self);

  return priv->reuse_port;
}

/**
 * gsock_udp_endpoint_set_reuse_port:
 * @self: a UDP endpoint
 * @reuse_port: whether other endpoints may bind the same port
 *
 * Sets [property@Gsock.UdpEndpoint:reuse-port], for the next bind.
 *
 * Since: 1.2
 */
void
gsock_udp_endpoint_set_reuse_port (GsockUdpEndpoint *self,
                                   gboolean          reuse_port)
{
  GsockUdpEndpointPrivate *priv;

  g_return_if_fail (GSOCK_IS_UDP_ENDPOINT (self));

  priv = gsock_udp_endpoint_get_instance_private (self);

  reuse_port = !!reuse_port;
  if (priv->reuse_port == reuse_port)
    return;
  priv->reuse_port = reuse_port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REUSE_PORT]);
}

/**
 * gsock_udp_endpoint_get_receive_buffer_size:
 * @self: a UDP endpoint
 *
 * Gets [property@Gsock.UdpEndpoint:receive-buffer-size].
 *
 * Returns: the size the system uses while the socket exists (Linux reports twice the size
 *   asked for); otherwise the size asked for, 0 for the system default
 */
guint
gsock_udp_endpoint_get_receive_buffer_size (GsockUdpEndpoint *self)
{
  GsockUdpEndpointPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_UDP_ENDPOINT (self), 0);

  priv = gsock_udp_endpoint_get_instance_private (self);

  if (priv->socket != NULL && priv->kernel_receive_buffer_size != 0)
    return priv->kernel_receive_buffer_size;
  return priv->receive_buffer_size;
}

/**
 * gsock_udp_endpoint_set_receive_buffer_size:
 * @self: a UDP endpoint
 * @size: the receive buffer size in bytes, 0 for the system default
 *
 * Sets [property@Gsock.UdpEndpoint:receive-buffer-size], at once if the socket exists.
 *
 * Going back to 0 on a bound endpoint keeps the size it has until the next bind.
 */
void
gsock_udp_endpoint_set_receive_buffer_size (GsockUdpEndpoint *self,
                                            guint             size)
{
  GsockUdpEndpointPrivate *priv;
  guint reported;

  g_return_if_fail (GSOCK_IS_UDP_ENDPOINT (self));

  priv = gsock_udp_endpoint_get_instance_private (self);

  if (priv->receive_buffer_size == size)
    return;
  reported = gsock_udp_endpoint_get_receive_buffer_size (self);
  priv->receive_buffer_size = size;
  if (priv->socket != NULL)
    apply_receive_buffer_size (self);
  if (reported != gsock_udp_endpoint_get_receive_buffer_size (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECEIVE_BUFFER_SIZE]);
}

/**
 * gsock_udp_endpoint_get_datagrams_dropped:
 * @self: a UDP endpoint
 *
 * Gets [property@Gsock.UdpEndpoint:datagrams-dropped].
 *
 * Returns: how many datagrams the system dropped for the endpoint so far
 */
guint64
gsock_udp_endpoint_get_datagrams_dropped (GsockUdpEndpoint *self)
{
  GsockUdpEndpointPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_UDP_ENDPOINT (self), 0);

  priv = gsock_udp_endpoint_get_instance_private (self);

  return priv->receiver.datagrams_dropped;
}

/**
 * gsock_udp_endpoint_get_queued_datagrams:
 * @self: a UDP endpoint
 *
 * Tells how many sent datagrams wait for the system to take them.
 *
 * A send queues its datagram when the socket cannot take it at once; queued datagrams go out
 * in order as soon as it can.
 *
 * Returns: the number of datagrams in the send queue
 */
gsize
gsock_udp_endpoint_get_queued_datagrams (GsockUdpEndpoint *self)
{
  GsockUdpEndpointPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_UDP_ENDPOINT (self), 0);

  priv = gsock_udp_endpoint_get_instance_private (self);

  return _gsock_datagram_queue_get_length (&priv->send_queue);
}

/* The common part of join and leave. */
static gboolean
change_membership (GsockUdpEndpoint *self,
                   GInetAddress     *group,
                   const char       *iface,
                   gboolean          join,
                   GError          **error)
{
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);
  char name[IF_NAMESIZE];
  guint64 index = 0;

  if (priv->socket == NULL || priv->closing)
    {
      if (priv->closed || priv->closing)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The endpoint is closed");
      else
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                             "Bind the endpoint before joining or leaving a multicast group");
      return FALSE;
    }
  if (!g_inet_address_get_is_multicast (group))
    {
      g_autofree char *text = g_inet_address_to_string (group);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s is not a multicast address", text);
      return FALSE;
    }
  /* An interface's index, in decimal, stands for its name (what GIO takes). */
  if (iface != NULL && g_ascii_string_to_unsigned (iface, 10, 1, G_MAXUINT, &index, NULL))
    {
      if (if_indextoname ((unsigned int) index, name) == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No network interface has index %s",
                       iface);
          return FALSE;
        }
      iface = name;
    }
  /* GIO passes an unknown name on as "any interface": say so instead. */
  if (iface != NULL && if_nametoindex (iface) == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No network interface is called %s",
                   iface);
      return FALSE;
    }

  if (join)
    return g_socket_join_multicast_group (priv->socket, group, FALSE, iface, error);
  return g_socket_leave_multicast_group (priv->socket, group, FALSE, iface, error);
}

/**
 * gsock_udp_endpoint_join_multicast_group:
 * @self: a bound UDP endpoint
 * @group: the multicast group's address (224.0.0.0/4, or ff00::/8 over IPv6)
 * @iface: (nullable): the name of the network interface to join on (`"eth0"`, `"lo"`), or its
 *   index in decimal (`"2"`, as `ip link` numbers them), or `NULL` to let the system pick one
 * @error: return location for an error
 *
 * Joins the multicast group @group, so that datagrams sent to it and to the endpoint's port
 * arrive at @self.
 *
 * Bind first, on the group's port and usually on the wildcard address (host `0.0.0.0` or
 * `::`), since a socket bound to one address only receives datagrams sent to that address. The
 * membership lasts until [method@Gsock.UdpEndpoint.leave_multicast_group] or the close.
 *
 * Returns: `TRUE` once joined; `FALSE` with @error set otherwise: `G_IO_ERROR_NOT_CONNECTED`
 *   before the bind, `G_IO_ERROR_CLOSED` once closed, `G_IO_ERROR_INVALID_ARGUMENT` when @group
 *   is not a multicast address, `G_IO_ERROR_NOT_FOUND` for an unknown @iface, or what the
 *   system reports (no route to the group, for instance)
 */
gboolean
gsock_udp_endpoint_join_multicast_group (GsockUdpEndpoint *self,
                                         GInetAddress     *group,
                                         const char       *iface,
                                         GError          **error)
{
  g_return_val_if_fail (GSOCK_IS_UDP_ENDPOINT (self), FALSE);
  g_return_val_if_fail (G_IS_INET_ADDRESS (group), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return change_membership (self, group, iface, TRUE, error);
}

/**
 * gsock_udp_endpoint_leave_multicast_group:
 * @self: a bound UDP endpoint
 * @group: the multicast group's address
 * @iface: (nullable): the interface given to
 *   [method@Gsock.UdpEndpoint.join_multicast_group]
 * @error: return location for an error
 *
 * Leaves the multicast group @group: datagrams sent to it no longer arrive at @self.
 *
 * Returns: `TRUE` once left; `FALSE` with @error set otherwise, as for
 *   [method@Gsock.UdpEndpoint.join_multicast_group], or when @self had not joined @group on
 *   @iface
 */
gboolean
gsock_udp_endpoint_leave_multicast_group (GsockUdpEndpoint *self,
                                          GInetAddress     *group,
                                          const char       *iface,
                                          GError          **error)
{
  g_return_val_if_fail (GSOCK_IS_UDP_ENDPOINT (self), FALSE);
  g_return_val_if_fail (G_IS_INET_ADDRESS (group), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return change_membership (self, group, iface, FALSE, error);
}

/**
 * gsock_udp_endpoint_get_multicast_ttl:
 * @self: a UDP endpoint
 *
 * Gets [property@Gsock.UdpEndpoint:multicast-ttl].
 *
 * Returns: the TTL of the multicast datagrams the endpoint sends
 */
guint
gsock_udp_endpoint_get_multicast_ttl (GsockUdpEndpoint *self)
{
  GsockUdpEndpointPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_UDP_ENDPOINT (self), DEFAULT_MULTICAST_TTL);

  priv = gsock_udp_endpoint_get_instance_private (self);

  return priv->multicast_ttl;
}

/**
 * gsock_udp_endpoint_set_multicast_ttl:
 * @self: a UDP endpoint
 * @ttl: how many routers a multicast datagram may cross, at most 255
 *
 * Sets [property@Gsock.UdpEndpoint:multicast-ttl], at once if the socket exists.
 */
void
gsock_udp_endpoint_set_multicast_ttl (GsockUdpEndpoint *self,
                                      guint             ttl)
{
  GsockUdpEndpointPrivate *priv;

  g_return_if_fail (GSOCK_IS_UDP_ENDPOINT (self));
  g_return_if_fail (ttl <= 255);

  priv = gsock_udp_endpoint_get_instance_private (self);

  if (priv->multicast_ttl == ttl)
    return;
  priv->multicast_ttl = ttl;
  if (priv->socket != NULL && is_inet_socket (priv->socket))
    g_socket_set_multicast_ttl (priv->socket, ttl);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MULTICAST_TTL]);
}

/**
 * gsock_udp_endpoint_get_multicast_loopback:
 * @self: a UDP endpoint
 *
 * Gets [property@Gsock.UdpEndpoint:multicast-loopback].
 *
 * Returns: whether multicast datagrams sent by the endpoint reach this host's members too
 */
gboolean
gsock_udp_endpoint_get_multicast_loopback (GsockUdpEndpoint *self)
{
  GsockUdpEndpointPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_UDP_ENDPOINT (self), TRUE);

  priv = gsock_udp_endpoint_get_instance_private (self);

  return priv->multicast_loopback;
}

/**
 * gsock_udp_endpoint_set_multicast_loopback:
 * @self: a UDP endpoint
 * @loopback: whether multicast datagrams sent by the endpoint reach this host's members too
 *
 * Sets [property@Gsock.UdpEndpoint:multicast-loopback], at once if the socket exists.
 */
void
gsock_udp_endpoint_set_multicast_loopback (GsockUdpEndpoint *self,
                                           gboolean          loopback)
{
  GsockUdpEndpointPrivate *priv;

  g_return_if_fail (GSOCK_IS_UDP_ENDPOINT (self));

  priv = gsock_udp_endpoint_get_instance_private (self);

  loopback = !!loopback;
  if (priv->multicast_loopback == loopback)
    return;
  priv->multicast_loopback = loopback;
  if (priv->socket != NULL && is_inet_socket (priv->socket))
    g_socket_set_multicast_loopback (priv->socket, loopback);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MULTICAST_LOOPBACK]);
}

/**
 * gsock_udp_endpoint_get_remote_address:
 * @self: a UDP endpoint
 *
 * Gets [property@Gsock.UdpEndpoint:remote-address].
 *
 * Returns: (nullable) (transfer none): the peer the endpoint is connected to, or `NULL`
 *
 * Since: 1.2
 */
GSocketAddress *
gsock_udp_endpoint_get_remote_address (GsockUdpEndpoint *self)
{
  GsockUdpEndpointPrivate *priv;

  g_return_val_if_fail (GSOCK_IS_UDP_ENDPOINT (self), NULL);

  priv = gsock_udp_endpoint_get_instance_private (self);

  return priv->remote_address;
}

/**
 * gsock_udp_endpoint_set_remote_address:
 * @self: a UDP endpoint that is not bound
 * @address: (nullable): the one peer to talk to, or `NULL` for anyone
 *
 * Sets [property@Gsock.UdpEndpoint:remote-address], which the next bind connects the socket
 * to.
 *
 * Since: 1.2
 */
void
gsock_udp_endpoint_set_remote_address (GsockUdpEndpoint *self,
                                       GSocketAddress   *address)
{
  GsockUdpEndpointPrivate *priv;

  g_return_if_fail (GSOCK_IS_UDP_ENDPOINT (self));
  g_return_if_fail (address == NULL || G_IS_SOCKET_ADDRESS (address));

  priv = gsock_udp_endpoint_get_instance_private (self);

  if (priv->remote_address == address)
    return;
  g_return_if_fail (priv->socket == NULL);
  if (g_set_object (&priv->remote_address, address))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMOTE_ADDRESS]);
}

/* Internal API, see gsock-udp-endpoint-private.h */

GsockUdpDtls *
_gsock_udp_endpoint_get_dtls (GsockUdpEndpoint *self)
{
  GsockUdpEndpointPrivate *priv = gsock_udp_endpoint_get_instance_private (self);

  return &priv->dtls;
}
