/* gsock-tls.c: TLS for the connections of clients and servers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-tls-private.h"

#include "gsock-endpoint-private.h"
#include "gsock-error.h"
#include "gsock-marshal.h"
#include "gsock-stream-private.h"

gboolean
_gsock_tls_check_available (GError **error)
{
  if (g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    return TRUE;
  g_set_error_literal (error, GSOCK_ERROR, GSOCK_ERROR_TLS_UNAVAILABLE,
                       "TLS is not available: no TLS backend is installed "
                       "(on Debian, install the glib-networking package)");
  return FALSE;
}

/**
 * GsockTcpClient::accept-certificate:
 * @self: the client
 * @peer_certificate: the certificate the server showed
 * @errors: what is wrong with it
 *
 * Emitted during a TLS open when the server's certificate does not pass verification
 * (self-signed, expired, for another name ...); return `TRUE` to accept it anyway.
 *
 * With no handler, or when every handler returns `FALSE`, the open fails with a `G_TLS_ERROR`
 * whose message says what was wrong. Accepting a certificate the application pinned or its
 * user checked is the usual reason to connect.
 *
 * Returns: `TRUE` to accept the certificate, `FALSE` to refuse it
 */

/**
 * GsockTcpServer::accept-certificate:
 * @self: the server
 * @peer_certificate: the certificate a client showed
 * @errors: what is wrong with it
 *
 * Emitted during a TLS handshake when a client's certificate does not pass verification;
 * return `TRUE` to accept it anyway. With no handler the client is refused, and the
 * [signal@Gsock.Endpoint::error] that reports it says what was wrong.
 *
 * Returns: `TRUE` to accept the certificate, `FALSE` to refuse it
 */
/**
 * GsockUdpEndpoint::accept-certificate:
 * @self: the endpoint
 * @peer_certificate: the certificate the DTLS peer showed
 * @errors: what is wrong with it
 *
 * Emitted during a DTLS handshake when the peer's certificate does not pass verification;
 * return `TRUE` to accept it anyway. With no handler the handshake fails, and the open says
 * what was wrong.
 *
 * Returns: `TRUE` to accept the certificate, `FALSE` to refuse it
 *
 * Since: 1.2
 */
guint
_gsock_tls_accept_certificate_signal_new (GType type)
{
  guint signal = g_signal_new ("accept-certificate",
                               type,
                               G_SIGNAL_RUN_LAST,
                               0,
                               g_signal_accumulator_true_handled, NULL,
                               _gsock_marshal_BOOLEAN__OBJECT_FLAGS,
                               G_TYPE_BOOLEAN, 2, G_TYPE_TLS_CERTIFICATE,
                               G_TYPE_TLS_CERTIFICATE_FLAGS);

  g_signal_set_va_marshaller (signal, type, _gsock_marshal_BOOLEAN__OBJECT_FLAGSv);
  return signal;
}

void
_gsock_tls_init (GsockTls      *self,
                 GsockEndpoint *judge,
                 guint          accept_signal)
{
  self->judge = judge;
  self->accept_signal = accept_signal;
  self->minimum_version = G_TLS_PROTOCOL_VERSION_TLS_1_2;
}

void
_gsock_tls_clear (GsockTls *self)
{
  g_clear_object (&self->certificate);
  g_clear_object (&self->database);
}

GParamSpec *
_gsock_tls_minimum_version_param_new (void)
{
  return g_param_spec_enum ("tls-minimum-version", NULL, NULL, G_TYPE_TLS_PROTOCOL_VERSION,
                            G_TLS_PROTOCOL_VERSION_TLS_1_2,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                              G_PARAM_STATIC_STRINGS);
}

gboolean
_gsock_tls_is_stream_version (GTlsProtocolVersion version)
{
  return version == G_TLS_PROTOCOL_VERSION_UNKNOWN ||
         (version >= G_TLS_PROTOCOL_VERSION_SSL_3_0 && version <= G_TLS_PROTOCOL_VERSION_TLS_1_3);
}

