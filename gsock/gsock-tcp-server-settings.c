/* gsock-tcp-server-settings.c: what a server gives each connection it accepts, as its
 * properties
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-tcp-server-settings-private.h"

#include "gsock-endpoint-private.h"
#include "gsock-line-framer.h"

/* The properties, in the order of their ids on the class (from the first one given to
 * _gsock_tcp_server_settings_install_properties()). */
enum {
  SETTING_FRAMER,
  SETTING_IDLE_TIMEOUT,
  SETTING_MAX_QUEUED_BYTES,
  SETTING_HIGH_WATER_MARK,
  SETTING_LOW_WATER_MARK,
  SETTING_DRAIN_TIMEOUT,
  SETTING_TLS_CERTIFICATE,
  SETTING_TLS_CERTIFICATE_FILE,
  SETTING_TLS_DATABASE,
  SETTING_TLS_AUTHENTICATION_MODE,
  SETTING_TLS_MINIMUM_VERSION,
  N_SETTINGS
};

static GParamSpec *settings_properties[N_SETTINGS];
/* After them, gsock-tcp-options.c's for every connection. */
static GParamSpec *option_properties[GSOCK_TCP_N_OPTIONS];
static guint first_prop;

void
_gsock_tcp_server_settings_install_properties (GObjectClass *object_class,
                                               guint         first)
{
  /**
   * GsockTcpServer:framer:
   *
   * How every client's messages are cut from its byte stream; a [class@Gsock.LineFramer] by
   * default. Clients accepted later use the new one. Setting `NULL` restores the default.
   */
  settings_properties[SETTING_FRAMER] =
    g_param_spec_object ("framer", NULL, NULL, GSOCK_TYPE_FRAMER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpServer:idle-timeout:
   *
   * The [property@Gsock.TcpClient:idle-timeout] of every client accepted from now on: a client
   * that sends nothing for that many milliseconds is disconnected, so idle or slow peers
   * cannot hold the server's slots for ever. 0, the default, sets none.
   */
  settings_properties[SETTING_IDLE_TIMEOUT] =
    g_param_spec_uint ("idle-timeout", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpServer:max-queued-bytes:
   *
   * The [property@Gsock.TcpClient:max-queued-bytes] of every client accepted from now on;
   * 8 MiB by default, 0 for no limit.
   */
  settings_properties[SETTING_MAX_QUEUED_BYTES] =
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
  settings_properties[SETTING_HIGH_WATER_MARK] =
    g_param_spec_uint64 ("high-water-mark", NULL, NULL, 0, G_MAXUINT64,
                         GSOCK_DEFAULT_HIGH_WATER_MARK,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpServer:low-water-mark:
   *
   * The [property@Gsock.TcpClient:low-water-mark] of every client accepted from now on
   * (256 KiB by default).
   */
  settings_properties[SETTING_LOW_WATER_MARK] =
    g_param_spec_uint64 ("low-water-mark", NULL, NULL, 0, G_MAXUINT64,
                         GSOCK_DEFAULT_LOW_WATER_MARK,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpServer:drain-timeout:
   *
   * The [property@Gsock.TcpClient:drain-timeout] of every client accepted from now on; 0, the
   * default, sets none.
   */
  settings_properties[SETTING_DRAIN_TIMEOUT] =
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
  settings_properties[SETTING_TLS_CERTIFICATE] =
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
  settings_properties[SETTING_TLS_CERTIFICATE_FILE] =
    g_param_spec_string ("tls-certificate-file", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpServer:tls-database:
   *
   * The authorities client certificates are checked against; `NULL` uses the system's.
   */
  settings_properties[SETTING_TLS_DATABASE] =
    g_param_spec_object ("tls-database", NULL, NULL, G_TYPE_TLS_DATABASE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpServer:tls-authentication-mode:
   *
   * Whether TLS clients are asked for a certificate (`G_TLS_AUTHENTICATION_REQUESTED`) or
   * must show a valid one (`G_TLS_AUTHENTICATION_REQUIRED`); none is asked for by default.
   * A client's certificate is then [property@Gsock.TcpClient:peer-certificate].
   */
  settings_properties[SETTING_TLS_AUTHENTICATION_MODE] =
    g_param_spec_enum ("tls-authentication-mode", NULL, NULL, G_TYPE_TLS_AUTHENTICATION_MODE,
                       G_TLS_AUTHENTICATION_NONE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockTcpServer:tls-minimum-version:
   *
   * The oldest TLS version the server accepts from a client: TLS 1.2 by default, so a client
   * that offers only TLS 1.0 or 1.1 is refused.
   *
   * The TLS backend agrees on a version first; a connection that speaks an older one is then
   * closed before it becomes a client, and [signal@Gsock.Endpoint::error] reports
   * `GSOCK_ERROR_TLS_PROTOCOL_TOO_OLD`, naming both versions. `G_TLS_PROTOCOL_VERSION_UNKNOWN`
   * accepts whatever the backend agrees to; see [property@Gsock.TcpClient:tls-minimum-version].
   *
   * Since: 1.2
   */
  settings_properties[SETTING_TLS_MINIMUM_VERSION] = _gsock_tls_minimum_version_param_new ();

  first_prop = first;
  for (guint i = 0; i < N_SETTINGS; i++)
    g_object_class_install_property (object_class, first + i, settings_properties[i]);

  /**
   * GsockTcpServer:no-delay:
   *
   * [property@Gsock.TcpClient:no-delay] for every connection the server accepts.
   *
   * Since: 1.2
   */
  /**
   * GsockTcpServer:keepalive:
   *
   * [property@Gsock.TcpClient:keepalive] for every connection the server accepts: a client
   * that vanished is disconnected with `G_IO_ERROR_TIMED_OUT` instead of held for ever.
   *
   * Since: 1.2
   */
  /**
   * GsockTcpServer:keepalive-idle:
   *
   * [property@Gsock.TcpClient:keepalive-idle] for every connection the server accepts.
   *
   * Since: 1.2
   */
  /**
   * GsockTcpServer:keepalive-interval:
   *
   * [property@Gsock.TcpClient:keepalive-interval] for every connection the server accepts.
   *
   * Since: 1.2
   */
  /**
   * GsockTcpServer:keepalive-count:
   *
   * [property@Gsock.TcpClient:keepalive-count] for every connection the server accepts.
   *
   * Since: 1.2
   */
  _gsock_tcp_options_install_properties (object_class, first + N_SETTINGS, option_properties);
}

/* The index of a TCP option's property, or -1 for another property. */
static int
option_of (guint prop_id)
{
  guint index = prop_id - first_prop;

  return index >= N_SETTINGS && index < N_SETTINGS + GSOCK_TCP_N_OPTIONS
           ? (int) (index - N_SETTINGS)
           : -1;
}

gboolean
_gsock_tcp_server_settings_get_property (GsockTcpServerSettings *self,
                                         guint                   prop_id,
                                         GValue                 *value)
{
  if (option_of (prop_id) >= 0)
    {
      _gsock_tcp_options_get (&self->connection.options, option_of (prop_id), value);
      return TRUE;
    }
  switch (prop_id - first_prop)
    {
    case SETTING_FRAMER:
      g_value_set_object (value, self->connection.framer);
      return TRUE;
    case SETTING_IDLE_TIMEOUT:
      g_value_set_uint (value, self->connection.idle_timeout);
      return TRUE;
    case SETTING_MAX_QUEUED_BYTES:
      g_value_set_uint64 (value, self->connection.max_queued_bytes);
      return TRUE;
    case SETTING_HIGH_WATER_MARK:
      g_value_set_uint64 (value, self->connection.high_water_mark);
      return TRUE;
    case SETTING_LOW_WATER_MARK:
      g_value_set_uint64 (value, self->connection.low_water_mark);
      return TRUE;
    case SETTING_DRAIN_TIMEOUT:
      g_value_set_uint (value, self->connection.drain_timeout);
      return TRUE;
    case SETTING_TLS_CERTIFICATE:
      g_value_set_object (value, self->tls.certificate);
      return TRUE;
    case SETTING_TLS_CERTIFICATE_FILE:
      g_value_set_string (value, self->tls_certificate_file);
      return TRUE;
    case SETTING_TLS_DATABASE:
      g_value_set_object (value, self->tls.database);
      return TRUE;
    case SETTING_TLS_AUTHENTICATION_MODE:
      g_value_set_enum (value, self->tls_authentication_mode);
      return TRUE;
    case SETTING_TLS_MINIMUM_VERSION:
      g_value_set_enum (value, self->tls.minimum_version);
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean
_gsock_tcp_server_settings_set_property (GsockTcpServer *server,
                                         guint           prop_id,
                                         const GValue   *value)
{
  if (option_of (prop_id) >= 0)
    {
      GsockTcpOptions *options = &_gsock_tcp_server_get_settings (server)->connection.options;
      guint option = option_of (prop_id);

      if (G_VALUE_HOLDS_BOOLEAN (value)
            ? _gsock_tcp_options_set_boolean (options, option, g_value_get_boolean (value))
            : _gsock_tcp_options_set_uint (options, option, g_value_get_uint (value)))
        g_object_notify_by_pspec (G_OBJECT (server), option_properties[option]);
      return TRUE;
    }
  switch (prop_id - first_prop)
    {
    case SETTING_FRAMER:
      gsock_tcp_server_set_framer (server, g_value_get_object (value));
      return TRUE;
    case SETTING_IDLE_TIMEOUT:
      gsock_tcp_server_set_idle_timeout (server, g_value_get_uint (value));
      return TRUE;
    case SETTING_MAX_QUEUED_BYTES:
      gsock_tcp_server_set_max_queued_bytes (server, g_value_get_uint64 (value));
      return TRUE;
    case SETTING_HIGH_WATER_MARK:
      gsock_tcp_server_set_high_water_mark (server, g_value_get_uint64 (value));
      return TRUE;
    case SETTING_LOW_WATER_MARK:
      gsock_tcp_server_set_low_water_mark (server, g_value_get_uint64 (value));
      return TRUE;
    case SETTING_DRAIN_TIMEOUT:
      gsock_tcp_server_set_drain_timeout (server, g_value_get_uint (value));
      return TRUE;
    case SETTING_TLS_CERTIFICATE:
      gsock_tcp_server_set_tls_certificate (server, g_value_get_object (value));
      return TRUE;
    case SETTING_TLS_CERTIFICATE_FILE:
      gsock_tcp_server_set_tls_certificate_file (server, g_value_get_string (value));
      return TRUE;
    case SETTING_TLS_DATABASE:
      gsock_tcp_server_set_tls_database (server, g_value_get_object (value));
      return TRUE;
    case SETTING_TLS_AUTHENTICATION_MODE:
      gsock_tcp_server_set_tls_authentication_mode (server, g_value_get_enum (value));
      return TRUE;
    case SETTING_TLS_MINIMUM_VERSION:
      gsock_tcp_server_set_tls_minimum_version (server, g_value_get_enum (value));
      return TRUE;
    default:
      return FALSE;
    }
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
  GsockTcpServerSettings *settings;

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), NULL);

  settings = _gsock_tcp_server_get_settings (self);

  return settings->connection.framer;
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
  GsockTcpServerSettings *settings;
  g_autoptr(GsockFramer) line_framer = NULL;

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));
  g_return_if_fail (framer == NULL || GSOCK_IS_FRAMER (framer));

  settings = _gsock_tcp_server_get_settings (self);

  if (framer == NULL)
    framer = line_framer = gsock_line_framer_new (NULL);
  if (g_set_object (&settings->connection.framer, framer))
    g_object_notify_by_pspec (G_OBJECT (self), settings_properties[SETTING_FRAMER]);
}

/**
 * gsock_tcp_server_get_no_delay:
 * @self: a server
 *
 * Gets [property@Gsock.TcpServer:no-delay].
 *
 * Returns: whether segments go out at once on the connections the server accepts
 *
 * Since: 1.2
 */
gboolean
gsock_tcp_server_get_no_delay (GsockTcpServer *self)
{
  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), TRUE);

  return _gsock_tcp_server_get_settings (self)->connection.options.no_delay;
}

/**
 * gsock_tcp_server_set_no_delay:
 * @self: a server
 * @no_delay: whether segments go out at once
 *
 * Sets [property@Gsock.TcpServer:no-delay], for the connections accepted afterwards.
 *
 * Since: 1.2
 */
void
gsock_tcp_server_set_no_delay (GsockTcpServer *self,
                               gboolean        no_delay)
{
  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));

  g_object_set (self, "no-delay", no_delay, NULL);
}

/**
 * gsock_tcp_server_get_keepalive:
 * @self: a server
 *
 * Gets [property@Gsock.TcpServer:keepalive].
 *
 * Returns: whether the system probes the idle connections the server accepts
 *
 * Since: 1.2
 */
gboolean
gsock_tcp_server_get_keepalive (GsockTcpServer *self)
{
  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), FALSE);

  return _gsock_tcp_server_get_settings (self)->connection.options.keepalive;
}

