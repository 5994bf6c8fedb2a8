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
#include "gsock-udp-endpoint-private.h"

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

/* An endpoint made in a context of its own handshakes there, whatever is thread-default when
 * it is opened: it becomes open while only that context runs. (The open's callback comes on
 * the context of its caller, as for any GIO call.) */
static void
test_client_handshakes_on_its_context (void)
{
  OpensslServer server = { 0 };
  g_autoptr(GMainContext) context = g_main_context_new ();
  GsockUdpEndpoint *client;
  g_autoptr(GAsyncResult) result = NULL;
  GError *error = NULL;

  openssl_server_start (&server, "server");
  g_main_context_push_thread_default (context);
  client = new_dtls_client (server.address, TRUE);
  g_main_context_pop_thread_default (context);

  gsock_endpoint_open_async (GSOCK_ENDPOINT (client), NULL, store_result_cb, &result);
  gsock_test_wait_until_full (context, GSOCK_TEST_TIMEOUT_MS,
                              state_of (client) == GSOCK_STATE_OPEN);
  gsock_test_wait_until (result != NULL);
  g_assert_true (gsock_endpoint_open_finish (GSOCK_ENDPOINT (client), result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  gsock_endpoint_abort (GSOCK_ENDPOINT (client));
  gsock_test_drain (context);
  g_assert_finalize_object (client);
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

/* ---- the server ---- */

typedef struct
{
  GsockUdpEndpoint *server;
  GSocketAddress *address;
  GPtrArray *messages; /* GsockMessage */
  GPtrArray *errors;   /* GError */
} ServerFixture;

static void
answer_cb (GsockEndpoint *endpoint,
           GsockMessage  *message,
           ServerFixture *fx)
{
  g_autofree char *answer = NULL;
  GError *error = NULL;
  const char *text = gsock_message_get_text (message, &error);

  g_assert_no_error (error);
  g_ptr_array_add (fx->messages, gsock_message_ref (message));
  answer = g_strdup_printf ("got %s", text);
  g_assert_true (gsock_message_reply (message, answer, &error));
  g_assert_no_error (error);
}

static void
server_error_cb (GsockEndpoint *endpoint,
                 const GError  *error,
                 ServerFixture *fx)
{
  g_ptr_array_add (fx->errors, g_error_copy (error));
}

static void
server_set_up (ServerFixture *fx,
               gconstpointer  data)
{
  g_autoptr(GTlsCertificate) certificate = gsock_test_load_certificate ("server");
  GError *error = NULL;

  fx->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) gsock_message_unref);
  fx->errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  fx->server = gsock_udp_endpoint_new ("127.0.0.1", 0);
  gsock_udp_endpoint_set_dtls (fx->server, TRUE);
  gsock_udp_endpoint_set_tls_certificate (fx->server, certificate);
  g_signal_connect (fx->server, "message-received", G_CALLBACK (answer_cb), fx);
  g_signal_connect (fx->server, "error", G_CALLBACK (server_error_cb), fx);
  g_assert_true (gsock_udp_endpoint_bind (fx->server, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state_of (fx->server), ==, GSOCK_STATE_OPEN);
  fx->address = gsock_test_loopback_address (gsock_test_endpoint_get_port (fx->server));
}

static void
server_tear_down (ServerFixture *fx,
                  gconstpointer  data)
{
  g_clear_pointer (&fx->messages, g_ptr_array_unref);
  g_clear_pointer (&fx->errors, g_ptr_array_unref);
  close_and_finalize (g_steal_pointer (&fx->server));
  g_clear_object (&fx->address);
}

static guint
sessions_of (GsockUdpEndpoint *endpoint)
{
  return _gsock_dtls_server_get_n_sessions (&_gsock_udp_endpoint_get_dtls (endpoint)->server);
}

static GsockUdpEndpoint *
open_client_of (ServerFixture *fx)
{
  GsockUdpEndpoint *client = new_dtls_client (fx->address, TRUE);
  g_autoptr(GAsyncResult) result = NULL;
  GError *error = NULL;

  /* Not the blocking bind: the server answers from the same context. */
  gsock_endpoint_open_async (GSOCK_ENDPOINT (client), NULL, store_result_cb, &result);
  gsock_test_wait_until (result != NULL);
  g_assert_true (gsock_endpoint_open_finish (GSOCK_ENDPOINT (client), result, &error));
  g_assert_no_error (error);
  return client;
}

static char *
receive_text (GsockUdpEndpoint *endpoint)
{
  g_autoptr(GError) error = NULL;
  char *text = gsock_endpoint_receive (GSOCK_ENDPOINT (endpoint), NULL, NULL, &error);

  g_assert_no_error (error);
  return text;
}

static void
test_server_serves_many_peers (ServerFixture *fx,
                               gconstpointer  data)
{
  GsockUdpEndpoint *first = open_client_of (fx);
  GsockUdpEndpoint *second = open_client_of (fx);
  g_autofree char *first_answer = NULL;
  g_autofree char *second_answer = NULL;
  GError *error = NULL;

  g_assert_cmpuint (sessions_of (fx->server), ==, 2);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (first), "one", NULL, &error));
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (second), "two", NULL, &error));
  g_assert_no_error (error);
  first_answer = receive_text (first);
  second_answer = receive_text (second);
  g_assert_cmpstr (first_answer, ==, "got one");
  g_assert_cmpstr (second_answer, ==, "got two");

  /* Each message's sender is its peer. */
  g_assert_cmpuint (fx->messages->len, ==, 2);
  g_assert_true (gsock_test_address_equal (
    gsock_message_get_sender (fx->messages->pdata[0]),
    gsock_endpoint_get_local_address (GSOCK_ENDPOINT (first))));
  g_assert_true (gsock_test_address_equal (
    gsock_message_get_sender (fx->messages->pdata[1]),
    gsock_endpoint_get_local_address (GSOCK_ENDPOINT (second))));
  g_assert_cmpuint (gsock_endpoint_get_bytes_received (GSOCK_ENDPOINT (fx->server)), ==, 6);

  /* A send to a peer goes through its session. */
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (fx->server), "pushed",
                                      gsock_endpoint_get_local_address (GSOCK_ENDPOINT (second)),
                                      &error));
  g_assert_no_error (error);
  g_free (second_answer);
  second_answer = receive_text (second);
  g_assert_cmpstr (second_answer, ==, "pushed");

  /* A client's graceful close ends its session (close_notify). */
  g_ptr_array_set_size (fx->messages, 0);
  close_and_finalize (first);
  gsock_test_wait_until (sessions_of (fx->server) == 1);
  close_and_finalize (second);
  gsock_test_wait_until (sessions_of (fx->server) == 0);
  g_assert_cmpuint (fx->errors->len, ==, 0);
}

