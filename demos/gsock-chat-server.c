/* gsock-chat-server: the tutorial's many-clients server (5.1), as a chat room
 *
 * One GsockTcpServer on one main loop serves every client: no thread per connection. Each
 * line a client sends goes to all the others as "[HOST:PORT] text"; joins and leaves are
 * announced as "* HOST:PORT joined" and "* HOST:PORT left". Try it with a few terminals:
 *
 *   gsock-chat-server --port 8080
 *   nc 127.0.0.1 8080
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gsock/gsock.h>

#include "demo-common.h"

/* Prints LINE and sends it to every client but EXCEPT. */
static void
announce (GsockTcpServer *server,
          GsockTcpClient *except,
          const char     *line)
{
  g_autoptr(GError) error = NULL;

  g_print ("%s\n", line);
  if (!gsock_tcp_server_broadcast (server, line, except, &error))
    g_printerr ("%s: cannot send “%s”: %s\n", g_get_prgname (), line, error->message);
}

static char *
client_name (GsockTcpClient *client)
{
  return demo_address_to_string (gsock_tcp_client_get_remote_address (client));
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

  /* reason is NULL for an orderly close, from either side. */
  if (reason == NULL)
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

  demo_parse_options (&argc, &argv, NULL,
                      "A chat room: every line a TCP client sends goes to all the others.", 8080,
                      NULL);

  /* The default framer cuts the stream into lines. */
  server = gsock_tcp_server_new (demo_host, demo_port);
  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (server), demo_encoding);
  g_signal_connect (server, "client-connected", G_CALLBACK (client_connected_cb), NULL);
  g_signal_connect (server, "client-disconnected", G_CALLBACK (client_disconnected_cb), NULL);
  g_signal_connect (server, "message-received", G_CALLBACK (message_received_cb), NULL);

  if (!gsock_tcp_server_listen (server, &error))
    demo_fail ("cannot listen on %s:%d: %s", demo_host, demo_port, error->message);

  return demo_serve (GSOCK_ENDPOINT (server), NULL);
}
