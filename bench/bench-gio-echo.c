/* bench-gio-echo: the echo server as a GLib programmer writes it today with plain GIO
 *
 *   bench-gio-echo [--host 127.0.0.1] [--port 0]
 *
 * A GSocketService hands over each connection; a GDataInputStream reads it line by line
 * (g_data_input_stream_read_line_async) and each line goes back with
 * g_output_stream_write_all_async before the next is read. UDP: a GSocket source, and
 * g_socket_receive_from / g_socket_send_to. Prints "listening on HOST:PORT"; exits on SIGINT
 * or SIGTERM. Two settings a careful programmer adds, so that the comparison is about the
 * code path and not configuration: TCP_NODELAY (as gsock and the other servers set it) and a
 * listen backlog of SOMAXCONN instead of GSocketListener's 10.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

typedef struct
{
  GSocketConnection *connection;
  GDataInputStream *in;
  GOutputStream *out;
  char *line; /* the line being written back, newline included */
} Conn;

static void read_next (Conn *c);

static void
conn_free (Conn *c)
{
  g_io_stream_close (G_IO_STREAM (c->connection), NULL, NULL);
  g_object_unref (c->in);
  g_object_unref (c->connection);
  g_free (c->line);
  g_free (c);
}

static void
write_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Conn *c = user_data;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&c->line, g_free);
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      conn_free (c);
      return;
    }
  read_next (c);
}

static void
line_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Conn *c = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  gsize length;

  line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, &length,
                                               &error);
  if (line == NULL)
    {
      /* End of stream or an error (a reset, say). */
      conn_free (c);
      return;
    }
  c->line = g_strconcat (line, "\n", NULL);
  g_output_stream_write_all_async (c->out, c->line, length + 1, G_PRIORITY_DEFAULT, NULL,
                                   write_cb, c);
}

static void
read_next (Conn *c)
{
  g_data_input_stream_read_line_async (c->in, G_PRIORITY_DEFAULT, NULL, line_cb, c);
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  Conn *c = g_new0 (Conn, 1);

  g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY,
                       TRUE, NULL);
  c->connection = g_object_ref (connection);
  c->in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  g_data_input_stream_set_newline_type (c->in, G_DATA_STREAM_NEWLINE_TYPE_LF);
  c->out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  read_next (c);
  return TRUE;
}

static gboolean
udp_cb (GSocket      *socket,
        GIOCondition  condition,
        gpointer      user_data)
{
  char buf[65536];

  for (;;)
    {
      g_autoptr(GSocketAddress) from = NULL;
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive_from (socket, &from, buf, sizeof buf, NULL, &error);

      if (n < 0)
        break;
      g_socket_send_to (socket, from, buf, n, NULL, NULL);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  static char *host = NULL;
  static int port = 0;
  static const GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, "Address (default 127.0.0.1)", "HOST" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "Port (0 picks a free one)", "PORT" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketService) service = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GSocketAddress) udp_address = NULL;
  g_autoptr(GSocket) udp = NULL;
  g_autoptr(GSource) udp_source = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  guint16 bound_port;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);
  if (host == NULL)
    host = g_strdup ("127.0.0.1");

  service = g_socket_service_new ();
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (service), SOMAXCONN);
  address = g_inet_socket_address_new_from_string (host, port);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                      &effective, &error))
    {
      g_printerr ("bench-gio-echo: %s\n", error->message);
      return 1;
    }
  bound_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect (service, "incoming", G_CALLBACK (incoming_cb), NULL);

  udp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                      &error);
  udp_address = g_inet_socket_address_new_from_string (host, bound_port);
  if (udp == NULL || !g_socket_bind (udp, udp_address, TRUE, &error))
    {
      g_printerr ("bench-gio-echo: %s\n", error->message);
      return 1;
    }
  g_socket_set_blocking (udp, FALSE);
  udp_source = g_socket_create_source (udp, G_IO_IN, NULL);
  g_source_set_callback (udp_source, G_SOURCE_FUNC (udp_cb), NULL, NULL);
  g_source_attach (udp_source, NULL);

  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_unix_signal_add (SIGTERM, quit_cb, loop);

  g_print ("listening on %s:%u\n", host, bound_port);
  fflush (stdout);
  g_socket_service_start (service);
  g_main_loop_run (loop);
  g_socket_service_stop (service);
  return 0;
}
