/* gsock-udp-endpoint-dtls.c: a GsockUdpEndpoint's DTLS settings, as properties
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-udp-endpoint-private.h"

/* The server's limits unless told otherwise. */
#define DEFAULT_MAX_SESSIONS 1024
#define DEFAULT_SESSION_IDLE_TIMEOUT_MS 60000

enum {
  PROP_DTLS,
  PROP_TLS_CERTIFICATE,
  PROP_TLS_DATABASE,
  PROP_MAX_SESSIONS,
  PROP_SESSION_IDLE_TIMEOUT,
  N_DTLS_PROPS
};

G_STATIC_ASSERT (N_DTLS_PROPS == GSOCK_UDP_ENDPOINT_N_DTLS_PROPS);

static GParamSpec *properties[N_DTLS_PROPS];
static guint first_prop_id;
static guint accept_certificate_signal;

void
_gsock_udp_endpoint_dtls_class_init (GObjectClass *object_class,
                                     guint         first)
{
  first_prop_id = first;

  /**
   * GsockUdpEndpoint:dtls:
   *
   * Whether the endpoint speaks DTLS (TLS for datagrams): each message is then one DTLS
   * record, sealed for the peer, and no datagram ever leaves or is delivered in plain text.
   *
   * A DTLS server has a [property@Gsock.UdpEndpoint:tls-certificate] and no
   * [property@Gsock.UdpEndpoint:remote-address]: it serves many peers on its one socket,
   * one DTLS session each, started by the peer's handshake (a datagram from a peer without a
   * session that is not a ClientHello is dropped unread) and ended by the peer's
   * close_notify, by [property@Gsock.UdpEndpoint:session-idle-timeout] or by the close. A
   * message's sender is its peer, and a send to a peer (a reply) goes through its session;
   * a send to an address without a session fails with `GSOCK_ERROR_NO_SUCH_PEER`. A failed
   * handshake is reported through [signal@Gsock.Endpoint::error], saying why. At most
   * [property@Gsock.UdpEndpoint:max-sessions] sessions are kept, so a flood of ClientHellos
   * from spoofed addresses stays bounded.
   *
   * A DTLS client has a [property@Gsock.UdpEndpoint:remote-address]: the open (a bind, or
   * [method@Gsock.Endpoint.open_async]) binds, connects and handshakes with that server,
   * verifying its certificate against the remote address and the trusted authorities
   * ([property@Gsock.UdpEndpoint:tls-database], the system's by default); the endpoint is
   * `GSOCK_STATE_OPEN` once the handshake is done, and sends fail before. A certificate that
   * fails verification is refused unless [signal@Gsock.UdpEndpoint::accept-certificate]
   * accepts it, and the open then fails with a `G_TLS_ERROR` that says why. The handshake
   * is bounded by [property@Gsock.Endpoint:timeout]. Without a TLS backend that speaks DTLS
   * the open fails with `GSOCK_ERROR_TLS_UNAVAILABLE`.
   *
   * Set it before the open.
   *
   * Since: 1.2
   */
  properties[PROP_DTLS] =
    g_param_spec_boolean ("dtls", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockUdpEndpoint:tls-certificate:
   *
   * The certificate, with its private key, the endpoint shows over DTLS: a client's, for a
   * server that asks for one.
   *
   * Since: 1.2
   */
  properties[PROP_TLS_CERTIFICATE] =
    g_param_spec_object ("tls-certificate", NULL, NULL, G_TYPE_TLS_CERTIFICATE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockUdpEndpoint:tls-database:
   *
   * The authorities the peer's certificate is checked against over DTLS; `NULL` for the
   * system's.
   *
   * Since: 1.2
   */
  properties[PROP_TLS_DATABASE] =
    g_param_spec_object ("tls-database", NULL, NULL, G_TYPE_TLS_DATABASE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockUdpEndpoint:max-sessions:
   *
   * How many DTLS sessions a DTLS server keeps at once (those still handshaking included),
   * 0 for no limit; a peer that starts one past it is ignored (its handshake times out).
   *
   * Handshakes are also bounded on their own: at most 16 run at once, each for at most 10 s
   * (or [property@Gsock.UdpEndpoint:session-idle-timeout], if shorter), since each waits for
   * its peer in one of GIO's threads.
   *
   * Since: 1.2
   */
  properties[PROP_MAX_SESSIONS] =
    g_param_spec_uint ("max-sessions", NULL, NULL, 0, G_MAXUINT, DEFAULT_MAX_SESSIONS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GsockUdpEndpoint:session-idle-timeout:
   *
   * How long (ms) a DTLS server keeps a session its peer sends nothing on, 0 for ever; the
   * session then ends (a close_notify is sent) and the peer must handshake again.
   *
   * Since: 1.2
   */
  properties[PROP_SESSION_IDLE_TIMEOUT] =
    g_param_spec_uint ("session-idle-timeout", NULL, NULL, 0, G_MAXUINT,
                       DEFAULT_SESSION_IDLE_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  for (guint i = 0; i < N_DTLS_PROPS; i++)
    g_object_class_install_property (object_class, first + i, properties[i]);

  /* Documented in gsock-tls.c. */
  accept_certificate_signal =
    _gsock_tls_accept_certificate_signal_new (G_TYPE_FROM_CLASS (object_class));
}

void
_gsock_udp_endpoint_dtls_init (GsockUdpEndpoint               *self,
                               GsockUdpDtls                   *dtls,
                               const GsockDtlsServerCallbacks *callbacks)
{
  _gsock_tls_init (&dtls->tls, GSOCK_ENDPOINT (self), accept_certificate_signal);
  _gsock_dtls_server_init (&dtls->server, GSOCK_ENDPOINT (self), &dtls->tls, callbacks);
  dtls->server.max_sessions = DEFAULT_MAX_SESSIONS;
  dtls->server.idle_timeout_ms = DEFAULT_SESSION_IDLE_TIMEOUT_MS;
}

gboolean
_gsock_udp_endpoint_dtls_get_property (GsockUdpEndpoint *self,
                                       guint             prop_id,
                                       GValue           *value)
{
  GsockUdpDtls *dtls = _gsock_udp_endpoint_get_dtls (self);

  if (prop_id < first_prop_id || prop_id >= first_prop_id + N_DTLS_PROPS)
    return FALSE;
  switch (prop_id - first_prop_id)
    {
    case PROP_DTLS:
      g_value_set_boolean (value, dtls->enabled);
      break;
    case PROP_TLS_CERTIFICATE:
      g_value_set_object (value, dtls->tls.certificate);
      break;
    case PROP_TLS_DATABASE:
      g_value_set_object (value, dtls->tls.database);
      break;
    case PROP_MAX_SESSIONS:
      g_value_set_uint (value, dtls->server.max_sessions);
      break;
    case PROP_SESSION_IDLE_TIMEOUT:
      g_value_set_uint (value, dtls->server.idle_timeout_ms);
      break;
    default:
      g_assert_not_reached ();
    }
  return TRUE;
}

gboolean
_gsock_udp_endpoint_dtls_set_property (GsockUdpEndpoint *self,
                                       guint             prop_id,
                                       const GValue     *value)
{
  if (prop_id < first_prop_id || prop_id >= first_prop_id + N_DTLS_PROPS)
    return FALSE;
  switch (prop_id - first_prop_id)
    {
    case PROP_DTLS:
      gsock_udp_endpoint_set_dtls (self, g_value_get_boolean (value));
      break;
    case PROP_TLS_CERTIFICATE:
      gsock_udp_endpoint_set_tls_certificate (self, g_value_get_object (value));
      break;
    case PROP_TLS_DATABASE:
      gsock_udp_endpoint_set_tls_database (self, g_value_get_object (value));
      break;
    case PROP_MAX_SESSIONS:
      gsock_udp_endpoint_set_max_sessions (self, g_value_get_uint (value));
      break;
    case PROP_SESSION_IDLE_TIMEOUT:
      gsock_udp_endpoint_set_session_idle_timeout (self, g_value_get_uint (value));
      break;
    default:
      g_assert_not_reached ();
    }
  return TRUE;
}

/**
 * gsock_udp_endpoint_get_dtls:
 * @self: a UDP endpoint
 *
 * Gets [property@Gsock.UdpEndpoint:dtls].
 *
 * Returns: whether the endpoint speaks DTLS
 *
 * Since: 1.2
 */
gboolean
gsock_udp_endpoint_get_dtls (GsockUdpEndpoint *self)
{
  g_return_val_if_fail (GSOCK_IS_UDP_ENDPOINT (self), FALSE);

  return _gsock_udp_endpoint_get_dtls (self)->enabled;
}

/**
 * gsock_udp_endpoint_set_dtls:
 * @self: a UDP endpoint that is not open
 * @dtls: whether to speak DTLS
 *
 * Sets [property@Gsock.UdpEndpoint:dtls], used by the next open.
 *
 * Since: 1.2
 */
void
gsock_udp_endpoint_set_dtls (GsockUdpEndpoint *self,
                             gboolean          dtls)
{
  GsockUdpDtls *settings;

  g_return_if_fail (GSOCK_IS_UDP_ENDPOINT (self));

  settings = _gsock_udp_endpoint_get_dtls (self);
  dtls = !!dtls;
  if (settings->enabled == dtls)
    return;
  g_return_if_fail (gsock_endpoint_get_state (GSOCK_ENDPOINT (self)) == GSOCK_STATE_CLOSED);
  settings->enabled = dtls;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DTLS]);
}

/**
 * gsock_udp_endpoint_get_tls_certificate:
 * @self: a UDP endpoint
 *
 * Gets [property@Gsock.UdpEndpoint:tls-certificate].
 *
 * Returns: (nullable) (transfer none): the certificate the endpoint shows over DTLS
 *
 * Since: 1.2
 */
GTlsCertificate *
gsock_udp_endpoint_get_tls_certificate (GsockUdpEndpoint *self)
{
  g_return_val_if_fail (GSOCK_IS_UDP_ENDPOINT (self), NULL);

  return _gsock_udp_endpoint_get_dtls (self)->tls.certificate;
}

/**
 * gsock_udp_endpoint_set_tls_certificate:
 * @self: a UDP endpoint
 * @certificate: (nullable): a certificate with its private key, or `NULL`
 *
 * Sets [property@Gsock.UdpEndpoint:tls-certificate], used by the next handshake.
 *
 * Since: 1.2
 */
void
gsock_udp_endpoint_set_tls_certificate (GsockUdpEndpoint *self,
                                        GTlsCertificate  *certificate)
{
  g_return_if_fail (GSOCK_IS_UDP_ENDPOINT (self));
  g_return_if_fail (certificate == NULL || G_IS_TLS_CERTIFICATE (certificate));

  if (g_set_object (&_gsock_udp_endpoint_get_dtls (self)->tls.certificate, certificate))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_CERTIFICATE]);
}

/**
 * gsock_udp_endpoint_get_tls_database:
 * @self: a UDP endpoint
 *
 * Gets [property@Gsock.UdpEndpoint:tls-database].
 *
 * Returns: (nullable) (transfer none): the authorities the peer's certificate is checked
 *   against, or `NULL` for the system's
 *
 * Since: 1.2
 */
GTlsDatabase *
gsock_udp_endpoint_get_tls_database (GsockUdpEndpoint *self)
{
  g_return_val_if_fail (GSOCK_IS_UDP_ENDPOINT (self), NULL);

  return _gsock_udp_endpoint_get_dtls (self)->tls.database;
}

/**
 * gsock_udp_endpoint_set_tls_database:
 * @self: a UDP endpoint
 * @database: (nullable): the trusted authorities, or `NULL` for the system's
 *
 * Sets [property@Gsock.UdpEndpoint:tls-database], used by the next handshake.
 *
 * Since: 1.2
 */
void
gsock_udp_endpoint_set_tls_database (GsockUdpEndpoint *self,
                                     GTlsDatabase     *database)
{
  g_return_if_fail (GSOCK_IS_UDP_ENDPOINT (self));
  g_return_if_fail (database == NULL || G_IS_TLS_DATABASE (database));

  if (g_set_object (&_gsock_udp_endpoint_get_dtls (self)->tls.database, database))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_DATABASE]);
}

