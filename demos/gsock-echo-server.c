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
 * It is also the server to put on a network: --max-clients, --idle-timeout and
 * --max-queued-bytes bound what peers can make it hold. A client that reads its echoes more
 * slowly than it sends is not read from while --high-water-mark bytes wait for it (so the
 * kernel slows it down, and it loses nothing); one that reads nothing at all for
 * --drain-timeout milliseconds is dropped. With --tls-cert and --tls-key, TCP is served over
 * TLS (UDP stays plain):
 *
 *   gsock-echo-server --tls-cert server.pem --tls-key server.key --max-clients 100 \
 *                     --idle-timeout 30000 --drain-timeout 10000
 *   openssl s_client -connect 127.0.0.1:8080
 *
 * With --dtls-cert (and --dtls-key), UDP is served over DTLS: one session per peer, each
 * datagram echoed through its peer's session, plain datagrams dropped unread:
 *
 *   gsock-echo-server --dtls-cert server.pem --dtls-key server.key
 *   openssl s_client -dtls1_2 -connect 127.0.0.1:8080
 *
 * Started by a service manager with sockets (systemd's socket activation: LISTEN_PID and
 * LISTEN_FDS), it serves those, listening TCP and bound UDP ones, and nothing else, instead of
 * --host and --port.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gsock/gsock.h>

#include "demo-common.h"

static char *framing = NULL;
static int threads = 1;
static char *dtls_cert = NULL;
static char *dtls_key = NULL;

static const GOptionEntry entries[] = {
  { "framing", 0, 0, G_OPTION_ARG_STRING, &framing,
    "How TCP messages are cut: line (default), length (4-byte big-endian prefix) or raw",
    "line|length|raw" },
  { "threads", 0, 0, G_OPTION_ARG_INT, &threads,
    "Serve TCP and UDP on N threads, one server, one UDP endpoint and one main context each, "
    "sharing the port (SO_REUSEPORT; default 1)", "N" },
  { "dtls-cert", 0, 0, G_OPTION_ARG_FILENAME, &dtls_cert,
    "Serve UDP over DTLS with the certificate in FILE (PEM, with its key unless --dtls-key)",
    "FILE" },
  { "dtls-key", 0, 0, G_OPTION_ARG_FILENAME, &dtls_key,
    "The PEM private key of --dtls-cert (default: the key in the --dtls-cert file)", "FILE" },
  G_OPTION_ENTRY_NULL
};

/* The fast handler: a view of each message where it was read, answered with its own bytes
 * (so the encoding does not matter), framed straight into the connection's answers to the
 * read it came in; no message object is made. */
static void
echo_cb (GsockEndpoint    *endpoint,
         GsockMessageView *view,
         gpointer          user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sender = NULL;
  gsize size;
  const guint8 *data = gsock_message_view_get_data (view, &size);

  if (gsock_message_view_reply_data (view, data, size, &error))
    return;

  sender = demo_address_to_string (gsock_message_view_get_sender (view));
  if (g_error_matches (error, GSOCK_ERROR, GSOCK_ERROR_QUEUE_FULL))
    {
      /* The peer sends but does not read what comes back: holding more for it would let it
       * grow our memory, so it goes, and nothing queued for it is kept. */
      demo_log_limited ("clients dropped for not reading", "dropped %s: %s", sender,
                        error->message);
      gsock_endpoint_abort (gsock_message_view_get_endpoint (view));
    }
  else
    demo_log_limited ("echoes failed", "cannot echo to %s: %s", sender, error->message);
}

