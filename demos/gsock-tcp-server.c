/* gsock-tcp-server: the tutorial's TCP server (2.1)
 *
 * Waits for one client, prints its message, answers "Hello Client" and stops. It takes every
 * read as one message (the raw framer), because the tutorial's client sends "Hello Server"
 * without a newline:
 *
 *   gsock-tcp-server --port 8080 &
 *   python3 -c 'import socket; s = socket.create_connection(("127.0.0.1", 8080));
 *               s.send(b"Hello Server"); print(s.recv(1024))'
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gsock/gsock.h>

#include "demo-common.h"

static void
message_received_cb (GsockEndpoint *server,
                     GsockMessage  *message,
                     gpointer       user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sender = demo_address_to_string (gsock_message_get_sender (message));
  g_autofree char *text = demo_message_text (message);

  g_print ("received from %s: %s\n", sender, text);

  /* The reply goes back on the connection the message came from. */
  if (!gsock_message_reply (message, "Hello Client", &error))
    demo_fail ("cannot answer %s: %s", sender, error->message);

  /* One client, one answer, as in the tutorial. Closing gracefully sends the queued reply
   * before the connection goes. */
  demo_shutdown ();
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GsockTcpServer) server = NULL;
  g_autoptr(GsockFramer) framer = NULL;
  g_autoptr(GError) error = NULL;

  demo_parse_options (&argc, &argv, NULL,
                      "Answers one TCP client with “Hello Client”, then stops.", 8080, NULL);

  server = gsock_tcp_server_new (demo_host, demo_port);
  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (server), demo_encoding);
  framer = gsock_raw_framer_new ();
  gsock_tcp_server_set_framer (server, framer);
  g_signal_connect (server, "message-received", G_CALLBACK (message_received_cb), NULL);

  if (!gsock_tcp_server_listen (server, &error))
    demo_fail ("cannot listen on %s:%d: %s", demo_host, demo_port, error->message);

  return demo_serve (GSOCK_ENDPOINT (server), NULL);
}
