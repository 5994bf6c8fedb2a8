/* test-dtls.c: GsockUdpEndpoint over DTLS, with openssl as the other side
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Certificates are made for each run (gsock-test-util.c); every openssl child is killed by
 * its PID at the end of its test, and by the kernel if the test dies first.
 */

#include <string.h>

#include <gsock/gsock.h>

#include "gsock-test-util.h"
#include "gsock-tls-private.h"

/* openssl s_server -dtls1_2 on 127.0.0.1:@port with the certificate @cert (server or
 * nameonly), ready once it said ACCEPT: it prints what it receives and sends what is written
 * to its standard input. */
typedef struct
{
  GSubprocess *process;
  GDataInputStream *out;
  guint16 port;
  GSocketAddress *address;
} OpensslServer;

static void
openssl_server_start (OpensslServer *server,
                      const char    *cert)
{
  g_autofree char *pem_name = g_strdup_printf ("%s.pem", cert);
  g_autofree char *key_name = g_strdup_printf ("%s.key", cert);
  g_autofree char *pem = gsock_test_cert_path (pem_name);
  g_autofree char *key = gsock_test_cert_path (key_name);
  g_autofree char *accept = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  server->port = gsock_test_unused_udp_port ();
  server->address = gsock_test_loopback_address (server->port);
  accept = g_strdup_printf ("127.0.0.1:%u", server->port);
  server->process = gsock_test_spawn_openssl (
    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
      G_SUBPROCESS_FLAGS_STDERR_SILENCE,
    /* stdbuf: what s_server says of a session's end waits in its stdio buffer otherwise. */
    (const char *const[]) { "stdbuf", "-o0", "openssl", "s_server", "-dtls1_2", "-accept", accept, "-cert", pem,
                            "-key", key, NULL });
  server->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  do
    {
      g_clear_pointer (&line, g_free);
      line = g_data_input_stream_read_line (server->out, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (line);
    }
  while (strcmp (line, "ACCEPT") != 0);
}

/* Reads what s_server prints until a line is @expected (it prints more: the session, the
 * cipher). */
static void
openssl_server_expect (OpensslServer *server,
                       const char    *expected)
{
  g_autoptr(GError) error = NULL;

  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (server->out, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (line);
      if (strcmp (line, expected) == 0)
        return;
    }
}

static void
openssl_server_say (OpensslServer *server,
                    const char    *text)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_output_stream_write_all (g_subprocess_get_stdin_pipe (server->process), text,
                                            strlen (text), NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
openssl_server_stop (OpensslServer *server)
{
  gsock_test_stop_openssl (server->process);
  g_clear_object (&server->out);
  g_clear_object (&server->process);
  g_clear_object (&server->address);
}

static GsockUdpEndpoint *
new_dtls_client (GSocketAddress *remote,
                 gboolean        trust_ca)
{
  GsockUdpEndpoint *client = gsock_udp_endpoint_new ("127.0.0.1", 0);

  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), GSOCK_TEST_TIMEOUT_MS);
  gsock_udp_endpoint_set_remote_address (client, remote);
  gsock_udp_endpoint_set_dtls (client, TRUE);
  if (trust_ca)
    {
      g_autoptr(GTlsDatabase) ca = gsock_test_load_ca ();

      gsock_udp_endpoint_set_tls_database (client, ca);
    }
  return client;
}

static void
close_and_finalize (GsockUdpEndpoint *endpoint)
{
  gsock_endpoint_close (GSOCK_ENDPOINT (endpoint));
  gsock_test_wait_until (gsock_endpoint_get_state (GSOCK_ENDPOINT (endpoint))
                         == GSOCK_STATE_CLOSED);
  gsock_test_drain (NULL);
  g_assert_finalize_object (endpoint);
}