/* An orderly close needs no line; a reset, a truncated message or an idle peer gets one. */
static void
client_disconnected_cb (GsockTcpServer *server,
                        GsockTcpClient *client,
                        const GError   *reason,
                        gpointer        user_data)
{
  g_autofree char *name = NULL;

  if (reason == NULL)
    return;
  name = demo_address_to_string (gsock_tcp_client_get_remote_address (client));
  if (g_error_matches (reason, GSOCK_ERROR, GSOCK_ERROR_NOT_READING))
    demo_log_limited ("clients dropped for not reading", "dropped %s: %s", name,
                      reason->message);
  else if (g_error_matches (reason, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    demo_log_limited ("idle clients disconnected", "disconnected %s: %s", name,
                      reason->message);
  else
    demo_log_limited ("connections ended by an error", "lost %s: %s", name, reason->message);
}

/* A listening TCP echo server in the thread-default main context, on @socket when given,
 * else on --host and @port (0: it picks one). */
static GsockTcpServer *
tcp_server_new (GsockFramer *framer,
                guint16      port,
                GSocket     *socket)
{
  g_autoptr(GsockTcpServer) tcp = NULL;
  g_autoptr(GError) error = NULL;

  if (socket == NULL)
    tcp = gsock_tcp_server_new (demo_host, port);
  else if ((tcp = gsock_tcp_server_new_for_socket (socket, &error)) == NULL)
    demo_fail ("cannot serve descriptor %d from the service manager: %s",
               g_socket_get_fd (socket), error->message);

  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (tcp), demo_encoding);
  gsock_tcp_server_set_framer (tcp, framer);
  gsock_tcp_server_set_reuse_port (tcp, threads > 1);
  demo_configure_server (tcp);
  gsock_endpoint_set_message_handler (GSOCK_ENDPOINT (tcp), echo_cb, NULL, NULL);
  g_signal_connect (tcp, "client-disconnected", G_CALLBACK (client_disconnected_cb), NULL);
  demo_watch_errors (GSOCK_ENDPOINT (tcp));
  if (!gsock_tcp_server_listen (tcp, &error))
    demo_fail ("cannot listen on %s:%d: %s", demo_host, port, error->message);
  return g_steal_pointer (&tcp);
}

/* A bound UDP echo endpoint in the thread-default main context, on @socket when given, else
 * on --host and @port. */
static GsockUdpEndpoint *
udp_endpoint_new (guint16  port,
                  GSocket *socket)
{
  g_autoptr(GsockUdpEndpoint) udp = NULL;
  g_autoptr(GError) error = NULL;

  if (socket == NULL)
    udp = gsock_udp_endpoint_new (demo_host, port);
  else if ((udp = gsock_udp_endpoint_new_for_socket (socket, &error)) == NULL)
    demo_fail ("cannot serve descriptor %d from the service manager: %s",
               g_socket_get_fd (socket), error->message);

  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (udp), demo_encoding);
  gsock_udp_endpoint_set_reuse_port (udp, threads > 1);
  gsock_endpoint_set_message_handler (GSOCK_ENDPOINT (udp), echo_cb, NULL, NULL);
  demo_watch_errors (GSOCK_ENDPOINT (udp));
  if (dtls_cert != NULL)
    {
      g_autoptr(GTlsCertificate) certificate = demo_load_certificate (dtls_cert, dtls_key);

      gsock_udp_endpoint_set_dtls (udp, TRUE);
      gsock_udp_endpoint_set_tls_certificate (udp, certificate);
    }
  if (!gsock_udp_endpoint_bind (udp, &error))
    demo_fail ("cannot bind UDP %s:%u: %s", demo_host, port, error->message);
  return g_steal_pointer (&udp);
}

/* The sockets a service manager passed, each a TCP echo server or a UDP echo endpoint: TRUE
 * once served. */
static gboolean
serve_activated (GsockFramer *framer,
                 int         *status)
{
  g_autoptr(GPtrArray) sockets = NULL;
  g_autoptr(GPtrArray) servers = g_ptr_array_new_null_terminated (1, g_object_unref, TRUE);
  g_autoptr(GError) error = NULL;

  sockets = gsock_activation_take_sockets (&error);
  if (sockets == NULL)
    demo_fail ("%s", error->message);
  if (sockets->len == 0)
    return FALSE;
  for (guint i = 0; i < sockets->len; i++)
    {
      GSocket *socket = sockets->pdata[i];

      if (g_socket_get_socket_type (socket) == G_SOCKET_TYPE_DATAGRAM)
        g_ptr_array_add (servers, udp_endpoint_new (0, socket));
      else
        g_ptr_array_add (servers, tcp_server_new (framer, 0, socket));
    }
  *status = demo_serve_all ((GsockEndpoint **) servers->pdata);
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GsockTcpServer) tcp = NULL;
  g_autoptr(GsockUdpEndpoint) udp = NULL;
  g_autoptr(GsockFramer) framer = NULL;
  GSocketAddress *tcp_address;
  guint16 port;
  int status;

  demo_parse_server_options (&argc, &argv, NULL,
                             "Echoes every TCP message and UDP datagram on one port number.",
                             8080, entries);
  if (threads < 1 || threads > 64)
    demo_fail ("--threads must be between 1 and 64");
  if (dtls_key != NULL && dtls_cert == NULL)
    demo_fail ("--dtls-key needs --dtls-cert");
  framer = demo_framer_new (framing != NULL ? framing : "line");
  if (serve_activated (framer, &status))
    return status;

  tcp = tcp_server_new (framer, demo_port, NULL);

  /* With --port 0 the TCP server picks the port, and UDP takes the same number. */
  tcp_address = gsock_endpoint_get_local_address (GSOCK_ENDPOINT (tcp));
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (tcp_address));

  udp = udp_endpoint_new (port, NULL);

  /* The other threads' servers and UDP endpoints, each made in its thread's main context; the
   * kernel spreads the connections and the datagrams (by sender) among them all. The framer
   * is stateless, so one serves them all. */
  for (int i = 1; i < threads; i++)
    {
      g_autoptr(GMainContext) context = g_main_context_new ();
      g_autoptr(GsockTcpServer) other = NULL;
      g_autoptr(GsockUdpEndpoint) other_udp = NULL;

      g_main_context_push_thread_default (context);
      other = tcp_server_new (framer, port, NULL);
      other_udp = udp_endpoint_new (port, NULL);
      g_main_context_pop_thread_default (context);
      demo_serve_on_thread (context, GSOCK_ENDPOINT (other), GSOCK_ENDPOINT (other_udp), NULL);
    }

  return demo_serve (GSOCK_ENDPOINT (tcp), GSOCK_ENDPOINT (udp), NULL);
}
