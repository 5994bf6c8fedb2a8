/* test-tls.c: TLS servers and clients, certificates both ways, and openssl as the other side
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Certificates are made for each run with the openssl command in a temporary folder; none is
 * committed.
 */

#include <glib/gstdio.h>
#include <gsock/gsock.h>

#include "gsock-test-util.h"

/* openssl s_server on @port with the server certificate, answering every line reversed
 * (-rev), and the options in @extra (NULL-terminated). */
static GSubprocess *
start_openssl_server (guint16            port,
                      const char *const *extra)
{
  g_autofree char *cert = gsock_test_cert_path ("server.pem");
  g_autofree char *key = gsock_test_cert_path ("server.key");
  g_autofree char *accept = g_strdup_printf ("127.0.0.1:%u", port);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  for (const char *const *arg = (const char *const[]) { "openssl", "s_server", "-accept", accept,
                                                          "-cert", cert, "-key", key, "-rev",
                                                          NULL };
       *arg != NULL; arg++)
    g_ptr_array_add (argv, (gpointer) *arg);
  for (; extra != NULL && *extra != NULL; extra++)
    g_ptr_array_add (argv, (gpointer) *extra);
  g_ptr_array_add (argv, NULL);
  return gsock_test_spawn_openssl (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                        (const char *const *) argv->pdata);
}

/* Opens @client, trying again while nothing listens yet (s_server takes a moment to). */
static gboolean
open_when_listening (GsockTcpClient *client,
                     GError        **error)
{
  for (guint attempt = 0; attempt < 50; attempt++)
    {
      g_autoptr(GError) local_error = NULL;

      if (gsock_tcp_client_open (client, NULL, &local_error))
        return TRUE;
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
          attempt == 49)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      gsock_test_run_for (NULL, 100);
    }
  g_assert_not_reached ();
}

/* A TLS client of localhost:@port that trusts the test's CA. */
static GsockTcpClient *
new_client_of (guint16 port)
{
  g_autoptr(GTlsDatabase) ca = gsock_test_load_ca ();
  GsockTcpClient *client = gsock_tcp_client_new ("localhost", port);

  gsock_tcp_client_set_tls (client, TRUE);
  gsock_tcp_client_set_tls_database (client, ca);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), 5000);
  return client;
}

typedef struct
{
  GsockTcpServer *server;
  GError *server_error;
  guint connected;
} Fixture;

static void
echo_cb (GsockEndpoint *endpoint,
         GsockMessage  *message,
         gpointer       user_data)
{
  gsock_message_reply_bytes (message, gsock_message_get_bytes (message), NULL);
}

static void
server_error_cb (GsockEndpoint *endpoint,
                 const GError  *error,
                 Fixture       *fixture)
{
  g_clear_error (&fixture->server_error);
  fixture->server_error = g_error_copy (error);
}

static void
client_connected_cb (GsockTcpServer *server,
                     GsockTcpClient *client,
                     Fixture        *fixture)
{
  fixture->connected++;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GTlsCertificate) certificate = gsock_test_load_certificate (data != NULL ? data : "server");
  g_autoptr(GError) error = NULL;

  fixture->server = gsock_tcp_server_new ("127.0.0.1", 0);
  gsock_tcp_server_set_tls_certificate (fixture->server, certificate);
  g_signal_connect (fixture->server, "message-received", G_CALLBACK (echo_cb), NULL);
  g_signal_connect (fixture->server, "error", G_CALLBACK (server_error_cb), fixture);
  g_signal_connect (fixture->server, "client-connected", G_CALLBACK (client_connected_cb),
                    fixture);
  g_assert_true (gsock_tcp_server_listen (fixture->server, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  /* A handshake under way holds the server until its cancellation is dispatched. */
  gsock_endpoint_abort (GSOCK_ENDPOINT (fixture->server));
  g_object_add_weak_pointer (G_OBJECT (fixture->server), (gpointer *) &fixture->server);
  g_object_unref (fixture->server);
  gsock_test_wait_until (fixture->server == NULL);
  g_clear_error (&fixture->server_error);
}

static GsockTcpClient *
new_tls_client (Fixture    *fixture,
                const char *host,
                gboolean    trust_ca)
{
  GsockTcpClient *client = gsock_tcp_client_new (host,
                                                 gsock_test_endpoint_get_port (fixture->server));

  gsock_tcp_client_set_tls (client, TRUE);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), 5000);
  if (trust_ca)
    {
      g_autoptr(GTlsDatabase) ca = gsock_test_load_ca ();
      gsock_tcp_client_set_tls_database (client, ca);
    }
  return client;
}

