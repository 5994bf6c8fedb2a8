/* gsock-chat-server: the tutorial's many-clients server (5.1), as a chat room
 *
 * One GsockTcpServer on one main loop serves every client: no thread per connection. Each
 * line a client sends goes to all the others as "[HOST:PORT] text"; joins and leaves are
 * announced as "* HOST:PORT joined" and "* HOST:PORT left". Try it with a few terminals:
 *
 *   gsock-chat-server --port 8080
 *   nc 127.0.0.1 8080
 *
 * The room stays open to the rest when one member stops reading: once more than
 * --max-queued-bytes wait for that member, it is dropped ("* HOST:PORT dropped (...)").
 * --max-clients, --idle-timeout, --tls-cert and --tls-key work as for gsock-echo-server.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gsock/gsock.h>

#include "demo-common.h"

static char *
client_name (GsockTcpClient *client)
{
  return demo_address_to_string (gsock_tcp_client_get_remote_address (client));
}

/* Prints LINE and sends it to every client but EXCEPT. One by one rather than with
 * gsock_tcp_server_broadcast(), which stops at the first client that cannot take it: here a
 * member who does not read is dropped, and the others still get the line. */
static void
announce (GsockTcpServer *server,
          GsockTcpClient *except,
          const char     *line)
{
  GListModel *clients = gsock_tcp_server_get_clients (server);
  g_autoptr(GPtrArray) members = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) slow = g_ptr_array_new_with_free_func (g_object_unref);

  g_print ("%s\n", line);

  /* A copy: dropping a member below changes the list. */
  for (guint i = 0; i < g_list_model_get_n_items (clients); i++)
    g_ptr_array_add (members, g_list_model_get_item (clients, i));

  for (guint i = 0; i < members->len; i++)
    {
      GsockTcpClient *client = members->pdata[i];
      g_autoptr(GError) error = NULL;

      if (client == except ||
          gsock_endpoint_get_state (GSOCK_ENDPOINT (client)) != GSOCK_STATE_OPEN)
        continue;
      if (gsock_endpoint_send (GSOCK_ENDPOINT (client), line, NULL, &error))
        continue;
      if (g_error_matches (error, GSOCK_ERROR, GSOCK_ERROR_QUEUE_FULL))
        {
          g_object_set_data_full (G_OBJECT (client), "demo-dropped",
                                  g_strdup (error->message), g_free);
          g_ptr_array_add (slow, g_object_ref (client));
        }
      else
        {
          g_autofree char *name = client_name (client);

          demo_log_limited ("lines not sent", "cannot send “%s” to %s: %s", line, name,
                            error->message);
        }
    }

  /* Only now, as dropping one announces it to the rest. */
  for (guint i = 0; i < slow->len; i++)
    gsock_endpoint_abort (slow->pdata[i]);
}

static void
client_connected_cb (GsockTcpServer *server,
                     GsockTcpClient *client,
                     gpointer        user_data)
{
  g_autofree char *name = client_name (client);
  g_autofree char *line = g_strdup_printf ("* %s joined", name);

  announce (server, client, line);
}

static void
client_disconnected_cb (GsockTcpServer *server,
                        GsockTcpClient *client,
                        const GError   *reason,
                        gpointer        user_data)
{
  g_autofree char *name = client_name (client);
  g_autofree char *line = NULL;
  const char *dropped = g_object_get_data (G_OBJECT (client), "demo-dropped");

  /* reason is NULL for an orderly close, from either side, and for our own abort. */
  if (dropped != NULL)
    line = g_strdup_printf ("* %s dropped (%s)", name, dropped);
  else if (reason == NULL)
    line = g_strdup_printf ("* %s left", name);
  else
    line = g_strdup_printf ("* %s left (%s)", name, reason->message);
  announce (server, client, line);
}

static void
message_received_cb (GsockTcpServer *server,
                     GsockMessage   *message,
                     gpointer        user_data)
{
  /* A message from a server's client belongs to that client's connection. */
  GsockTcpClient *sender = GSOCK_TCP_CLIENT (gsock_message_get_endpoint (message));
  g_autofree char *name = client_name (sender);
  g_autofree char *text = demo_message_text (message);
  g_autofree char *line = g_strdup_printf ("[%s] %s", name, text);

  announce (server, sender, line);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GsockTcpServer) server = NULL;
  g_autoptr(GError) error = NULL;

  demo_parse_server_options (&argc, &argv, NULL,
                             "A chat room: every line a TCP client sends goes to all the others.",
                             8080, NULL);

  /* The default framer cuts the stream into lines. */
  server = gsock_tcp_server_new (demo_host, demo_port);
  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (server), demo_encoding);
  demo_configure_server (server);
  demo_watch_errors (GSOCK_ENDPOINT (server));
  g_signal_connect (server, "client-connected", G_CALLBACK (client_connected_cb), NULL);
  g_signal_connect (server, "client-disconnected", G_CALLBACK (client_disconnected_cb), NULL);
  g_signal_connect (server, "message-received", G_CALLBACK (message_received_cb), NULL);

  if (!gsock_tcp_server_listen (server, &error))
    demo_fail ("cannot listen on %s:%d: %s", demo_host, demo_port, error->message);

  return demo_serve (GSOCK_ENDPOINT (server), NULL);
}
