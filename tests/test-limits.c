/* test-limits.c: idle timeout, write queue limit and drain, paused reading, abort
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gsock/gsock.h>

#include "gsock-test-util.h"

typedef struct
{
  GsockTcpServer *server;
  GsockTcpClient *client;   /* ours */
  GsockTcpClient *accepted; /* the server's end of it */
  GError *reason;
  guint disconnects;
} Fixture;

static void
client_disconnected_cb (GsockTcpServer *server,
                        GsockTcpClient *client,
                        const GError   *reason,
                        Fixture        *fixture)
{
  fixture->disconnects++;
  g_clear_error (&fixture->reason);
  if (reason != NULL)
    fixture->reason = g_error_copy (reason);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->server = gsock_tcp_server_new ("127.0.0.1", 0);
  g_signal_connect (fixture->server, "client-disconnected", G_CALLBACK (client_disconnected_cb),
                    fixture);
}

/* Listens and connects one client, after the test set the server's limits. */
static void
fixture_connect (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (gsock_tcp_server_listen (fixture->server, &error));
  g_assert_no_error (error);
  fixture->client = gsock_tcp_client_new ("127.0.0.1",
                                          gsock_test_endpoint_get_port (fixture->server));
  g_assert_true (gsock_tcp_client_open (fixture->client, NULL, &error));
  g_assert_no_error (error);
  gsock_test_wait_until (g_list_model_get_n_items (gsock_tcp_server_get_clients (fixture->server))
                         == 1);
  fixture->accepted = g_list_model_get_item (gsock_tcp_server_get_clients (fixture->server), 0);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->client != NULL)
    gsock_endpoint_abort (GSOCK_ENDPOINT (fixture->client));
  gsock_endpoint_abort (GSOCK_ENDPOINT (fixture->server));
  g_clear_object (&fixture->accepted);
  g_clear_object (&fixture->client);
  g_assert_finalize_object (fixture->server);
  g_clear_error (&fixture->reason);
}

static void
test_idle_timeout_closes_silent_peer (Fixture       *fixture,
                                      gconstpointer  data)
{
  gint64 start;

  gsock_tcp_server_set_idle_timeout (fixture->server, 200);
  /* From before the connection exists: the idle time counts from its accept, and connecting
   * may take a while (under valgrind, say). */
  start = g_get_monotonic_time ();
  fixture_connect (fixture);
  g_assert_cmpuint (gsock_tcp_client_get_idle_timeout (fixture->accepted), ==, 200);

  gsock_test_wait_until (fixture->disconnects == 1);
  g_assert_error (fixture->reason, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 150 * 1000);
  gsock_test_wait_until (gsock_endpoint_get_state (GSOCK_ENDPOINT (fixture->client)) ==
                         GSOCK_STATE_CLOSED);
}

static void
test_idle_timeout_spares_talking_peer (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  gsock_tcp_server_set_idle_timeout (fixture->server, 300);
  fixture_connect (fixture);

  /* A line every 100 ms for a second: three times the timeout, never idle for long. */
  for (guint i = 0; i < 10; i++)
    {
      g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (fixture->client), "tick", NULL, &error));
      gsock_test_run_for (NULL, 100);
    }
  g_assert_cmpuint (fixture->disconnects, ==, 0);
  g_assert_cmpint (gsock_endpoint_get_state (GSOCK_ENDPOINT (fixture->accepted)), ==,
                   GSOCK_STATE_OPEN);
}

static void
count_cb (gpointer  instance,
          guint    *count)
{
  (*count)++;
}

static void
count_disconnect_cb (GsockTcpClient *client,
                     const GError   *reason,
                     guint          *count)
{
  (*count)++;
}

/* A peer that never reads: sends are refused past the limit, and drained says when to go on. */
static void
test_queue_limit_and_drained (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GBytes) chunk = gsock_test_pattern_bytes (64 * 1024);
  g_autoptr(GError) error = NULL;
  guint drained = 0;
  guint accepted = 0;
  guint64 received;

  gsock_tcp_server_set_max_queued_bytes (fixture->server, 512 * 1024);
  fixture_connect (fixture);
  g_assert_cmpuint (gsock_tcp_client_get_max_queued_bytes (fixture->accepted), ==, 512 * 1024);
  g_signal_connect (fixture->accepted, "drained", G_CALLBACK (count_cb), &drained);
  gsock_tcp_client_set_read_paused (fixture->client, TRUE);

  /* Far more than the kernel's buffers and the queue hold together. */
  while (accepted < 1000)
    {
      if (!gsock_endpoint_send_bytes (GSOCK_ENDPOINT (fixture->accepted), chunk, NULL, &error))
        break;
      accepted++;
      gsock_test_drain (NULL);
    }
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_QUEUE_FULL);
  g_assert_cmpuint (accepted, <, 1000);
  g_assert_cmpuint (gsock_tcp_client_get_queued_bytes (fixture->accepted), <=, 512 * 1024);
  g_assert_cmpuint (drained, ==, 0);

  /* The reader wakes up: everything accepted arrives, and drained fires once. */
  gsock_tcp_client_set_read_paused (fixture->client, FALSE);
  gsock_test_wait_until (drained == 1);
  gsock_test_wait_until (gsock_tcp_client_get_queued_bytes (fixture->accepted) == 0);
  received = gsock_endpoint_get_bytes_received (GSOCK_ENDPOINT (fixture->client));
  gsock_test_wait_until ((received = gsock_endpoint_get_bytes_received (
                            GSOCK_ENDPOINT (fixture->client))) == accepted * (64 * 1024 + 1));
  g_assert_cmpuint (drained, ==, 1);
}