static void
test_server_sends_only_through_sessions (ServerFixture *fx,
                                         gconstpointer  data)
{
  g_autoptr(GSocket) stranger = gsock_test_udp_socket (NULL);
  g_autoptr(GSocketAddress) address = g_socket_get_local_address (stranger, NULL);
  guint16 port = gsock_test_endpoint_get_port (fx->server);
  GError *error = NULL;

  /* Plain text and junk from a peer without a session: never delivered, no session. */
  gsock_test_socket_send_to (stranger, port, "plain text", 10);
  gsock_test_socket_send_to (stranger, port, "\x16\xfe\xfd not a hello at all", 23);
  gsock_test_run_for (NULL, 100);
  g_assert_cmpuint (fx->messages->len, ==, 0);
  g_assert_cmpuint (sessions_of (fx->server), ==, 0);
  g_assert_cmpuint (gsock_endpoint_get_bytes_received (GSOCK_ENDPOINT (fx->server)), ==, 0);

  /* Nor is anything sent to it in plain text. */
  g_assert_false (gsock_endpoint_send (GSOCK_ENDPOINT (fx->server), "plain?", address, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_NO_SUCH_PEER);
  g_clear_error (&error);
  g_assert_false (gsock_endpoint_send (GSOCK_ENDPOINT (fx->server), "anyone?", NULL, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_NO_DESTINATION);
  g_clear_error (&error);
  g_assert_true (gsock_test_socket_stays_quiet (stranger, 50));
}

static void
test_server_max_sessions (ServerFixture *fx,
                          gconstpointer  data)
{
  GsockUdpEndpoint *first = NULL;
  GsockUdpEndpoint *refused = new_dtls_client (fx->address, TRUE);
  GsockUdpEndpoint *later = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *answer = NULL;
  GError *error = NULL;

  gsock_udp_endpoint_set_max_sessions (fx->server, 1);
  first = open_client_of (fx);

  /* One more is ignored: its handshake times out. */
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (refused), 300);
  gsock_endpoint_open_async (GSOCK_ENDPOINT (refused), NULL, store_result_cb, &result);
  gsock_test_wait_until (result != NULL);
  g_assert_false (gsock_endpoint_open_finish (GSOCK_ENDPOINT (refused), result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&error);
  g_clear_object (&result);
  g_assert_cmpuint (sessions_of (fx->server), ==, 1);

  /* The first still talks. */
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (first), "still here", NULL, &error));
  answer = receive_text (first);
  g_assert_cmpstr (answer, ==, "got still here");

  /* Once it has gone, there is room again. */
  close_and_finalize (first);
  gsock_test_wait_until (sessions_of (fx->server) == 0);
  later = open_client_of (fx);
  g_assert_cmpuint (sessions_of (fx->server), ==, 1);
  close_and_finalize (later);
  g_assert_finalize_object (refused);
}