static void
assert_echo (GsockTcpClient *client,
             const char     *text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;

  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), text, NULL, &error));
  g_assert_no_error (error);
  reply = gsock_endpoint_receive (GSOCK_ENDPOINT (client), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply, ==, text);
}

/* A TLS peer that never reads, dropped: nothing is owed to it, not even a close_notify, so
 * its connection lets go of everything at once (a close_notify waited for ever, in a thread,
 * with the descriptor, before). */
static void
test_dropped_peer_that_never_reads (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(GsockTcpClient) client = new_tls_client (fixture, "localhost", TRUE);
  GListModel *clients = gsock_tcp_server_get_clients (fixture->server);
  g_autoptr(GsockTcpClient) served = NULL;
  g_autoptr(GBytes) chunk = gsock_test_pattern_bytes (16 * 1024);
  g_autoptr(GError) error = NULL;
  guint before;

  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);
  gsock_tcp_client_set_read_paused (client, TRUE);
  gsock_test_wait_until (g_list_model_get_n_items (clients) == 1);
  served = g_list_model_get_item (clients, 0);
  gsock_tcp_client_set_max_queued_bytes (served, 256 * 1024);

  /* Until the kernel's buffers on both sides are full and the queue is too. */
  for (guint i = 0; i < 10000; i++)
    {
      if (!gsock_endpoint_send_bytes (GSOCK_ENDPOINT (served), chunk, NULL, &error))
        break;
      gsock_test_run_for (NULL, 1);
    }
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_QUEUE_FULL);

  before = gsock_test_count_open_fds ();
  gsock_endpoint_abort (GSOCK_ENDPOINT (served));
  /* Its descriptor is closed by the abort itself. */
  g_assert_cmpuint (gsock_test_count_open_fds (), ==, before - 1);
  g_assert_cmpuint (g_list_model_get_n_items (clients), ==, 0);
}

static void
store_disconnect_reason_cb (GsockTcpClient *client,
                            const GError   *reason,
                            GError        **out)
{
  g_assert_nonnull (reason);
  *out = g_error_copy (reason);
}

static void store_result_cb (GObject      *source,
                             GAsyncResult *result,
                             gpointer      user_data);

/* A TLS failure that ends a connection (here the server drops it without a close_notify) is
 * what a pending receive fails with, as the disconnected signal says, not only "closed". */
static void
test_pending_receive_gets_the_reason (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(GsockTcpClient) client = new_tls_client (fixture, "localhost", TRUE);
  GListModel *clients = gsock_tcp_server_get_clients (fixture->server);
  g_autoptr(GsockTcpClient) served = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) reason = NULL;
  g_autoptr(GError) error = NULL;
  GsockMessage *message;

  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);
  g_signal_connect (client, "disconnected", G_CALLBACK (store_disconnect_reason_cb), &reason);
  gsock_test_wait_until (g_list_model_get_n_items (clients) == 1);
  served = g_list_model_get_item (clients, 0);

  gsock_endpoint_receive_async (GSOCK_ENDPOINT (client), NULL, store_result_cb, &result);
  gsock_endpoint_abort (GSOCK_ENDPOINT (served));
  gsock_test_wait_until (result != NULL);

  message = gsock_endpoint_receive_finish (GSOCK_ENDPOINT (client), result, &error);
  g_assert_null (message);
  g_assert_nonnull (reason);
  g_assert_true (reason->domain == G_TLS_ERROR);
  g_assert_error (error, reason->domain, reason->code);
  g_assert_nonnull (strstr (error->message, reason->message));
}

static void
test_echo_with_trusted_ca (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GsockTcpClient) client = new_tls_client (fixture, "localhost", TRUE);
  g_autoptr(GError) error = NULL;

  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (gsock_tcp_client_get_peer_certificate (client));
  assert_echo (client, "secret hello");
  assert_echo (client, "二つ目");
  g_assert_cmpuint (fixture->connected, ==, 1);

  /* A graceful close over TLS still delivers what was queued. */
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "last words", NULL, &error));
  gsock_endpoint_close (GSOCK_ENDPOINT (client));
  gsock_test_wait_until (gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (fixture->server))
                         == 3);
}