const char *
_gsock_tls_protocol_name (GTlsProtocolVersion version)
{
  switch (version)
    {
    case G_TLS_PROTOCOL_VERSION_SSL_3_0:
      return "SSL 3.0";
    case G_TLS_PROTOCOL_VERSION_TLS_1_0:
      return "TLS 1.0";
    case G_TLS_PROTOCOL_VERSION_TLS_1_1:
      return "TLS 1.1";
    case G_TLS_PROTOCOL_VERSION_TLS_1_2:
      return "TLS 1.2";
    case G_TLS_PROTOCOL_VERSION_TLS_1_3:
      return "TLS 1.3";
    case G_TLS_PROTOCOL_VERSION_DTLS_1_0:
      return "DTLS 1.0";
    case G_TLS_PROTOCOL_VERSION_DTLS_1_2:
      return "DTLS 1.2";
    case G_TLS_PROTOCOL_VERSION_UNKNOWN:
    default:
      return "an unknown version";
    }
}

/* Whether @version, agreed by a handshake, is @self's minimum or newer; else
 * GSOCK_ERROR_TLS_PROTOCOL_TOO_OLD naming both. DTLS versions are compared as the TLS
 * versions they were made from: DTLS 1.0 is TLS 1.1's, DTLS 1.2 is TLS 1.2's. */
static gboolean
version_acceptable (GsockTls            *self,
                    GTlsProtocolVersion  version,
                    GError             **error)
{
  GTlsProtocolVersion as_tls = version;

  if (version == G_TLS_PROTOCOL_VERSION_DTLS_1_0)
    as_tls = G_TLS_PROTOCOL_VERSION_TLS_1_1;
  else if (version == G_TLS_PROTOCOL_VERSION_DTLS_1_2)
    as_tls = G_TLS_PROTOCOL_VERSION_TLS_1_2;

  /* GnuTLS (glib-networking) still agrees to TLS 1.0 and 1.1 when the peer offers nothing
   * newer, and GIO has no say in what the backend offers: the version is checked once it is
   * agreed. A version the backend cannot name (UNKNOWN) is newer than those it can. */
  if (self->minimum_version == G_TLS_PROTOCOL_VERSION_UNKNOWN ||
      version == G_TLS_PROTOCOL_VERSION_UNKNOWN || as_tls >= self->minimum_version)
    return TRUE;

  g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_TLS_PROTOCOL_TOO_OLD,
               "The peer speaks %s, older than the minimum of %s (tls-minimum-version): "
               "the connection was closed",
               _gsock_tls_protocol_name (version),
               _gsock_tls_protocol_name (self->minimum_version));
  return FALSE;
}

gboolean
_gsock_tls_check_version (GsockTls        *self,
                          GTlsConnection  *connection,
                          GError         **error)
{
  GSocketConnection *base;

  if (version_acceptable (self, g_tls_connection_get_protocol_version (connection), error))
    return TRUE;
  /* No close_notify for it: a peer that may never read must not hold a thread. */
  base = _gsock_socket_connection_of (G_IO_STREAM (connection));
  if (base != NULL)
    g_socket_close (g_socket_connection_get_socket (base), NULL);
  return FALSE;
}

/* What was wrong with the peer certificate a connection refused, as its data. */
#define REFUSED_KEY "gsock-tls-refused"

/* Who judges the certificate of one connection: the endpoint, if it is still there (a TLS
 * connection may outlive it, closing on its own). */
typedef struct
{
  GWeakRef judge;
  GsockTls *tls; /* valid while the judge is */
} Check;

static void
check_free (gpointer data,
            GClosure *closure)
{
  Check *check = data;

  g_weak_ref_clear (&check->judge);
  g_free (check);
}

