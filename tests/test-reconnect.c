/* test-reconnect.c: a client that gets its connection back by itself
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gsock/gsock.h>

#include "gsock-test-util.h"

typedef struct
{
  GPtrArray *texts;
} Received;

static void
record_cb (GsockEndpoint *server,
           GsockMessage  *message,
           Received      *received)
{
  g_ptr_array_add (received->texts, g_strdup (gsock_message_get_text (message, NULL)));
}

static GsockTcpServer *
start_server (guint16   port,
              Received *received)
{
  GsockTcpServer *server = gsock_tcp_server_new ("127.0.0.1", port);
  g_autoptr(GError) error = NULL;

  g_signal_connect (server, "message-received", G_CALLBACK (record_cb), received);
  g_assert_true (gsock_tcp_server_listen (server, &error));
  g_assert_no_error (error);
  return server;
}

static void
count_disconnects_cb (GsockTcpClient *client,
                      const GError   *reason,
                      guint          *count)
{
  (*count)++;
}

/* The server goes away and comes back on the same port; what was sent meanwhile arrives. */
static void
test_server_restart (void)
{
  Received first = { g_ptr_array_new_with_free_func (g_free) };
  Received second = { g_ptr_array_new_with_free_func (g_free) };
  GsockTcpServer *server = start_server (0, &first);
  guint16 port = gsock_test_endpoint_get_port (server);
  g_autoptr(GsockTcpClient) client = gsock_tcp_client_new ("127.0.0.1", port);
  g_autoptr(GError) error = NULL;
  guint disconnects = 0;

  g_object_set (client, "reconnect", TRUE, "reconnect-delay", 20, "reconnect-max-delay", 100,
                NULL);
  g_signal_connect (client, "disconnected", G_CALLBACK (count_disconnects_cb), &disconnects);
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "before", NULL, &error));
  gsock_test_wait_until (first.texts->len == 1);

  /* The server stops: the client notices, and keeps trying. */
  gsock_endpoint_abort (GSOCK_ENDPOINT (server));
  g_clear_object (&server);
  gsock_test_wait_until (disconnects == 1);
  g_assert_cmpint (gsock_endpoint_get_state (GSOCK_ENDPOINT (client)), ==, GSOCK_STATE_OPENING);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "while away 1", NULL, &error));
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "while away 2", NULL, &error));
  g_assert_no_error (error);
  gsock_test_wait_until (gsock_tcp_client_get_reconnect_attempts (client) >= 3);
  g_assert_cmpint (gsock_endpoint_get_state (GSOCK_ENDPOINT (client)), ==, GSOCK_STATE_OPENING);

  /* It comes back on the same port: the client reconnects and delivers, in order. */
  server = start_server (port, &second);
  gsock_test_wait_until (gsock_endpoint_get_state (GSOCK_ENDPOINT (client)) == GSOCK_STATE_OPEN);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "after", NULL, &error));
  gsock_test_wait_until (second.texts->len == 3);
  g_assert_cmpstr (second.texts->pdata[0], ==, "while away 1");
  g_assert_cmpstr (second.texts->pdata[1], ==, "while away 2");
  g_assert_cmpstr (second.texts->pdata[2], ==, "after");
  g_assert_cmpuint (disconnects, ==, 1);

  /* Closing on purpose does not come back. */
  gsock_endpoint_close (GSOCK_ENDPOINT (client));
  gsock_test_wait_until (gsock_endpoint_get_state (GSOCK_ENDPOINT (client)) == GSOCK_STATE_CLOSED);
  gsock_test_run_for (NULL, 200);
  g_assert_cmpint (gsock_endpoint_get_state (GSOCK_ENDPOINT (client)), ==, GSOCK_STATE_CLOSED);
  g_assert_cmpuint (disconnects, ==, 2);

  gsock_endpoint_abort (GSOCK_ENDPOINT (server));
  g_object_unref (server);
  g_ptr_array_unref (first.texts);
  g_ptr_array_unref (second.texts);
}

/* The application may prefer a clear refusal to a queue while the connection is away. */
static void
test_refuse_while_away (void)
{
  Received received = { g_ptr_array_new_with_free_func (g_free) };
  GsockTcpServer *server = start_server (0, &received);
  g_autoptr(GsockTcpClient) client = gsock_tcp_client_new ("127.0.0.1",
                                                           gsock_test_endpoint_get_port (server));
  g_autoptr(GError) error = NULL;

  g_object_set (client, "reconnect", TRUE, "queue-while-reconnecting", FALSE, NULL);
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  gsock_endpoint_abort (GSOCK_ENDPOINT (server));
  g_object_unref (server);
  gsock_test_wait_until (gsock_endpoint_get_state (GSOCK_ENDPOINT (client)) ==
                         GSOCK_STATE_OPENING);

  g_assert_false (gsock_endpoint_send (GSOCK_ENDPOINT (client), "lost", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);

  gsock_endpoint_abort (GSOCK_ENDPOINT (client));
  g_assert_cmpint (gsock_endpoint_get_state (GSOCK_ENDPOINT (client)), ==, GSOCK_STATE_CLOSED);
  g_ptr_array_unref (received.texts);
}

/* When the network comes back, the client does not wait out its backoff. */
static void
test_network_back_retries_at_once (void)
{
  Received received = { g_ptr_array_new_with_free_func (g_free) };
  GsockTcpServer *server = start_server (0, &received);
  guint16 port = gsock_test_endpoint_get_port (server);
  g_autoptr(GsockTcpClient) client = gsock_tcp_client_new ("127.0.0.1", port);
  g_autoptr(GError) error = NULL;

  /* A first delay of a minute: only the network monitor can make it come back in time. */
  g_object_set (client, "reconnect", TRUE, "reconnect-delay", 60000, NULL);
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  gsock_endpoint_abort (GSOCK_ENDPOINT (server));
  g_clear_object (&server);
  gsock_test_wait_until (gsock_endpoint_get_state (GSOCK_ENDPOINT (client)) ==
                         GSOCK_STATE_OPENING);
  server = start_server (port, &received);
  gsock_test_run_for (NULL, 100);
  g_assert_cmpuint (gsock_tcp_client_get_reconnect_attempts (client), ==, 0);

  g_signal_emit_by_name (g_network_monitor_get_default (), "network-changed", TRUE);
  gsock_test_wait_until (gsock_endpoint_get_state (GSOCK_ENDPOINT (client)) == GSOCK_STATE_OPEN);
  g_assert_cmpuint (gsock_tcp_client_get_reconnect_attempts (client), ==, 1);

  gsock_endpoint_abort (GSOCK_ENDPOINT (client));
  gsock_endpoint_abort (GSOCK_ENDPOINT (server));
  g_object_unref (server);
  g_ptr_array_unref (received.texts);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Gsock/TcpClient/reconnect/server-restart", test_server_restart);
  g_test_add_func ("/Gsock/TcpClient/reconnect/refuse-while-away", test_refuse_while_away);
  g_test_add_func ("/Gsock/TcpClient/reconnect/network-back-retries-at-once",
                   test_network_back_retries_at_once);

  return g_test_run ();
}