static void
test_unknown_ca_is_refused (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GsockTcpClient) client = new_tls_client (fixture, "localhost", FALSE);
  g_autoptr(GError) error = NULL;

  g_assert_false (gsock_tcp_client_open (client, NULL, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  /* The error says what is wrong, not only that something is. */
  g_assert_nonnull (strstr (error->message, "not signed by a trusted authority"));
  g_assert_null (strstr (error->message, "host name"));
  g_assert_cmpint (gsock_endpoint_get_state (GSOCK_ENDPOINT (client)), ==, GSOCK_STATE_CLOSED);
  gsock_test_wait_until (fixture->server_error != NULL);
  g_assert_cmpuint (fixture->connected, ==, 0);
}

typedef struct
{
  GTlsCertificateFlags errors;
  gboolean answer;
  guint calls;
} Judge;

static gboolean
judge_cb (GsockTcpClient       *client,
          GTlsCertificate      *certificate,
          GTlsCertificateFlags  errors,
          Judge                *judge)
{
  g_assert_true (G_IS_TLS_CERTIFICATE (certificate));
  judge->errors = errors;
  judge->calls++;
  return judge->answer;
}

/* The application may accept a certificate it knows, a self-signed one in a test, say. */
static void
test_accept_certificate_signal (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(GsockTcpClient) client = new_tls_client (fixture, "localhost", FALSE);
  g_autoptr(GError) error = NULL;
  Judge judge = { 0, TRUE, 0 };

  g_signal_connect (client, "accept-certificate", G_CALLBACK (judge_cb), &judge);
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (judge.calls, ==, 1);
  g_assert_true (judge.errors & G_TLS_CERTIFICATE_UNKNOWN_CA);
  assert_echo (client, "accepted on purpose");
}

/* A valid certificate for another name is as bad as an unknown one: the server's certificate
 * names only localhost, and the client asks for 127.0.0.1. */
static void
test_wrong_name_is_refused (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GsockTcpClient) client = new_tls_client (fixture, "127.0.0.1", TRUE);
  g_autoptr(GError) error = NULL;
  Judge judge = { 0, FALSE, 0 };

  g_signal_connect (client, "accept-certificate", G_CALLBACK (judge_cb), &judge);
  g_assert_false (gsock_tcp_client_open (client, NULL, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_cmpuint (judge.calls, ==, 1);
  g_assert_true (judge.errors & G_TLS_CERTIFICATE_BAD_IDENTITY);
  g_assert_nonnull (strstr (error->message, "it is for another host name"));
}

static void
test_client_certificate_required (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(GTlsDatabase) ca = gsock_test_load_ca ();
  g_autoptr(GTlsCertificate) client_certificate = gsock_test_load_certificate ("client");
  g_autoptr(GsockTcpClient) client = new_tls_client (fixture, "localhost", TRUE);
  g_autoptr(GsockTcpClient) anonymous = new_tls_client (fixture, "localhost", TRUE);
  g_autoptr(GsockTcpClient) accepted = NULL;
  g_autoptr(GError) error = NULL;

  gsock_tcp_server_set_tls_authentication_mode (fixture->server, G_TLS_AUTHENTICATION_REQUIRED);
  gsock_tcp_server_set_tls_database (fixture->server, ca);

  gsock_tcp_client_set_tls_certificate (client, client_certificate);
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);
  assert_echo (client, "I can prove who I am");
  accepted = g_list_model_get_item (gsock_tcp_server_get_clients (fixture->server), 0);
  /* The accepted connection says what it is. */
  g_assert_true (gsock_tcp_client_get_tls (accepted));
  g_assert_nonnull (gsock_tcp_client_get_peer_certificate (accepted));
  g_assert_true (g_tls_certificate_is_same (gsock_tcp_client_get_peer_certificate (accepted),
                                            client_certificate));

  /* Without a certificate the server refuses the handshake; under TLS 1.3 that comes after
   * the client's handshake is done, and the open still fails with it (it looked like a
   * success, until the first read). */
  g_assert_false (gsock_tcp_client_open (anonymous, NULL, &error));
  g_assert_true (error->domain == G_TLS_ERROR);
  g_assert_cmpint (gsock_endpoint_get_state (GSOCK_ENDPOINT (anonymous)), ==,
                   GSOCK_STATE_CLOSED);
  gsock_test_wait_until (fixture->server_error != NULL);
  g_assert_cmpuint (fixture->connected, ==, 1);
}

/* A client certificate from an authority the server does not trust is refused, and the
 * server's error says why in the same words a client uses for a server's; the server's
 * accept-certificate is asked first. */
static gboolean
refuse_cb (GsockTcpServer       *server,
           GTlsCertificate      *certificate,
           GTlsCertificateFlags  errors,
           guint                *asked)
{
  (*asked)++;
  g_assert_true (errors & G_TLS_CERTIFICATE_UNKNOWN_CA);
  return FALSE;
}

static void
test_untrusted_client_certificate_explained (Fixture       *fixture,
                                             gconstpointer  data)
{
  g_autofree char *server_only = gsock_test_cert_path ("server.pem");
  g_autoptr(GTlsDatabase) not_the_ca = NULL;
  g_autoptr(GTlsCertificate) client_certificate = gsock_test_load_certificate ("client");
  g_autoptr(GsockTcpClient) client = new_tls_client (fixture, "localhost", TRUE);
  g_autoptr(GError) error = NULL;
  guint asked = 0;

  not_the_ca = g_tls_file_database_new (server_only, &error);
  g_assert_no_error (error);
  gsock_tcp_server_set_tls_authentication_mode (fixture->server, G_TLS_AUTHENTICATION_REQUIRED);
  gsock_tcp_server_set_tls_database (fixture->server, not_the_ca);
  g_signal_connect (fixture->server, "accept-certificate", G_CALLBACK (refuse_cb), &asked);
  gsock_tcp_client_set_tls_certificate (client, client_certificate);

  /* GnuTLS, refusing it, sends no alert but closes: the open fails with the reset, saying
   * when it came. */
  g_assert_false (gsock_tcp_client_open (client, NULL, &error));
  g_assert_nonnull (strstr (error->message, "after the TLS handshake"));
  gsock_test_wait_until (fixture->server_error != NULL);
  g_assert_cmpuint (asked, ==, 1);
  g_assert_error (fixture->server_error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_nonnull (strstr (fixture->server_error->message,
                            "The client's certificate was refused (it is not signed by a "
                            "trusted authority)"));
  g_assert_cmpuint (fixture->connected, ==, 0);
}

static void
welcome_cb (GsockTcpServer *server,
            GsockTcpClient *client,
            gpointer        user_data)
{
  gsock_endpoint_send (GSOCK_ENDPOINT (client), "welcome", NULL, NULL);
}

/* A server that speaks first, to a client it asked for a certificate: what it says while the
 * client waits for the verdict is the client's first message, not lost. */
static void
test_greeting_during_the_verdict_wait (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autoptr(GTlsDatabase) ca = gsock_test_load_ca ();
  g_autoptr(GTlsCertificate) client_certificate = gsock_test_load_certificate ("client");
  g_autoptr(GsockTcpClient) client = new_tls_client (fixture, "localhost", TRUE);
  g_autoptr(GError) error = NULL;
  g_autofree char *greeting = NULL;

  gsock_tcp_server_set_tls_authentication_mode (fixture->server, G_TLS_AUTHENTICATION_REQUIRED);
  gsock_tcp_server_set_tls_database (fixture->server, ca);
  g_signal_connect (fixture->server, "client-connected", G_CALLBACK (welcome_cb), NULL);
  gsock_tcp_client_set_tls_certificate (client, client_certificate);

  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);
  greeting = gsock_endpoint_receive (GSOCK_ENDPOINT (client), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (greeting, ==, "welcome");
  assert_echo (client, "and then");
}

/* openssl s_server asking for a client certificate under TLS 1.3 (-Verify 1): none, or one
 * from an authority it does not trust, fails the open with its alert; the right one opens. */
static void
test_openssl_server_refuses_client_certificate (void)
{
  g_autofree char *ca = gsock_test_cert_path ("ca.pem");
  g_autofree char *not_the_ca = gsock_test_cert_path ("nameonly.pem");
  guint16 port = gsock_test_unused_tcp_port ();
  guint16 other_port = gsock_test_unused_tcp_port ();
  g_autoptr(GSubprocess) openssl = NULL;
  g_autoptr(GSubprocess) distrustful = NULL;
  g_autoptr(GTlsCertificate) client_certificate = gsock_test_load_certificate ("client");
  g_autoptr(GsockTcpClient) anonymous = new_client_of (port);
  g_autoptr(GsockTcpClient) untrusted = new_client_of (other_port);
  g_autoptr(GsockTcpClient) client = new_client_of (port);
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;

  openssl = start_openssl_server (port, (const char *const[]) { "-tls1_3", "-Verify", "1",
                                                                "-CAfile", ca, NULL });
  distrustful = start_openssl_server (other_port,
                                      (const char *const[]) { "-tls1_3", "-Verify", "1",
                                                              "-verify_return_error",
                                                              "-CAfile", not_the_ca, NULL });

  g_assert_false (open_when_listening (anonymous, &error));
  g_assert_true (error->domain == G_TLS_ERROR);
  g_assert_cmpint (gsock_endpoint_get_state (GSOCK_ENDPOINT (anonymous)), ==,
                   GSOCK_STATE_CLOSED);

  g_clear_error (&error);
  gsock_tcp_client_set_tls_certificate (untrusted, client_certificate);
  g_assert_false (open_when_listening (untrusted, &error));
  g_assert_true (error->domain == G_TLS_ERROR);

  g_clear_error (&error);
  gsock_tcp_client_set_tls_certificate (client, client_certificate);
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "trusted", NULL, &error));
  reply = gsock_endpoint_receive (GSOCK_ENDPOINT (client), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply, ==, "detsurt");

  gsock_endpoint_abort (GSOCK_ENDPOINT (client));
  gsock_test_stop_openssl (distrustful);
  gsock_test_stop_openssl (openssl);
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* openssl s_client, the reference client, talks to a gsock TLS server. */
static void
test_openssl_client (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *ca = gsock_test_cert_path ("ca.pem");
  g_autofree char *connect = g_strdup_printf ("127.0.0.1:%u",
                                              gsock_test_endpoint_get_port (fixture->server));
  g_autoptr(GSubprocess) openssl = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  openssl = gsock_test_spawn_openssl (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                             G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                           (const char *const[]) { "openssl", "s_client", "-connect", connect,
                                                   "-servername", "localhost",
                                                   "-verify_return_error", "-CAfile", ca,
                                                   "-quiet", NULL });
  g_assert_true (g_output_stream_write_all (g_subprocess_get_stdin_pipe (openssl),
                                            "from openssl\n", 13, NULL, NULL, &error));
  g_assert_no_error (error);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (openssl));
  g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, store_result_cb, &result);
  gsock_test_wait_until (result != NULL);
  line = g_data_input_stream_read_line_finish_utf8 (out, result, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "from openssl");
  g_assert_cmpuint (fixture->connected, ==, 1);

  gsock_test_stop_openssl (openssl);
}