static gboolean
accept_certificate_cb (GObject              *connection,
                       GTlsCertificate      *peer_certificate,
                       GTlsCertificateFlags  errors,
                       Check                *check)
{
  g_autoptr(GsockEndpoint) judge = NULL;
  gboolean accepted = FALSE;

  /* The TLS backend may ask about a certificate that passed verification too (a client's, on
   * the server side); only a failing one is the application's call. */
  if (errors == 0)
    return TRUE;
  judge = g_weak_ref_get (&check->judge);
  if (judge == NULL)
    return FALSE;
  g_signal_emit (judge, check->tls->accept_signal, 0, peer_certificate, errors, &accepted);
  if (!accepted)
    {
      /* For the explanation: the judge's, for its open; the connection's, for a handshake. */
      check->tls->refused = errors;
      g_object_set_data (connection, REFUSED_KEY, GUINT_TO_POINTER (errors));
    }
  return accepted;
}

/* Gives @connection (a GTlsConnection or a GDtlsConnection: both have these properties and
 * the signal) our certificate and authorities, and our judge's say on the peer's. */
static void
prepare (GsockTls *self,
         GObject  *connection)
{
  Check *check = g_new0 (Check, 1);

  if (self->certificate != NULL)
    g_object_set (connection, "certificate", self->certificate, NULL);
  if (self->database != NULL)
    g_object_set (connection, "database", self->database, NULL);
  g_weak_ref_init (&check->judge, self->judge);
  check->tls = self;
  g_signal_connect_data (connection, "accept-certificate", G_CALLBACK (accept_certificate_cb),
                         check, check_free, 0);
}

static void
certificate_requested_cb (GTlsConnection *connection,
                          GParamSpec     *pspec,
                          GsockEndpoint  *judge)
{
  /* Valid while the judge is, which this handler does not outlive. */
  GsockTls *self = g_object_get_data (G_OBJECT (connection), "gsock-tls");

  self->certificate_requested = TRUE;
}

static void
socket_client_event_cb (GSocketClient      *socket_client,
                        GSocketClientEvent  event,
                        GSocketConnectable *connectable,
                        GIOStream          *connection,
                        GsockEndpoint      *judge)
{
  GsockTls *self = g_object_get_data (G_OBJECT (socket_client), "gsock-tls");

  if (event != G_SOCKET_CLIENT_TLS_HANDSHAKING)
    return;
  prepare (self, G_OBJECT (connection));
  self->handshake_began = g_get_monotonic_time ();
  self->certificate_requested = FALSE;
  /* The backend sets the authorities the server named in its certificate request, and
   * notifies them (even none) on the owner's context once the handshake is done: the one way
   * GIO tells that a certificate was asked for. */
  g_object_set_data (G_OBJECT (connection), "gsock-tls", self);
  g_signal_connect_object (connection, "notify::accepted-cas",
                           G_CALLBACK (certificate_requested_cb), judge, 0);
}

void
_gsock_tls_set_up_client (GsockTls      *self,
                          GSocketClient *socket_client)
{
  g_socket_client_set_tls (socket_client, TRUE);
  /* The socket client lives no longer than the open its judge waits for. */
  g_object_set_data (G_OBJECT (socket_client), "gsock-tls", self);
  g_signal_connect_object (socket_client, "event", G_CALLBACK (socket_client_event_cb),
                           self->judge, 0);
}