static GsockState
state_of (gpointer endpoint)
{
  return gsock_endpoint_get_state (GSOCK_ENDPOINT (endpoint));
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

/* ---- the client against openssl s_server ---- */

static void
test_client_talks_to_openssl_server (void)
{
  OpensslServer server = { 0 };
  GsockUdpEndpoint *client;
  g_autoptr(GSocketAddress) sender = NULL;
  g_autofree char *heard = NULL;
  GError *error = NULL;
  gboolean dtls = FALSE;

  openssl_server_start (&server, "server");
  client = new_dtls_client (server.address, TRUE);
  g_object_get (client, "dtls", &dtls, NULL);
  g_assert_true (dtls);

  g_assert_true (gsock_udp_endpoint_bind (client, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state_of (client), ==, GSOCK_STATE_OPEN);

  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "hello over dtls\n", NULL, &error));
  g_assert_no_error (error);
  openssl_server_expect (&server, "hello over dtls");

  openssl_server_say (&server, "from openssl\n");
  heard = gsock_endpoint_receive (GSOCK_ENDPOINT (client), &sender, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (heard, ==, "from openssl\n");
  g_assert_true (gsock_test_address_equal (sender, server.address));
  g_assert_cmpuint (gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (client)), ==, 1);
  g_assert_cmpuint (gsock_endpoint_get_bytes_received (GSOCK_ENDPOINT (client)), ==, 13);

  /* A graceful close says so to the peer (close_notify: s_server says DONE, ERROR for any
   * other end). */
  close_and_finalize (client);
  openssl_server_expect (&server, "DONE");
  openssl_server_stop (&server);
}