static void
test_server_idle_session_ends (ServerFixture *fx,
                               gconstpointer  data)
{
  GsockUdpEndpoint *client = NULL;
  g_autofree char *answer = NULL;
  GError *error = NULL;

  /* Longer than a handshake takes (glib-networking's take a few hundred ms on loopback). */
  gsock_udp_endpoint_set_session_idle_timeout (fx->server, 1500);
  client = open_client_of (fx);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "one", NULL, &error));
  answer = receive_text (client);
  g_assert_cmpstr (answer, ==, "got one");
  g_assert_cmpuint (sessions_of (fx->server), ==, 1);

  /* Heard from, it stays; silent for 1500 ms, it ends. */
  gsock_test_run_for (NULL, 1000);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "two", NULL, &error));
  g_free (answer);
  answer = receive_text (client);
  g_assert_cmpstr (answer, ==, "got two");
  gsock_test_run_for (NULL, 1000);
  g_assert_cmpuint (sessions_of (fx->server), ==, 1);
  gsock_test_wait_until (sessions_of (fx->server) == 0);

  /* What the client sends on the ended session is not a ClientHello: dropped unread. */
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "three", NULL, &error));
  g_assert_no_error (error);
  gsock_test_run_for (NULL, 100);
  g_assert_cmpuint (fx->messages->len, ==, 2);
  g_assert_cmpuint (sessions_of (fx->server), ==, 0);
  gsock_endpoint_abort (GSOCK_ENDPOINT (client));
  gsock_test_drain (NULL);
  g_assert_finalize_object (client);
}

/* A flood of ClientHellos from many addresses (the one a real client sent, replayed from
 * 300 sockets): the sessions stay at max-sessions, and cost what the test measures. */
