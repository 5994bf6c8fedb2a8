/* gsock-tcp-client-reconnect.c: a GsockTcpClient's reconnect properties
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-tcp-client-reconnect-private.h"

/* The properties, in the order of their ids on the class (from the first one given to
 * _gsock_tcp_client_reconnect_install_properties()). */
enum {
  RECONNECT_ENABLED,
  RECONNECT_DELAY,
  RECONNECT_MAX_DELAY,
  RECONNECT_QUEUE_WHILE,
  RECONNECT_ATTEMPTS,
  N_RECONNECT_PROPS
};

G_STATIC_ASSERT (N_RECONNECT_PROPS == GSOCK_TCP_CLIENT_N_RECONNECT_PROPS);

static GParamSpec *reconnect_properties[N_RECONNECT_PROPS];
static guint first_prop;

void
_gsock_tcp_client_reconnect_install_properties (GObjectClass *object_class,
                                                guint         first)
{
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
  reconnect_properties[RECONNECT_ENABLED] =
    g_param_spec_boolean ("reconnect", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpClient:reconnect-delay:
   *
   * The delay before the first reconnection attempt, in milliseconds (100 by default).
   */
  reconnect_properties[RECONNECT_DELAY] =
    g_param_spec_uint ("reconnect-delay", NULL, NULL, 1, G_MAXUINT, 100,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpClient:reconnect-max-delay:
   *
   * The longest delay between reconnection attempts, in milliseconds (30 s by default).
   */
  reconnect_properties[RECONNECT_MAX_DELAY] =
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
  reconnect_properties[RECONNECT_QUEUE_WHILE] =
    g_param_spec_boolean ("queue-while-reconnecting", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpClient:reconnect-attempts:
   *
   * How many reconnection attempts were made since the connection was last lost.
   */
  reconnect_properties[RECONNECT_ATTEMPTS] =
    g_param_spec_uint ("reconnect-attempts", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  first_prop = first;
  for (guint i = 0; i < N_RECONNECT_PROPS; i++)
    g_object_class_install_property (object_class, first + i, reconnect_properties[i]);
}

gboolean
_gsock_tcp_client_reconnect_get_property (GsockReconnect *self,
                                          guint           prop_id,
                                          GValue         *value)
{
  switch (prop_id - first_prop)
    {
    case RECONNECT_ENABLED:
      g_value_set_boolean (value, self->enabled);
      return TRUE;
    case RECONNECT_DELAY:
      g_value_set_uint (value, self->delay);
      return TRUE;
    case RECONNECT_MAX_DELAY:
      g_value_set_uint (value, self->max_delay);
      return TRUE;
    case RECONNECT_QUEUE_WHILE:
      g_value_set_boolean (value, self->queue_while_reconnecting);
      return TRUE;
    case RECONNECT_ATTEMPTS:
      g_value_set_uint (value, self->attempts);
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean
_gsock_tcp_client_reconnect_set_property (GsockTcpClient *client,
                                          guint           prop_id,
                                          const GValue   *value)
{
  switch (prop_id - first_prop)
    {
    case RECONNECT_ENABLED:
      gsock_tcp_client_set_reconnect (client, g_value_get_boolean (value));
      return TRUE;
    case RECONNECT_DELAY:
      gsock_tcp_client_set_reconnect_delay (client, g_value_get_uint (value));
      return TRUE;
    case RECONNECT_MAX_DELAY:
      gsock_tcp_client_set_reconnect_max_delay (client, g_value_get_uint (value));
      return TRUE;
    case RECONNECT_QUEUE_WHILE:
      gsock_tcp_client_set_queue_while_reconnecting (client, g_value_get_boolean (value));
      return TRUE;
    default:
      return FALSE;
    }
}

void
_gsock_tcp_client_reconnect_notify_attempts (GsockTcpClient *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), reconnect_properties[RECONNECT_ATTEMPTS]);
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
  GsockReconnect *reconnect;

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), 0);

  reconnect = _gsock_tcp_client_get_reconnect (self);

  return reconnect->enabled;
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
  GsockReconnect *reconnect;

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));

  reconnect = _gsock_tcp_client_get_reconnect (self);
  value = !!value;

  if (reconnect->enabled == value)
    return;
  reconnect->enabled = value;
  g_object_notify_by_pspec (G_OBJECT (self), reconnect_properties[RECONNECT_ENABLED]);
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
  GsockReconnect *reconnect;

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), 0);

  reconnect = _gsock_tcp_client_get_reconnect (self);

  return reconnect->delay;
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
  GsockReconnect *reconnect;

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));
  g_return_if_fail (value > 0);

  reconnect = _gsock_tcp_client_get_reconnect (self);

  if (reconnect->delay == value)
    return;
  reconnect->delay = value;
  g_object_notify_by_pspec (G_OBJECT (self), reconnect_properties[RECONNECT_DELAY]);
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
  GsockReconnect *reconnect;

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), 0);

  reconnect = _gsock_tcp_client_get_reconnect (self);

  return reconnect->max_delay;
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
  GsockReconnect *reconnect;

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));
  g_return_if_fail (value > 0);

  reconnect = _gsock_tcp_client_get_reconnect (self);

  if (reconnect->max_delay == value)
    return;
  reconnect->max_delay = value;
  g_object_notify_by_pspec (G_OBJECT (self), reconnect_properties[RECONNECT_MAX_DELAY]);
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
  GsockReconnect *reconnect;

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), 0);

  reconnect = _gsock_tcp_client_get_reconnect (self);

  return reconnect->queue_while_reconnecting;
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
  GsockReconnect *reconnect;

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));

  reconnect = _gsock_tcp_client_get_reconnect (self);
  value = !!value;

  if (reconnect->queue_while_reconnecting == value)
    return;
  reconnect->queue_while_reconnecting = value;
  g_object_notify_by_pspec (G_OBJECT (self), reconnect_properties[RECONNECT_QUEUE_WHILE]);
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
  GsockReconnect *reconnect;

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), 0);

  reconnect = _gsock_tcp_client_get_reconnect (self);

  return reconnect->attempts;
}
