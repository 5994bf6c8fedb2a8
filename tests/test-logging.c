/* test-logging.c: the Gsock log domain's debug lines, shown with G_MESSAGES_DEBUG=Gsock
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <gsock/gsock.h>

#include "gsock-test-util.h"

/* Every debug line of the Gsock domain, and whether each came with its source location
 * (structured logging). */
static GPtrArray *lines;
static gboolean all_located = TRUE;

static GLogWriterOutput
record_writer (GLogLevelFlags   level,
               const GLogField *fields,
               gsize            n_fields,
               gpointer         user_data)
{
  const char *domain = NULL, *message = NULL;
  gboolean located = FALSE;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
        domain = fields[i].value;
      else if (g_str_equal (fields[i].key, "MESSAGE"))
        message = fields[i].value;
      else if (g_str_equal (fields[i].key, "CODE_FILE"))
        located = TRUE;
    }
  if ((level & G_LOG_LEVEL_DEBUG) != 0 && g_strcmp0 (domain, "Gsock") == 0)
    {
      g_ptr_array_add (lines, g_strdup (message));
      all_located = all_located && located;
      return G_LOG_WRITER_HANDLED;
    }
  /* Debug output is on for every domain meanwhile: GIO's lines would break the TAP output. */
  if ((level & G_LOG_LEVEL_DEBUG) != 0)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static gboolean
has_line (const char *start)
{
  for (guint i = 0; i < lines->len; i++)
    if (g_str_has_prefix (lines->pdata[i], start))
      return TRUE;
  return FALSE;
}

/* A server, a client that talks, one refused for max-clients, and the ends. */
static void
run_a_session (void)
{
  g_autoptr(GsockTcpServer) server = gsock_tcp_server_new ("127.0.0.1", 0);
  g_autoptr(GsockTcpClient) client = NULL;
  g_autoptr(GsockTcpClient) refused = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  gsock_tcp_server_set_max_clients (server, 1);
  g_assert_true (gsock_tcp_server_listen (server, &error));
  g_assert_no_error (error);
  port = gsock_endpoint_get_local_port (GSOCK_ENDPOINT (server));

  client = gsock_tcp_client_new ("127.0.0.1", port);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), 5000);
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);
  gsock_test_wait_until (g_list_model_get_n_items (gsock_tcp_server_get_clients (server)) == 1);

  refused = gsock_tcp_client_new ("127.0.0.1", port);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (refused), 5000);
  g_assert_true (gsock_tcp_client_open (refused, NULL, &error));
  g_assert_no_error (error);
  gsock_test_wait_until (gsock_tcp_server_get_clients_rejected (server) == 1);
  gsock_test_wait_until (gsock_endpoint_get_state (GSOCK_ENDPOINT (refused)) ==
                         GSOCK_STATE_CLOSED);

  gsock_endpoint_close (GSOCK_ENDPOINT (client));
  gsock_test_wait_until (g_list_model_get_n_items (gsock_tcp_server_get_clients (server)) == 0);
  gsock_endpoint_close (GSOCK_ENDPOINT (server));
}

/* Off unless asked for: nothing of the session is even formatted. (G_MESSAGES_DEBUG is unset
 * by main(); tests/test-demos.py runs a demo with G_MESSAGES_DEBUG=Gsock.) */
static void
test_debug_off_by_default (void)
{
  g_ptr_array_set_size (lines, 0);
  run_a_session ();
  g_assert_cmpuint (lines->len, ==, 0);
}

/* Debug output on (as G_MESSAGES_DEBUG=Gsock turns it on, which cannot be set safely once
 * threads run): the server listening, the connections with their addresses, the limit hit,
 * the ends with their reasons, each line with its source location. */
static void
test_debug_tells_connections_and_limits (void)
{
  g_log_set_debug_enabled (TRUE);
  g_ptr_array_set_size (lines, 0);
  all_located = TRUE;
  run_a_session ();
  g_log_set_debug_enabled (FALSE);

  for (guint i = 0; i < lines->len; i++)
    g_test_message ("%s", (const char *) lines->pdata[i]);
  g_assert_true (has_line ("Listening on 127.0.0.1:"));
  g_assert_true (has_line ("Connected to 127.0.0.1:"));
  g_assert_true (has_line ("Accepted a connection from 127.0.0.1:"));
  g_assert_true (has_line ("Closed a new connection at once: 1 clients are connected already"));
  g_assert_true (has_line ("The connection with 127.0.0.1:"));
  g_assert_true (has_line ("Stopped listening on 1 address"));
  g_assert_true (all_located);
}

int
main (int   argc,
      char *argv[])
{
  /* Before any thread: the first test needs debug output off. */
  g_unsetenv ("G_MESSAGES_DEBUG");
  g_test_init (&argc, &argv, NULL);
  lines = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (record_writer, NULL, NULL);

  g_test_add_func ("/Gsock/Logging/debug/off-by-default", test_debug_off_by_default);
  g_test_add_func ("/Gsock/Logging/debug/tells-connections-and-limits",
                   test_debug_tells_connections_and_limits);

  return g_test_run ();
}