static void
test_server_flood_stays_bounded (ServerFixture *fx,
                                 gconstpointer  data)
{
  g_autoptr(GSocket) capture = gsock_test_udp_socket (NULL);
  g_autoptr(GSocketAddress) capture_address = g_socket_get_local_address (capture, NULL);
  GsockUdpEndpoint *client = new_dtls_client (capture_address, TRUE);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) hello = NULL;
  g_autoptr(GPtrArray) flooders = g_ptr_array_new_with_free_func (g_object_unref);
  guint16 port = gsock_test_endpoint_get_port (fx->server);
  gint64 cpu_before, wall_before;
  guint most = 0;

  /* A real ClientHello, caught on its way. */
  gsock_endpoint_open_async (GSOCK_ENDPOINT (client), NULL, store_result_cb, &result);
  hello = gsock_test_socket_receive_from (capture, NULL);
  gsock_endpoint_abort (GSOCK_ENDPOINT (client));
  gsock_test_wait_until (result != NULL);
  g_clear_object (&result);
  g_assert_finalize_object (client);

  gsock_udp_endpoint_set_max_sessions (fx->server, 8);
  gsock_udp_endpoint_set_session_idle_timeout (fx->server, 2000);
  cpu_before = gsock_test_cpu_time_us ();
  wall_before = g_get_monotonic_time ();
  for (guint i = 0; i < 300; i++)
    {
      GSocket *flooder = gsock_test_udp_socket (NULL);
      gsize size;
      gconstpointer bytes = g_bytes_get_data (hello, &size);

      g_ptr_array_add (flooders, flooder);
      gsock_test_socket_send_to (flooder, port, bytes, size);
      if (i % 10 == 9)
        {
          gsock_test_drain (NULL);
          most = MAX (most, sessions_of (fx->server));
        }
    }
  gsock_test_run_for (NULL, 50);
  most = MAX (most, sessions_of (fx->server));
  g_test_message ("300 ClientHellos: at most %u sessions, %" G_GINT64_FORMAT " µs of CPU in "
                  "%" G_GINT64_FORMAT " µs", most, gsock_test_cpu_time_us () - cpu_before,
                  g_get_monotonic_time () - wall_before);
  g_assert_cmpuint (most, <=, 8);
  g_assert_cmpuint (most, >, 0);

  /* The handshakes nobody finishes end with the idle timeout, and a real client gets in. */
  gsock_test_wait_until (sessions_of (fx->server) == 0);
  client = open_client_of (fx);
  close_and_finalize (client);
}

/* openssl s_client, the reference DTLS client, talks to a gsock DTLS server. */
static void
test_server_openssl_client (ServerFixture *fx,
                            gconstpointer  data)
{
  g_autofree char *ca = gsock_test_cert_path ("ca.pem");
  g_autofree char *connect = g_strdup_printf ("127.0.0.1:%u",
                                              gsock_test_endpoint_get_port (fx->server));
  g_autoptr(GSubprocess) openssl = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  GError *error = NULL;

  openssl = gsock_test_spawn_openssl (
    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
      G_SUBPROCESS_FLAGS_STDERR_SILENCE,
    (const char *const[]) { "openssl", "s_client", "-dtls1_2", "-connect", connect, "-CAfile",
                            ca, "-verify_return_error", "-quiet", NULL });
  g_assert_true (g_output_stream_write_all (g_subprocess_get_stdin_pipe (openssl),
                                            "from openssl\n", 13, NULL, NULL, &error));
  g_assert_no_error (error);
  gsock_test_wait_until (fx->messages->len == 1);
  g_assert_cmpstr (gsock_message_get_text (fx->messages->pdata[0], NULL), ==, "from openssl\n");
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (openssl));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "got from openssl");
  gsock_test_stop_openssl (openssl);
}

/* A server and a client of a context of their own, only that context running: the server's
 * sessions are set up there too. */