/**
 * gsock_udp_endpoint_get_max_sessions:
 * @self: a UDP endpoint
 *
 * Gets [property@Gsock.UdpEndpoint:max-sessions].
 *
 * Returns: how many DTLS sessions a server keeps at most, 0 for no limit
 *
 * Since: 1.2
 */
guint
gsock_udp_endpoint_get_max_sessions (GsockUdpEndpoint *self)
{
  g_return_val_if_fail (GSOCK_IS_UDP_ENDPOINT (self), 0);

  return _gsock_udp_endpoint_get_dtls (self)->server.max_sessions;
}

/**
 * gsock_udp_endpoint_set_max_sessions:
 * @self: a UDP endpoint
 * @max_sessions: how many DTLS sessions to keep at most, 0 for no limit
 *
 * Sets [property@Gsock.UdpEndpoint:max-sessions]; sessions already kept past a lower limit
 * stay until they end.
 *
 * Since: 1.2
 */
void
gsock_udp_endpoint_set_max_sessions (GsockUdpEndpoint *self,
                                     guint             max_sessions)
{
  GsockDtlsServer *server;

  g_return_if_fail (GSOCK_IS_UDP_ENDPOINT (self));

  server = &_gsock_udp_endpoint_get_dtls (self)->server;
  if (server->max_sessions == max_sessions)
    return;
  server->max_sessions = max_sessions;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_SESSIONS]);
}