/* ... and a gsock TLS client talks to openssl s_server, the reference server. */
static void
test_openssl_server (void)
{
  guint16 port = gsock_test_unused_tcp_port ();
  g_autoptr(GSubprocess) openssl = start_openssl_server (port, NULL);
  g_autoptr(GsockTcpClient) client = new_client_of (port);
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;

  g_assert_true (open_when_listening (client, &error));
  g_assert_no_error (error);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "gsock", NULL, &error));
  reply = gsock_endpoint_receive (GSOCK_ENDPOINT (client), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply, ==, "kcosg");

  gsock_endpoint_abort (GSOCK_ENDPOINT (client));
  gsock_test_stop_openssl (openssl);
}

/* TLS 1.0 and 1.1 are refused by default (GnuTLS itself still agrees to them), and a
 * minimum of 1.3 refuses 1.2: each against openssl s_server forced to one version, which
 * then answers an open whose minimum allows its version (so the refusal is gsock's). */
typedef struct
{
  const char *server_version;    /* s_server's option */
  const char *negotiated;        /* as the error names it */
  GTlsProtocolVersion minimum;   /* the client's */
  GTlsProtocolVersion allows_it; /* a minimum that accepts it */
  const char *minimum_name;
} VersionCase;

static const VersionCase version_cases[] = {
  { "-tls1", "TLS 1.0", G_TLS_PROTOCOL_VERSION_TLS_1_2, G_TLS_PROTOCOL_VERSION_TLS_1_0,
    "TLS 1.2" },
  { "-tls1_1", "TLS 1.1", G_TLS_PROTOCOL_VERSION_TLS_1_2, G_TLS_PROTOCOL_VERSION_UNKNOWN,
    "TLS 1.2" },
  { "-tls1_2", "TLS 1.2", G_TLS_PROTOCOL_VERSION_TLS_1_3, G_TLS_PROTOCOL_VERSION_TLS_1_2,
    "TLS 1.3" },
};