/**
 * gsock_tcp_server_set_keepalive:
 * @self: a server
 * @keepalive: whether the system probes idle connections
 * @idle_s: seconds idle before the first probe, 0 for the system's
 * @interval_s: seconds between probes, 0 for the system's
 * @count: unanswered probes that end a connection, 0 for the system's
 *
 * Sets [property@Gsock.TcpServer:keepalive] and its timing, for the connections accepted
 * afterwards.
 *
 * Since: 1.2
 */
void
gsock_tcp_server_set_keepalive (GsockTcpServer *self,
                                gboolean        keepalive,
                                guint           idle_s,
                                guint           interval_s,
                                guint           count)
{
  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));

  g_object_set (self, "keepalive-idle", idle_s, "keepalive-interval", interval_s,
                "keepalive-count", count, "keepalive", keepalive, NULL);
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
  GsockTcpServerSettings *settings;

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), 0);

  settings = _gsock_tcp_server_get_settings (self);

  return settings->connection.idle_timeout;
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
  GsockTcpServerSettings *settings;

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));

  settings = _gsock_tcp_server_get_settings (self);

  if (settings->connection.idle_timeout == idle_timeout_ms)
    return;
  settings->connection.idle_timeout = idle_timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), settings_properties[SETTING_IDLE_TIMEOUT]);
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
  GsockTcpServerSettings *settings;

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), 0);

  settings = _gsock_tcp_server_get_settings (self);

  return settings->connection.max_queued_bytes;
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
  GsockTcpServerSettings *settings;

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));

  settings = _gsock_tcp_server_get_settings (self);

  if (settings->connection.max_queued_bytes == max_queued_bytes)
    return;
  settings->connection.max_queued_bytes = max_queued_bytes;
  g_object_notify_by_pspec (G_OBJECT (self), settings_properties[SETTING_MAX_QUEUED_BYTES]);
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
  GsockTcpServerSettings *settings;

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), 0);

  settings = _gsock_tcp_server_get_settings (self);

  return settings->connection.high_water_mark;
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
  GsockTcpServerSettings *settings;

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));

  settings = _gsock_tcp_server_get_settings (self);

  if (settings->connection.high_water_mark == high_water_mark)
    return;
  settings->connection.high_water_mark = high_water_mark;
  g_object_notify_by_pspec (G_OBJECT (self), settings_properties[SETTING_HIGH_WATER_MARK]);
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
  GsockTcpServerSettings *settings;

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), 0);

  settings = _gsock_tcp_server_get_settings (self);

  return settings->connection.low_water_mark;
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
  GsockTcpServerSettings *settings;

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));

  settings = _gsock_tcp_server_get_settings (self);

  if (settings->connection.low_water_mark == low_water_mark)
    return;
  settings->connection.low_water_mark = low_water_mark;
  g_object_notify_by_pspec (G_OBJECT (self), settings_properties[SETTING_LOW_WATER_MARK]);
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
  GsockTcpServerSettings *settings;

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), 0);

  settings = _gsock_tcp_server_get_settings (self);

  return settings->connection.drain_timeout;
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
  GsockTcpServerSettings *settings;

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));

  settings = _gsock_tcp_server_get_settings (self);

  if (settings->connection.drain_timeout == drain_timeout_ms)
    return;
  settings->connection.drain_timeout = drain_timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), settings_properties[SETTING_DRAIN_TIMEOUT]);
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
  GsockTcpServerSettings *settings;

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), NULL);

  settings = _gsock_tcp_server_get_settings (self);

  return settings->tls.certificate;
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
  GsockTcpServerSettings *settings;

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));
  g_return_if_fail (certificate == NULL || G_IS_TLS_CERTIFICATE (certificate));

  settings = _gsock_tcp_server_get_settings (self);

  if (g_set_object (&settings->tls.certificate, certificate))
    g_object_notify_by_pspec (G_OBJECT (self), settings_properties[SETTING_TLS_CERTIFICATE]);
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
  GsockTcpServerSettings *settings;

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), NULL);

  settings = _gsock_tcp_server_get_settings (self);

  return settings->tls_certificate_file;
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
  GsockTcpServerSettings *settings;

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));

  settings = _gsock_tcp_server_get_settings (self);

  if (g_strcmp0 (settings->tls_certificate_file, path) == 0)
    return;
  g_free (settings->tls_certificate_file);
  settings->tls_certificate_file = g_strdup (path);
  g_object_notify_by_pspec (G_OBJECT (self), settings_properties[SETTING_TLS_CERTIFICATE_FILE]);
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
  GsockTcpServerSettings *settings;

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), NULL);

  settings = _gsock_tcp_server_get_settings (self);

  return settings->tls.database;
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
  GsockTcpServerSettings *settings;

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));
  g_return_if_fail (database == NULL || G_IS_TLS_DATABASE (database));

  settings = _gsock_tcp_server_get_settings (self);

  if (g_set_object (&settings->tls.database, database))
    g_object_notify_by_pspec (G_OBJECT (self), settings_properties[SETTING_TLS_DATABASE]);
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
  GsockTcpServerSettings *settings;

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), G_TLS_AUTHENTICATION_NONE);

  settings = _gsock_tcp_server_get_settings (self);

  return settings->tls_authentication_mode;
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
  GsockTcpServerSettings *settings;

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));

  settings = _gsock_tcp_server_get_settings (self);

  if (settings->tls_authentication_mode == mode)
    return;
  settings->tls_authentication_mode = mode;
  g_object_notify_by_pspec (G_OBJECT (self), settings_properties[SETTING_TLS_AUTHENTICATION_MODE]);
}

