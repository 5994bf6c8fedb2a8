/* gsock-echo-server: echoes TCP messages and UDP datagrams on one port number
 *
 * A GsockTcpServer and a GsockUdpEndpoint share one handler: whatever arrives goes back to
 * its sender as it came (bytes, so the encoding does not matter). --framing says how the TCP
 * stream is cut into messages: lines, a 4-byte big-endian length prefix, or each read as it
 * comes. Runs until SIGINT or SIGTERM, then closes both gracefully.
 *
 *   gsock-echo-server --port 8080 --framing line
 *   socat - TCP:127.0.0.1:8080
 *   socat - UDP:127.0.0.1:8080
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gsock/gsock.h>

#include "demo-common.h"

static char *framing = NULL;

static const GOptionEntry entries[] = {
  { "framing", 0, 0, G_OPTION_ARG_STRING, &framing,
    "How TCP messages are cut: line (default), length (4-byte big-endian prefix) or raw",
    "line|length|raw" },
  G_OPTION_ENTRY_NULL
};

static void
echo_cb (GsockEndpoint *endpoint,
         GsockMessage  *message,
         gpointer       user_data)
{
  g_autoptr(GError) error = NULL;

  if (!gsock_message_reply_bytes (message, gsock_message_get_bytes (message), &error))
    {
      g_autofree char *sender = demo_address_to_string (gsock_message_get_sender (message));
      g_printerr ("%s: cannot echo to %s: %s\n", g_get_prgname (), sender, error->message);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GsockTcpServer) tcp = NULL;
  g_autoptr(GsockUdpEndpoint) udp = NULL;
  g_autoptr(GsockFramer) framer = NULL;
  g_autoptr(GError) error = NULL;
  GSocketAddress *tcp_address;
  guint16 port;

  demo_parse_options (&argc, &argv, NULL,
                      "Echoes every TCP message and UDP datagram on one port number.", 8080,
                      entries);
  framer = demo_framer_new (framing != NULL ? framing : "line");

  tcp = gsock_tcp_server_new (demo_host, demo_port);
  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (tcp), demo_encoding);
  gsock_tcp_server_set_framer (tcp, framer);
  g_signal_connect (tcp, "message-received", G_CALLBACK (echo_cb), NULL);
  if (!gsock_tcp_server_listen (tcp, &error))
    demo_fail ("cannot listen on %s:%d: %s", demo_host, demo_port, error->message);

  /* With --port 0 the TCP server picks the port, and UDP takes the same number. */
  tcp_address = gsock_endpoint_get_local_address (GSOCK_ENDPOINT (tcp));
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (tcp_address));

  udp = gsock_udp_endpoint_new (demo_host, port);
  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (udp), demo_encoding);
  g_signal_connect (udp, "message-received", G_CALLBACK (echo_cb), NULL);
  if (!gsock_udp_endpoint_bind (udp, &error))
    demo_fail ("cannot bind UDP %s:%u: %s", demo_host, port, error->message);

  return demo_serve (GSOCK_ENDPOINT (tcp), GSOCK_ENDPOINT (udp), NULL);
}