static void
test_client_minimum_version (gconstpointer data)
{
  const VersionCase *version = data;
  guint16 port = gsock_test_unused_tcp_port ();
  /* OpenSSL 3 allows TLS 1.0 and 1.1 only at security level 0. */
  g_autoptr(GSubprocess) openssl =
    start_openssl_server (port, (const char *const[]) { version->server_version, "-cipher",
                                                        "DEFAULT@SECLEVEL=0", NULL });
  g_autoptr(GsockTcpClient) client = new_client_of (port);
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;

  if (version->minimum != G_TLS_PROTOCOL_VERSION_TLS_1_2)
    gsock_tcp_client_set_tls_minimum_version (client, version->minimum);
  g_assert_false (open_when_listening (client, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_TLS_PROTOCOL_TOO_OLD);
  g_assert_nonnull (strstr (error->message, version->negotiated));
  g_assert_nonnull (strstr (error->message, version->minimum_name));
  g_assert_cmpint (gsock_endpoint_get_state (GSOCK_ENDPOINT (client)), ==, GSOCK_STATE_CLOSED);

  /* The same server, a minimum that allows its version: it answers. */
  g_clear_error (&error);
  gsock_tcp_client_set_tls_minimum_version (client, version->allows_it);
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "old", NULL, &error));
  reply = gsock_endpoint_receive (GSOCK_ENDPOINT (client), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply, ==, "dlo");

  gsock_endpoint_abort (GSOCK_ENDPOINT (client));
  gsock_test_stop_openssl (openssl);
}