void
_gsock_tls_explain_refusal (GTlsCertificateFlags   refused,
                            const char            *whose,
                            GError               **error)
{
  static const struct
  {
    GTlsCertificateFlags flag;
    const char *what;
  } reasons[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, "it is not signed by a trusted authority" },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, "it is for another host name" },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, "it is not valid yet" },
    { G_TLS_CERTIFICATE_EXPIRED, "it has expired" },
    { G_TLS_CERTIFICATE_REVOKED, "it has been revoked" },
    { G_TLS_CERTIFICATE_INSECURE, "its algorithm is insecure" },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, "it is not valid" },
  };
  g_autoptr(GString) why = g_string_new (NULL);

  /* GIO says only "Unacceptable TLS certificate": this says what is wrong with it. */
  if (!g_error_matches (*error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    if (refused & reasons[i].flag)
      g_string_append_printf (why, "%s%s", why->len > 0 ? ", " : "", reasons[i].what);
  if (why->len > 0)
    g_prefix_error (error, "The %s's certificate was refused (%s): ", whose, why->str);
}

/* A handshake under way: bounded by a timeout (which cancels it) and the caller's
 * cancellable. */
typedef struct
{
  GsockTls *tls; /* the endpoint's: alive with the task, which holds the endpoint */
  const char *whose; /* the peer's side, for a refusal's explanation */
  GCancellable *cancellable;
  gulong cancelled_id;
  GCancellable *caller_cancellable;
  GSource *timeout_source;
  guint timeout_ms;
  gboolean timed_out; /* the cancellation was the timeout's */
} Handshake;

static void
handshake_free (Handshake *handshake)
{
  if (handshake->caller_cancellable != NULL)
    {
      g_cancellable_disconnect (handshake->caller_cancellable, handshake->cancelled_id);
      g_object_unref (handshake->caller_cancellable);
    }
  _gsock_source_clear (&handshake->timeout_source);
  g_object_unref (handshake->cancellable);
  g_free (handshake);
}

static gboolean
handshake_timeout_cb (gpointer user_data)
{
  Handshake *handshake = user_data;

  handshake->timed_out = TRUE;
  g_cancellable_cancel (handshake->cancellable);
  return G_SOURCE_REMOVE;
}

static void
caller_cancelled_cb (GCancellable *caller_cancellable,
                     GCancellable *cancellable)
{
  g_cancellable_cancel (cancellable);
}

static void
handshake_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  Handshake *handshake = g_task_get_task_data (task);
  gboolean datagrams = G_IS_DTLS_CONNECTION (source);
  gboolean done;

  if (datagrams)
    done = g_dtls_connection_handshake_finish (G_DTLS_CONNECTION (source), result, &error);
  else
    done = g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error);
  if (!done && handshake->timed_out && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (&error);
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "The %s handshake took longer than %u ms", datagrams ? "DTLS" : "TLS",
                   handshake->timeout_ms);
    }
  else if (!done)
    _gsock_tls_explain_refusal (GPOINTER_TO_UINT (g_object_get_data (source, REFUSED_KEY)),
                                handshake->whose, &error);
  else if (datagrams
             ? version_acceptable (handshake->tls,
                                   g_dtls_connection_get_protocol_version (
                                     G_DTLS_CONNECTION (source)),
                                   &error)
             : _gsock_tls_check_version (handshake->tls, G_TLS_CONNECTION (source), &error))
    {
      g_task_return_pointer (task, g_object_ref (source), g_object_unref);
      return;
    }
  g_task_return_error (task, error);
}

/* Handshakes @connection (a GTlsConnection or a GDtlsConnection, prepared), bounded by
 * @timeout_ms and @cancellable, for @task. */
static void
start_handshake (GsockTls     *self,
                 GObject      *connection,
                 const char   *whose,
                 guint         timeout_ms,
                 GCancellable *cancellable,
                 GTask        *task)
{
  Handshake *handshake = g_new0 (Handshake, 1);

  handshake->tls = self;
  handshake->whose = whose;
  handshake->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      handshake->caller_cancellable = g_object_ref (cancellable);
      handshake->cancelled_id = g_cancellable_connect (cancellable,
                                                       G_CALLBACK (caller_cancelled_cb),
                                                       handshake->cancellable, NULL);
    }
  handshake->timeout_ms = timeout_ms;
  if (timeout_ms > 0)
    {
      handshake->timeout_source = g_timeout_source_new (timeout_ms);
      g_source_set_callback (handshake->timeout_source, handshake_timeout_cb, handshake, NULL);
      g_source_attach (handshake->timeout_source, _gsock_endpoint_get_context (self->judge));
    }
  g_task_set_task_data (task, handshake, (GDestroyNotify) handshake_free);
  if (G_IS_DTLS_CONNECTION (connection))
    g_dtls_connection_handshake_async (G_DTLS_CONNECTION (connection), G_PRIORITY_DEFAULT,
                                       handshake->cancellable, handshake_cb,
                                       g_object_ref (task));
  else
    g_tls_connection_handshake_async (G_TLS_CONNECTION (connection), G_PRIORITY_DEFAULT,
                                      handshake->cancellable, handshake_cb, g_object_ref (task));
}