/**
 * gsock_udp_endpoint_get_session_idle_timeout:
 * @self: a UDP endpoint
 *
 * Gets [property@Gsock.UdpEndpoint:session-idle-timeout].
 *
 * Returns: how long (ms) a silent DTLS session is kept, 0 for ever
 *
 * Since: 1.2
 */
guint
gsock_udp_endpoint_get_session_idle_timeout (GsockUdpEndpoint *self)
{
  g_return_val_if_fail (GSOCK_IS_UDP_ENDPOINT (self), 0);

  return _gsock_udp_endpoint_get_dtls (self)->server.idle_timeout_ms;
}

/**
 * gsock_udp_endpoint_set_session_idle_timeout:
 * @self: a UDP endpoint
 * @timeout_ms: how long (ms) to keep a DTLS session its peer sends nothing on, 0 for ever
 *
 * Sets [property@Gsock.UdpEndpoint:session-idle-timeout], for the sessions that start from
 * now on.
 *
 * Since: 1.2
 */
void
gsock_udp_endpoint_set_session_idle_timeout (GsockUdpEndpoint *self,
                                             guint             timeout_ms)
{
  GsockDtlsServer *server;

  g_return_if_fail (GSOCK_IS_UDP_ENDPOINT (self));

  server = &_gsock_udp_endpoint_get_dtls (self)->server;
  if (server->idle_timeout_ms == timeout_ms)
    return;
  server->idle_timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION_IDLE_TIMEOUT]);
}