static void
test_server_on_its_context (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  ServerFixture fx = { 0 };
  GsockUdpEndpoint *client;
  g_autoptr(GAsyncResult) result = NULL;
  GError *error = NULL;

  g_main_context_push_thread_default (context);
  server_set_up (&fx, NULL);
  client = new_dtls_client (fx.address, TRUE);
  gsock_endpoint_open_async (GSOCK_ENDPOINT (client), NULL, store_result_cb, &result);
  g_main_context_pop_thread_default (context);

  gsock_test_wait_until_full (context, GSOCK_TEST_TIMEOUT_MS, result != NULL);
  g_assert_true (gsock_endpoint_open_finish (GSOCK_ENDPOINT (client), result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "here", NULL, &error));
  g_assert_no_error (error);
  gsock_test_wait_until_full (context, GSOCK_TEST_TIMEOUT_MS, fx.messages->len == 1);

  g_main_context_push_thread_default (context);
  gsock_endpoint_abort (GSOCK_ENDPOINT (client));
  gsock_test_drain (context);
  g_assert_finalize_object (client);
  server_tear_down (&fx, NULL);
  g_main_context_pop_thread_default (context);
}

static void
test_server_needs_certificate (void)
{
  GsockUdpEndpoint *server = gsock_udp_endpoint_new ("127.0.0.1", 0);
  GError *error = NULL;

  gsock_udp_endpoint_set_dtls (server, TRUE);
  g_assert_false (gsock_udp_endpoint_bind (server, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "tls-certificate"));
  g_clear_error (&error);
  g_assert_cmpint (state_of (server), ==, GSOCK_STATE_CLOSED);
  g_assert_finalize_object (server);
}

/* A client that refuses the server's certificate: its handshake fails, and so does the
 * server's, which says so through its error signal, and the session is gone. */
static void
test_server_reports_failed_handshake (ServerFixture *fx,
                                      gconstpointer  data)
{
  GsockUdpEndpoint *client = new_dtls_client (fx->address, FALSE);
  g_autoptr(GAsyncResult) result = NULL;
  GError *error = NULL;

  /* The refusing client ends its side without a word the server's backend acts on: the
   * server's handshake ends with its timeout, bounded by the idle timeout. */
  gsock_udp_endpoint_set_session_idle_timeout (fx->server, 1000);
  gsock_endpoint_open_async (GSOCK_ENDPOINT (client), NULL, store_result_cb, &result);
  gsock_test_wait_until (result != NULL);
  g_assert_false (gsock_endpoint_open_finish (GSOCK_ENDPOINT (client), result, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_clear_error (&error);
  g_clear_object (&result);
  gsock_test_wait_until (fx->errors->len == 1);
  g_test_message ("%s", ((GError *) fx->errors->pdata[0])->message);
  g_assert_nonnull (strstr (((GError *) fx->errors->pdata[0])->message, "DTLS handshake with"));
  g_assert_error ((GError *) fx->errors->pdata[0], G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  gsock_test_wait_until (sessions_of (fx->server) == 0);
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
  g_test_add_func ("/Gsock/Dtls/client/handshakes-on-the-endpoints-context",
                   test_client_handshakes_on_its_context);
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

#define ADD_SERVER(path, func) \
  g_test_add ("/Gsock/Dtls/server/" path, ServerFixture, NULL, server_set_up, func, \
              server_tear_down)
  ADD_SERVER ("serves-many-peers-one-session-each", test_server_serves_many_peers);
  ADD_SERVER ("sends-only-through-sessions", test_server_sends_only_through_sessions);
  ADD_SERVER ("max-sessions-bounds-the-sessions", test_server_max_sessions);
  ADD_SERVER ("idle-session-ends", test_server_idle_session_ends);
  ADD_SERVER ("flood-of-client-hellos-stays-bounded", test_server_flood_stays_bounded);
  ADD_SERVER ("openssl-s-client-talks-to-it", test_server_openssl_client);
  ADD_SERVER ("failed-handshake-is-reported", test_server_reports_failed_handshake);
  g_test_add_func ("/Gsock/Dtls/server/needs-a-certificate", test_server_needs_certificate);
  g_test_add_func ("/Gsock/Dtls/server/sessions-on-the-endpoints-context",
                   test_server_on_its_context);
#undef ADD_SERVER

  status = g_test_run ();
  gsock_test_remove_certificates ();
  return status;
}