void
_gsock_tls_handshake_async (GsockTls               *self,
                            GIOStream              *base,
                            GTlsAuthenticationMode  mode,
                            guint                   timeout_ms,
                            GCancellable           *cancellable,
                            GAsyncReadyCallback     callback,
                            gpointer                user_data)
{
  g_autoptr(GTask) task = g_task_new (self->judge, cancellable, callback, user_data);
  g_autoptr(GIOStream) tls = NULL;
  GError *error = NULL;

  g_task_set_source_tag (task, _gsock_tls_handshake_async);
  tls = g_tls_server_connection_new (base, self->certificate, &error);
  if (tls == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_object_set (tls, "authentication-mode", mode, NULL);
  prepare (self, G_OBJECT (tls));
  start_handshake (self, G_OBJECT (tls), "client", timeout_ms, cancellable, task);
}

GIOStream *
_gsock_tls_handshake_finish (GAsyncResult *result,
                             GError      **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
_gsock_tls_is_dtls_available (void)
{
  GTlsBackend *backend = g_tls_backend_get_default ();

  /* glib-networking's GnuTLS backend makes DTLS connections without saying so
   * (g_tls_backend_supports_dtls() is FALSE for it up to 2.80 at least); GIO's dummy backend
   * supports no TLS at all. */
  return g_tls_backend_supports_dtls (backend)
         || (g_tls_backend_supports_tls (backend)
             && g_tls_backend_get_dtls_client_connection_type (backend) != G_TYPE_INVALID
             && g_tls_backend_get_dtls_server_connection_type (backend) != G_TYPE_INVALID);
}

gboolean
_gsock_tls_check_dtls_available (GError **error)
{
  if (_gsock_tls_is_dtls_available ())
    return TRUE;
  g_set_error_literal (error, GSOCK_ERROR, GSOCK_ERROR_TLS_UNAVAILABLE,
                       "DTLS is not available: no TLS backend that speaks it is installed "
                       "(on Debian, install the glib-networking package)");
  return FALSE;
}

void
_gsock_tls_dtls_handshake_async (GsockTls               *self,
                                 GDatagramBased         *base,
                                 GSocketConnectable     *server_identity,
                                 GTlsAuthenticationMode  mode,
                                 guint                   timeout_ms,
                                 GCancellable           *cancellable,
                                 GAsyncReadyCallback     callback,
                                 gpointer                user_data)
{
  g_autoptr(GTask) task = g_task_new (self->judge, cancellable, callback, user_data);
  g_autoptr(GDatagramBased) dtls = NULL;
  GError *error = NULL;

  g_task_set_source_tag (task, _gsock_tls_dtls_handshake_async);
  if (server_identity != NULL)
    dtls = g_dtls_client_connection_new (base, server_identity, &error);
  else
    dtls = g_dtls_server_connection_new (base, self->certificate, &error);
  if (dtls == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (server_identity == NULL)
    g_object_set (dtls, "authentication-mode", mode, NULL);
  prepare (self, G_OBJECT (dtls));
  start_handshake (self, G_OBJECT (dtls), server_identity != NULL ? "server" : "client",
                   timeout_ms, cancellable, task);
}

GDatagramBased *
_gsock_tls_dtls_handshake_finish (GAsyncResult *result,
                                  GError      **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