/* While reading is paused nothing is delivered; resuming delivers everything in order. */
static void
test_read_paused_holds_messages (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  fixture_connect (fixture);
  gsock_tcp_client_set_read_paused (fixture->client, TRUE);
  g_assert_true (gsock_tcp_client_get_read_paused (fixture->client));
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (fixture->accepted), "one", NULL, &error));
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (fixture->accepted), "two", NULL, &error));
  gsock_test_run_for (NULL, 200);
  g_assert_cmpuint (gsock_endpoint_get_bytes_received (GSOCK_ENDPOINT (fixture->client)), ==, 0);

  gsock_tcp_client_set_read_paused (fixture->client, FALSE);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (fixture->client), 5000);
  first = gsock_endpoint_receive (GSOCK_ENDPOINT (fixture->client), NULL, NULL, &error);
  second = gsock_endpoint_receive (GSOCK_ENDPOINT (fixture->client), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first, ==, "one");
  g_assert_cmpstr (second, ==, "two");
}

/* Abort does not wait for a peer that never reads; close would. */
static void
test_abort_drops_queue (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GBytes) chunk = gsock_test_pattern_bytes (256 * 1024);
  g_autoptr(GError) error = NULL;
  guint client_disconnects = 0;

  fixture_connect (fixture);
  gsock_tcp_client_set_read_paused (fixture->client, TRUE);
  for (guint i = 0; i < 32; i++)
    g_assert_true (gsock_endpoint_send_bytes (GSOCK_ENDPOINT (fixture->accepted), chunk, NULL,
                                              &error));
  g_assert_cmpuint (gsock_tcp_client_get_queued_bytes (fixture->accepted), >, 0);

  gsock_endpoint_close (GSOCK_ENDPOINT (fixture->server));
  gsock_test_run_for (NULL, 200);
  g_assert_cmpint (gsock_endpoint_get_state (GSOCK_ENDPOINT (fixture->server)), ==,
                   GSOCK_STATE_CLOSING);

  g_signal_connect (fixture->accepted, "disconnected", G_CALLBACK (count_disconnect_cb),
                    &client_disconnects);
  gsock_endpoint_abort (GSOCK_ENDPOINT (fixture->server));
  g_assert_cmpint (gsock_endpoint_get_state (GSOCK_ENDPOINT (fixture->server)), ==,
                   GSOCK_STATE_CLOSED);
  g_assert_cmpint (gsock_endpoint_get_state (GSOCK_ENDPOINT (fixture->accepted)), ==,
                   GSOCK_STATE_CLOSED);
  g_assert_cmpuint (gsock_tcp_client_get_queued_bytes (fixture->accepted), ==, 0);
  g_assert_cmpuint (client_disconnects, ==, 1);
  g_assert_cmpuint (fixture->disconnects, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (gsock_tcp_server_get_clients (fixture->server)),
                    ==, 0);

  /* Aborting again does nothing. */
  gsock_endpoint_abort (GSOCK_ENDPOINT (fixture->server));
  g_assert_cmpuint (client_disconnects, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/Gsock/TcpServer/idle-timeout/closes-silent-peer", test_idle_timeout_closes_silent_peer);
  ADD ("/Gsock/TcpServer/idle-timeout/spares-talking-peer",
       test_idle_timeout_spares_talking_peer);
  ADD ("/Gsock/TcpClient/max-queued-bytes/refuses-then-drains", test_queue_limit_and_drained);
  ADD ("/Gsock/TcpClient/read-paused/holds-messages", test_read_paused_holds_messages);
  ADD ("/Gsock/TcpServer/abort/drops-queues", test_abort_drops_queue);
#undef ADD

  return g_test_run ();
}