/**
 * gsock_tcp_server_get_tls_minimum_version:
 * @self: a server
 *
 * Gets [property@Gsock.TcpServer:tls-minimum-version].
 *
 * Returns: the oldest TLS version the server accepts
 *
 * Since: 1.2
 */
GTlsProtocolVersion
gsock_tcp_server_get_tls_minimum_version (GsockTcpServer *self)
{
  GsockTcpServerSettings *settings;

  g_return_val_if_fail (GSOCK_IS_TCP_SERVER (self), G_TLS_PROTOCOL_VERSION_UNKNOWN);

  settings = _gsock_tcp_server_get_settings (self);

  return settings->tls.minimum_version;
}

/**
 * gsock_tcp_server_set_tls_minimum_version:
 * @self: a server
 * @version: the oldest TLS version to accept, `G_TLS_PROTOCOL_VERSION_UNKNOWN` for any
 *
 * Sets [property@Gsock.TcpServer:tls-minimum-version], used for handshakes that end from now
 * on.
 *
 * Since: 1.2
 */
void
gsock_tcp_server_set_tls_minimum_version (GsockTcpServer      *self,
                                          GTlsProtocolVersion  version)
{
  GsockTcpServerSettings *settings;

  g_return_if_fail (GSOCK_IS_TCP_SERVER (self));
  g_return_if_fail (_gsock_tls_is_stream_version (version));

  settings = _gsock_tcp_server_get_settings (self);

  if (settings->tls.minimum_version == version)
    return;
  settings->tls.minimum_version = version;
  g_object_notify_by_pspec (G_OBJECT (self), settings_properties[SETTING_TLS_MINIMUM_VERSION]);
}