/* TLS 1.3 passes a minimum of 1.3. */
static void
test_client_minimum_version_met (void)
{
  guint16 port = gsock_test_unused_tcp_port ();
  g_autoptr(GSubprocess) openssl =
    start_openssl_server (port, (const char *const[]) { "-tls1_3", NULL });
  g_autoptr(GsockTcpClient) client = new_client_of (port);
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;

  gsock_tcp_client_set_tls_minimum_version (client, G_TLS_PROTOCOL_VERSION_TLS_1_3);
  g_assert_true (open_when_listening (client, &error));
  g_assert_no_error (error);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "new", NULL, &error));
  reply = gsock_endpoint_receive (GSOCK_ENDPOINT (client), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply, ==, "wen");

  gsock_endpoint_abort (GSOCK_ENDPOINT (client));
  gsock_test_stop_openssl (openssl);
}

/* openssl s_client forced to one version against a gsock server: below the minimum, the
 * server closes the connection before it becomes a client and says why. */
static void
run_openssl_client (Fixture    *fixture,
                    const char *version)
{
  g_autofree char *connect = g_strdup_printf ("127.0.0.1:%u",
                                              gsock_test_endpoint_get_port (fixture->server));
  g_autoptr(GSubprocess) openssl = NULL;

  openssl = gsock_test_spawn_openssl (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                             G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                           (const char *const[]) { "openssl", "s_client", "-connect", connect,
                                                   version, "-cipher", "DEFAULT@SECLEVEL=0",
                                                   "-quiet", NULL });
  gsock_test_wait_until (fixture->server_error != NULL || fixture->connected > 0);
  gsock_test_stop_openssl (openssl);
}

static void
test_server_minimum_version (Fixture       *fixture,
                             gconstpointer  data)
{
  g_assert_cmpint (gsock_tcp_server_get_tls_minimum_version (fixture->server), ==,
                   G_TLS_PROTOCOL_VERSION_TLS_1_2);
  run_openssl_client (fixture, "-tls1_1");
  g_assert_error (fixture->server_error, GSOCK_ERROR, GSOCK_ERROR_TLS_PROTOCOL_TOO_OLD);
  g_assert_nonnull (strstr (fixture->server_error->message, "TLS 1.1"));
  g_assert_nonnull (strstr (fixture->server_error->message, "TLS 1.2"));
  g_assert_cmpuint (fixture->connected, ==, 0);

  g_clear_error (&fixture->server_error);
  gsock_tcp_server_set_tls_minimum_version (fixture->server, G_TLS_PROTOCOL_VERSION_TLS_1_3);
  run_openssl_client (fixture, "-tls1_2");
  g_assert_error (fixture->server_error, GSOCK_ERROR, GSOCK_ERROR_TLS_PROTOCOL_TOO_OLD);
  g_assert_nonnull (strstr (fixture->server_error->message, "TLS 1.2"));
  g_assert_nonnull (strstr (fixture->server_error->message, "TLS 1.3"));
  g_assert_cmpuint (fixture->connected, ==, 0);

  g_clear_error (&fixture->server_error);
  run_openssl_client (fixture, "-tls1_3");
  g_assert_no_error (fixture->server_error);
  g_assert_cmpuint (fixture->connected, ==, 1);
}

static void
count_cb (guint *count)
{
  (*count)++;
}