static void
test_client_open_async (void)
{
  OpensslServer server = { 0 };
  GsockUdpEndpoint *client;
  g_autoptr(GAsyncResult) result = NULL;
  GError *error = NULL;

  openssl_server_start (&server, "server");
  client = new_dtls_client (server.address, TRUE);
  gsock_endpoint_open_async (GSOCK_ENDPOINT (client), NULL, store_result_cb, &result);
  /* Bound, not open: sends wait for the handshake, never go out in plain text. */
  g_assert_cmpint (state_of (client), ==, GSOCK_STATE_OPENING);
  g_assert_false (gsock_endpoint_send (GSOCK_ENDPOINT (client), "too early", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_clear_error (&error);

  gsock_test_wait_until (result != NULL);
  g_assert_true (gsock_endpoint_open_finish (GSOCK_ENDPOINT (client), result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state_of (client), ==, GSOCK_STATE_OPEN);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "in time\n", NULL, &error));
  openssl_server_expect (&server, "in time");
  /* The result holds the endpoint. */
  g_clear_object (&result);

  close_and_finalize (client);
  openssl_server_stop (&server);
}

static void
test_client_unknown_ca_is_refused (void)
{
  OpensslServer server = { 0 };
  GsockUdpEndpoint *client;
  GError *error = NULL;

  openssl_server_start (&server, "server");
  client = new_dtls_client (server.address, FALSE);
  g_assert_false (gsock_udp_endpoint_bind (client, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "The server's certificate was refused"));
  g_assert_nonnull (strstr (error->message, "not signed by a trusted authority"));
  g_clear_error (&error);
  g_assert_cmpint (state_of (client), ==, GSOCK_STATE_CLOSED);
  g_assert_null (gsock_endpoint_get_local_address (GSOCK_ENDPOINT (client)));

  close_and_finalize (client);
  openssl_server_stop (&server);
}

static void
test_client_wrong_name_is_refused (void)
{
  OpensslServer server = { 0 };
  GsockUdpEndpoint *client;
  GError *error = NULL;

  /* Signed by the trusted CA, for localhost only: not for 127.0.0.1. */
  openssl_server_start (&server, "nameonly");
  client = new_dtls_client (server.address, TRUE);
  g_assert_false (gsock_udp_endpoint_bind (client, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_nonnull (strstr (error->message, "it is for another host name"));
  g_clear_error (&error);

  close_and_finalize (client);
  openssl_server_stop (&server);
}

typedef struct
{
  GTlsCertificateFlags errors;
  guint calls;
} Judge;

static gboolean
accept_anyway_cb (GsockUdpEndpoint     *endpoint,
                  GTlsCertificate      *certificate,
                  GTlsCertificateFlags  errors,
                  Judge                *judge)
{
  g_assert_true (G_IS_TLS_CERTIFICATE (certificate));
  judge->errors = errors;
  judge->calls++;
  return TRUE;
}

static void
test_client_accept_certificate_signal (void)
{
  OpensslServer server = { 0 };
  GsockUdpEndpoint *client;
  Judge judge = { 0 };
  GError *error = NULL;

  openssl_server_start (&server, "server");
  client = new_dtls_client (server.address, FALSE);
  g_signal_connect (client, "accept-certificate", G_CALLBACK (accept_anyway_cb), &judge);
  g_assert_true (gsock_udp_endpoint_bind (client, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (judge.calls, ==, 1);
  g_assert_true (judge.errors & G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "judged\n", NULL, &error));
  openssl_server_expect (&server, "judged");

  close_and_finalize (client);
  openssl_server_stop (&server);
}

/* ---- the client on its own ---- */

static void
test_client_needs_remote_address (void)
{
  GsockUdpEndpoint *client = new_dtls_client (NULL, FALSE);
  GError *error = NULL;

  g_assert_false (gsock_udp_endpoint_bind (client, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "remote-address"));
  g_clear_error (&error);
  g_assert_cmpint (state_of (client), ==, GSOCK_STATE_CLOSED);
  g_assert_finalize_object (client);
}

/* No implicit bind for DTLS: a send before the open fails, and nothing leaves. */
static void
test_client_send_before_open_fails (void)
{
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  g_autoptr(GSocketAddress) address = g_socket_get_local_address (peer, NULL);
  GsockUdpEndpoint *client = new_dtls_client (address, FALSE);
  GError *error = NULL;

  g_assert_false (gsock_endpoint_send (GSOCK_ENDPOINT (client), "plain?", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_clear_error (&error);
  g_assert_true (gsock_test_socket_stays_quiet (peer, 50));
  g_assert_null (gsock_endpoint_get_local_address (GSOCK_ENDPOINT (client)));
  g_assert_finalize_object (client);
}

static void
test_client_refused_port_fails_the_open (void)
{
  g_autoptr(GSocketAddress) closed = gsock_test_loopback_address (gsock_test_unused_udp_port ());
  GsockUdpEndpoint *client = new_dtls_client (closed, TRUE);
  GError *error = NULL;

  g_assert_false (gsock_udp_endpoint_bind (client, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_error (&error);
  g_assert_cmpint (state_of (client), ==, GSOCK_STATE_CLOSED);
  g_assert_finalize_object (client);
}

/* A peer that never answers: what it receives is a DTLS ClientHello (never plain text); a
 * close stops the handshake at once, and the open fails as cancelled. */
static void
test_client_close_during_handshake (void)
{
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  g_autoptr(GSocketAddress) address = g_socket_get_local_address (peer, NULL);
  GsockUdpEndpoint *client = new_dtls_client (address, TRUE);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) hello = NULL;
  const guint8 *record;
  gsize size;
  GError *error = NULL;

  gsock_endpoint_open_async (GSOCK_ENDPOINT (client), NULL, store_result_cb, &result);
  hello = gsock_test_socket_receive_from (peer, NULL);
  record = g_bytes_get_data (hello, &size);
  g_assert_cmpuint (size, >, 13);
  /* A handshake record of DTLS (versions 0xfeff and 0xfefd). */
  g_assert_cmpuint (record[0], ==, 22);
  g_assert_cmpuint (record[1], ==, 0xfe);

  gsock_endpoint_close (GSOCK_ENDPOINT (client));
  g_assert_cmpint (state_of (client), ==, GSOCK_STATE_CLOSED);
  gsock_test_wait_until (result != NULL);
  g_assert_false (gsock_endpoint_open_finish (GSOCK_ENDPOINT (client), result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&result);
  gsock_test_drain (NULL);
  g_assert_finalize_object (client);
}

/* The open's timeout bounds the handshake too. */
static void
test_client_handshake_times_out (void)
{
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  g_autoptr(GSocketAddress) address = g_socket_get_local_address (peer, NULL);
  GsockUdpEndpoint *client = new_dtls_client (address, TRUE);
  gint64 began = g_get_monotonic_time ();
  GError *error = NULL;

  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), 200);
  g_assert_false (gsock_udp_endpoint_bind (client, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&error);
  g_assert_cmpint (g_get_monotonic_time () - began, <, 5 * G_USEC_PER_SEC);
  g_assert_cmpint (state_of (client), ==, GSOCK_STATE_CLOSED);
  g_assert_finalize_object (client);
}

/* ---- without a TLS backend ---- */

static void
test_no_backend (void)
{
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  g_autoptr(GSocketAddress) address = g_socket_get_local_address (peer, NULL);
  GsockUdpEndpoint *client = new_dtls_client (address, FALSE);
  GError *error = NULL;

  g_assert_false (gsock_udp_endpoint_bind (client, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_TLS_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "glib-networking"));
  g_clear_error (&error);
  g_assert_cmpint (state_of (client), ==, GSOCK_STATE_CLOSED);
  /* Never plain text instead. */
  g_assert_false (gsock_endpoint_send (GSOCK_ENDPOINT (client), "plain?", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_clear_error (&error);
  g_assert_true (gsock_test_socket_stays_quiet (peer, 50));
  g_assert_finalize_object (client);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *openssl = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  gsock_test_install_watchdog ();

  if (g_getenv ("GSOCK_TEST_NO_TLS_BACKEND") != NULL)
    {
      g_test_add_func ("/Gsock/Dtls/no-backend/clear-error-and-no-plain-text", test_no_backend);
      return g_test_run ();
    }

  openssl = g_find_program_in_path ("openssl");
  /* The library's own test: glib-networking does not say it speaks DTLS. */
  if (openssl == NULL || !_gsock_tls_is_dtls_available ())
    {
      g_test_skip ("needs the openssl command and a DTLS backend (glib-networking)");
      return g_test_run ();
    }
  gsock_test_make_certificates ();

  g_test_add_func ("/Gsock/Dtls/client/talks-to-openssl-s-server",
                   test_client_talks_to_openssl_server);
  g_test_add_func ("/Gsock/Dtls/client/open-async-is-open-after-the-handshake",
                   test_client_open_async);
  g_test_add_func ("/Gsock/Dtls/client/unknown-ca-is-refused-and-explained",
                   test_client_unknown_ca_is_refused);
  g_test_add_func ("/Gsock/Dtls/client/wrong-name-is-refused", test_client_wrong_name_is_refused);
  g_test_add_func ("/Gsock/Dtls/client/accept-certificate-can-accept",
                   test_client_accept_certificate_signal);
  g_test_add_func ("/Gsock/Dtls/client/needs-a-remote-address", test_client_needs_remote_address);
  g_test_add_func ("/Gsock/Dtls/client/send-before-open-fails-and-sends-nothing",
                   test_client_send_before_open_fails);
  g_test_add_func ("/Gsock/Dtls/client/refused-port-fails-the-open",
                   test_client_refused_port_fails_the_open);
  g_test_add_func ("/Gsock/Dtls/client/close-during-handshake-cancels-it",
                   test_client_close_during_handshake);
  g_test_add_func ("/Gsock/Dtls/client/handshake-bounded-by-timeout",
                   test_client_handshake_times_out);

  status = g_test_run ();
  gsock_test_remove_certificates ();
  return status;
}
