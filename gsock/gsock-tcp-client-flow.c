/* gsock-tcp-client-flow.c: a GsockTcpClient's flow control, limits and half-close, as
 * properties
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-tcp-client-flow-private.h"

#include "gsock-endpoint-private.h"

/* The properties, in the order of their ids on the class (from the first one given to
 * _gsock_tcp_client_flow_install_properties()). */
enum {
  FLOW_QUEUED_BYTES,
  FLOW_MAX_QUEUED_BYTES,
  FLOW_HIGH_WATER_MARK,
  FLOW_LOW_WATER_MARK,
  FLOW_WRITE_BLOCKED,
  FLOW_DRAIN_TIMEOUT,
  FLOW_IDLE_TIMEOUT,
  FLOW_READ_PAUSED,
  N_FLOW_PROPS
};

G_STATIC_ASSERT (N_FLOW_PROPS == GSOCK_TCP_CLIENT_N_FLOW_PROPS);

static GParamSpec *flow_properties[N_FLOW_PROPS];
static guint first_prop;

void
_gsock_tcp_client_flow_install_properties (GObjectClass *object_class,
                                           guint         first)
{
  /**
   * GsockTcpClient:queued-bytes:
   *
   * How many bytes accepted by [method@Gsock.Endpoint.send] wait to be written, framing
   * included.
   *
   * Changes made while one read is handled are notified once, when it has been.
   */
  flow_properties[FLOW_QUEUED_BYTES] =
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
  flow_properties[FLOW_MAX_QUEUED_BYTES] =
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
  flow_properties[FLOW_HIGH_WATER_MARK] =
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
  flow_properties[FLOW_LOW_WATER_MARK] =
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
  flow_properties[FLOW_WRITE_BLOCKED] =
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
  flow_properties[FLOW_DRAIN_TIMEOUT] =
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
  flow_properties[FLOW_IDLE_TIMEOUT] =
    g_param_spec_uint ("idle-timeout", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpClient:read-paused:
   *
   * Whether reading is paused: while `TRUE`, nothing is read from the connection, and once
   * the kernel's buffers fill up, the peer's writes wait. Set it back to `FALSE` to go on.
   */
  flow_properties[FLOW_READ_PAUSED] =
    g_param_spec_boolean ("read-paused", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  first_prop = first;
  for (guint i = 0; i < N_FLOW_PROPS; i++)
    g_object_class_install_property (object_class, first + i, flow_properties[i]);
}

gboolean
_gsock_tcp_client_flow_get_property (GsockTcpClient *self,
                                     guint           prop_id,
                                     GValue         *value)
{
  GsockStream *stream = _gsock_tcp_client_get_stream (self);

  switch (prop_id - first_prop)
    {
    case FLOW_QUEUED_BYTES:
      g_value_set_uint64 (value, stream->queued_bytes);
      return TRUE;
    case FLOW_MAX_QUEUED_BYTES:
      g_value_set_uint64 (value, stream->max_queued_bytes);
      return TRUE;
    case FLOW_HIGH_WATER_MARK:
      g_value_set_uint64 (value, stream->high_water_mark);
      return TRUE;
    case FLOW_LOW_WATER_MARK:
      g_value_set_uint64 (value, stream->low_water_mark);
      return TRUE;
    case FLOW_WRITE_BLOCKED:
      g_value_set_boolean (value, stream->write_blocked);
      return TRUE;
    case FLOW_DRAIN_TIMEOUT:
      g_value_set_uint (value, stream->drain_timeout);
      return TRUE;
    case FLOW_IDLE_TIMEOUT:
      g_value_set_uint (value, stream->idle_timeout);
      return TRUE;
    case FLOW_READ_PAUSED:
      g_value_set_boolean (value, stream->read_paused);
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean
_gsock_tcp_client_flow_set_property (GsockTcpClient *self,
                                     guint           prop_id,
                                     const GValue   *value)
{
  switch (prop_id - first_prop)
    {
    case FLOW_MAX_QUEUED_BYTES:
      gsock_tcp_client_set_max_queued_bytes (self, g_value_get_uint64 (value));
      return TRUE;
    case FLOW_HIGH_WATER_MARK:
      gsock_tcp_client_set_high_water_mark (self, g_value_get_uint64 (value));
      return TRUE;
    case FLOW_LOW_WATER_MARK:
      gsock_tcp_client_set_low_water_mark (self, g_value_get_uint64 (value));
      return TRUE;
    case FLOW_DRAIN_TIMEOUT:
      gsock_tcp_client_set_drain_timeout (self, g_value_get_uint (value));
      return TRUE;
    case FLOW_IDLE_TIMEOUT:
      gsock_tcp_client_set_idle_timeout (self, g_value_get_uint (value));
      return TRUE;
    case FLOW_READ_PAUSED:
      gsock_tcp_client_set_read_paused (self, g_value_get_boolean (value));
      return TRUE;
    default:
      return FALSE;
    }
}

void
_gsock_tcp_client_flow_notify_queued_bytes (GsockTcpClient *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), flow_properties[FLOW_QUEUED_BYTES]);
}

void
_gsock_tcp_client_flow_notify_write_blocked (GsockTcpClient *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), flow_properties[FLOW_WRITE_BLOCKED]);
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
  GsockStream *stream;

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), 0);

  stream = _gsock_tcp_client_get_stream (self);

  return stream->queued_bytes;
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
  GsockStream *stream;

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), 0);

  stream = _gsock_tcp_client_get_stream (self);

  return stream->max_queued_bytes;
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
  GsockStream *stream;

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));

  stream = _gsock_tcp_client_get_stream (self);

  if (stream->max_queued_bytes == max_queued_bytes)
    return;
  stream->max_queued_bytes = max_queued_bytes;
  g_object_notify_by_pspec (G_OBJECT (self), flow_properties[FLOW_MAX_QUEUED_BYTES]);
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
  GsockStream *stream;

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), 0);

  stream = _gsock_tcp_client_get_stream (self);

  return stream->idle_timeout;
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
  GsockStream *stream;

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));

  stream = _gsock_tcp_client_get_stream (self);

  if (stream->idle_timeout == idle_timeout_ms)
    return;
  _gsock_stream_set_idle_timeout (stream, idle_timeout_ms);
  g_object_notify_by_pspec (G_OBJECT (self), flow_properties[FLOW_IDLE_TIMEOUT]);
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
  GsockStream *stream;

  g_return_val_if_fail (GSOCK_IS_TCP_CLIENT (self), FALSE);

  stream = _gsock_tcp_client_get_stream (self);

  return stream->read_paused;
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
  GsockStream *stream;

  g_return_if_fail (GSOCK_IS_TCP_CLIENT (self));

  stream = _gsock_tcp_client_get_stream (self);

  read_paused = !!read_paused;
  if (stream->read_paused == read_paused)
    return;
  _gsock_stream_set_read_paused (stream, read_paused);
  g_object_notify_by_pspec (G_OBJECT (self), flow_properties[FLOW_READ_PAUSED]);
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

  return _gsock_tcp_client_get_stream (self)->high_water_mark;
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

  stream = _gsock_tcp_client_get_stream (self);
  if (stream->high_water_mark == high_water_mark)
    return;
  _gsock_stream_set_water_marks (stream, high_water_mark, stream->low_water_mark);
  g_object_notify_by_pspec (G_OBJECT (self), flow_properties[FLOW_HIGH_WATER_MARK]);
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

  return _gsock_tcp_client_get_stream (self)->low_water_mark;
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

  stream = _gsock_tcp_client_get_stream (self);
  if (stream->low_water_mark == low_water_mark)
    return;
  _gsock_stream_set_water_marks (stream, stream->high_water_mark, low_water_mark);
  g_object_notify_by_pspec (G_OBJECT (self), flow_properties[FLOW_LOW_WATER_MARK]);
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

  return _gsock_tcp_client_get_stream (self)->write_blocked;
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

  return _gsock_tcp_client_get_stream (self)->drain_timeout;
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

  stream = _gsock_tcp_client_get_stream (self);
  if (stream->drain_timeout == drain_timeout_ms)
    return;
  _gsock_stream_set_drain_timeout (stream, drain_timeout_ms);
  g_object_notify_by_pspec (G_OBJECT (self), flow_properties[FLOW_DRAIN_TIMEOUT]);
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

  _gsock_stream_shutdown_write (_gsock_tcp_client_get_stream (self));
}