/* The property, on both classes: TLS 1.2 unless set. */
static void
test_minimum_version_property (void)
{
  g_autoptr(GsockTcpClient) client = gsock_tcp_client_new ("localhost", 1);
  g_autoptr(GsockTcpServer) server = gsock_tcp_server_new ("127.0.0.1", 0);
  GTlsProtocolVersion version = G_TLS_PROTOCOL_VERSION_UNKNOWN;
  guint notified = 0;

  g_object_get (client, "tls-minimum-version", &version, NULL);
  g_assert_cmpint (version, ==, G_TLS_PROTOCOL_VERSION_TLS_1_2);
  g_object_get (server, "tls-minimum-version", &version, NULL);
  g_assert_cmpint (version, ==, G_TLS_PROTOCOL_VERSION_TLS_1_2);

  g_signal_connect_swapped (client, "notify::tls-minimum-version",
                            G_CALLBACK (count_cb), &notified);
  g_object_set (client, "tls-minimum-version", G_TLS_PROTOCOL_VERSION_TLS_1_3, NULL);
  g_object_set (client, "tls-minimum-version", G_TLS_PROTOCOL_VERSION_TLS_1_3, NULL);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpint (gsock_tcp_client_get_tls_minimum_version (client), ==,
                   G_TLS_PROTOCOL_VERSION_TLS_1_3);
  g_object_set (server, "tls-minimum-version", G_TLS_PROTOCOL_VERSION_UNKNOWN, NULL);
  g_assert_cmpint (gsock_tcp_server_get_tls_minimum_version (server), ==,
                   G_TLS_PROTOCOL_VERSION_UNKNOWN);
}

/* A server declared in a GtkBuilder file gets its certificate from one PEM file. */
static void
test_certificate_file (void)
{
  g_autofree char *both = gsock_test_cert_path ("server-both.pem");
  g_autofree char *pem = NULL;
  g_autofree char *key = NULL;
  g_autofree char *pem_path = gsock_test_cert_path ("server.pem");
  g_autofree char *key_path = gsock_test_cert_path ("server.key");
  g_autofree char *joined = NULL;
  g_autoptr(GsockTcpServer) server = NULL;
  g_autoptr(GsockTcpServer) broken = NULL;
  g_autoptr(GsockTcpClient) client = NULL;
  g_autoptr(GTlsDatabase) ca = gsock_test_load_ca ();
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;

  g_assert_true (g_file_get_contents (pem_path, &pem, NULL, NULL));
  g_assert_true (g_file_get_contents (key_path, &key, NULL, NULL));
  joined = g_strconcat (pem, key, NULL);
  g_assert_true (g_file_set_contents (both, joined, -1, NULL));

  server = g_object_new (GSOCK_TYPE_TCP_SERVER, "port", 0, "tls-certificate-file", both, NULL);
  g_signal_connect (server, "message-received", G_CALLBACK (echo_cb), NULL);
  g_assert_true (gsock_tcp_server_listen (server, &error));
  g_assert_no_error (error);
  g_assert_nonnull (gsock_tcp_server_get_tls_certificate (server));

  client = gsock_tcp_client_new ("localhost", gsock_test_endpoint_get_port (server));
  g_object_set (client, "tls", TRUE, "tls-database", ca, "timeout", 5000, NULL);
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "from a file", NULL, &error));
  reply = gsock_endpoint_receive (GSOCK_ENDPOINT (client), NULL, NULL, &error);
  g_assert_cmpstr (reply, ==, "from a file");

  /* A file that is not there: listen says so. */
  broken = g_object_new (GSOCK_TYPE_TCP_SERVER, "port", 0,
                         "tls-certificate-file", "/nonexistent/server.pem", NULL);
  g_clear_error (&error);
  g_assert_false (gsock_tcp_server_listen (broken, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_cmpint (gsock_endpoint_get_state (GSOCK_ENDPOINT (broken)), ==, GSOCK_STATE_CLOSED);

  gsock_endpoint_abort (GSOCK_ENDPOINT (client));
  gsock_endpoint_abort (GSOCK_ENDPOINT (server));
}

/* Run with GIO_MODULE_DIR pointing nowhere: no TLS backend, so a clear error, not plain TCP. */
static void
test_no_backend (void)
{
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GsockTcpClient) client = gsock_tcp_client_new ("127.0.0.1", 1);
  g_autoptr(GError) error = NULL;

  g_assert_false (g_tls_backend_supports_tls (g_tls_backend_get_default ()));
  gsock_tcp_client_set_tls (client, TRUE);
  g_assert_false (gsock_tcp_client_open (client, NULL, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_TLS_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "glib-networking"));
  g_assert_cmpint (gsock_endpoint_get_state (GSOCK_ENDPOINT (client)), ==, GSOCK_STATE_CLOSED);
}

/* A server told to load its certificate from a file says the same, before GIO's own
 * G_TLS_ERROR_UNAVAILABLE from loading it. */
static void
test_no_backend_server (void)
{
  g_autofree char *dir = g_dir_make_tmp ("gsock-test-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "server.pem", NULL);
  g_autoptr(GsockTcpServer) server = gsock_tcp_server_new ("127.0.0.1", 0);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, "-----BEGIN CERTIFICATE-----\nAAAA\n"
                                      "-----END CERTIFICATE-----\n", -1, NULL));
  g_object_set (server, "tls-certificate-file", path, NULL);
  g_assert_false (gsock_tcp_server_listen (server, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_TLS_UNAVAILABLE);
  g_assert_cmpint (gsock_endpoint_get_state (GSOCK_ENDPOINT (server)), ==, GSOCK_STATE_CLOSED);
  g_clear_error (&error);

  {
    g_autoptr(GAsyncResult) result = NULL;

    gsock_endpoint_open_async (GSOCK_ENDPOINT (server), NULL, store_result_cb, &result);
    gsock_test_wait_until (result != NULL);
    g_assert_false (gsock_endpoint_open_finish (GSOCK_ENDPOINT (server), result, &error));
    g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_TLS_UNAVAILABLE);
  }
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *openssl = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("GSOCK_TEST_NO_TLS_BACKEND") != NULL)
    {
      g_test_add_func ("/Gsock/Tls/no-backend/clear-error", test_no_backend);
      g_test_add_func ("/Gsock/Tls/no-backend/server-certificate-file", test_no_backend_server);
      return g_test_run ();
    }

  openssl = g_find_program_in_path ("openssl");
  if (openssl == NULL ||
      !g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("needs the openssl command and a TLS backend (glib-networking)");
      return g_test_run ();
    }
  gsock_test_make_certificates ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/Gsock/Tls/client/echo-with-trusted-ca", test_echo_with_trusted_ca);
  ADD ("/Gsock/Tls/server/dropped-peer-that-never-reads-lets-go-at-once",
       test_dropped_peer_that_never_reads);
  ADD ("/Gsock/Tls/client/unknown-ca-is-refused", test_unknown_ca_is_refused);
  ADD ("/Gsock/Tls/client/pending-receive-fails-with-the-reason",
       test_pending_receive_gets_the_reason);
  ADD ("/Gsock/Tls/client/accept-certificate-signal", test_accept_certificate_signal);
  g_test_add ("/Gsock/Tls/client/wrong-name-is-refused", Fixture, "nameonly", fixture_set_up,
              test_wrong_name_is_refused, fixture_tear_down);
  ADD ("/Gsock/Tls/server/client-certificate-required", test_client_certificate_required);
  ADD ("/Gsock/Tls/server/untrusted-client-certificate-is-explained",
       test_untrusted_client_certificate_explained);
  ADD ("/Gsock/Tls/interop/openssl-s-client", test_openssl_client);
  ADD ("/Gsock/Tls/client/greeting-during-the-verdict-wait-is-kept",
       test_greeting_during_the_verdict_wait);
  ADD ("/Gsock/Tls/minimum-version/server-refuses-older-clients", test_server_minimum_version);
#undef ADD
  g_test_add_func ("/Gsock/Tls/minimum-version/is-tls-1-2-unless-set",
                   test_minimum_version_property);
  g_test_add_data_func ("/Gsock/Tls/minimum-version/client-refuses-tls-1-0-by-default",
                        &version_cases[0], test_client_minimum_version);
  g_test_add_data_func ("/Gsock/Tls/minimum-version/client-refuses-tls-1-1-by-default",
                        &version_cases[1], test_client_minimum_version);
  g_test_add_data_func ("/Gsock/Tls/minimum-version/client-at-1-3-refuses-tls-1-2",
                        &version_cases[2], test_client_minimum_version);
  g_test_add_func ("/Gsock/Tls/minimum-version/client-at-1-3-accepts-tls-1-3",
                   test_client_minimum_version_met);
  g_test_add_func ("/Gsock/Tls/interop/openssl-s-server", test_openssl_server);
  g_test_add_func ("/Gsock/Tls/interop/openssl-s-server-refuses-client-certificate",
                   test_openssl_server_refuses_client_certificate);
  g_test_add_func ("/Gsock/Tls/server/certificate-file", test_certificate_file);

  status = g_test_run ();
  gsock_test_remove_certificates ();
  return status;
}
