/* gsock-demo: the whole socket tutorial in one process
 *
 * Every server and client of the tutorial, each pair on a free loopback port:
 *
 *   1. TCP: "Hello Server" / "Hello Client" (2.1, 2.2)
 *   2. UDP: "Hello UDP Server" and its reply (3.2, 3.3)
 *   3. A GsockUdpEndpoint subclass that answers "已收到" (4.1, 4.2)
 *   4. The same text round trip in GBK instead of UTF-8 (the tutorial's encoding parameter)
 *   5. Three chat clients talking through one server (5.1)
 *
 * Servers and clients share this thread. That works because the blocking calls
 * (gsock_tcp_client_open(), gsock_endpoint_receive()) run the main context while they wait,
 * so the servers answer meanwhile. A watchdog ends the demo with status 1 if anything hangs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gsock/gsock.h>

#include "demo-common.h"

#define RECEIVE_TIMEOUT_MS 3000
#define WATCHDOG_SECONDS   20

static void
step (const char *title)
{
  g_print ("\n== %s ==\n", title);
}

/* Runs in a thread of its own, so it fires even if the main context is stuck. */
static gpointer
watchdog_thread (gpointer user_data)
{
  g_usleep (WATCHDOG_SECONDS * G_USEC_PER_SEC);
  g_printerr ("%s: not finished after %d s, giving up\n", g_get_prgname (), WATCHDOG_SECONDS);
  _exit (1);
}

static void
close_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  gboolean *closed = user_data;
  g_autoptr(GError) error = NULL;

  if (!gsock_endpoint_close_finish (GSOCK_ENDPOINT (source), result, &error))
    demo_fail ("closing failed: %s", error->message);
  *closed = TRUE;
}

/* Closes gracefully (queued data is sent first) and waits until it is done. */
static void
close_and_wait (gpointer endpoint)
{
  gboolean closed = FALSE;

  gsock_endpoint_close_async (endpoint, NULL, close_cb, &closed);
  while (!closed)
    g_main_context_iteration (NULL, TRUE);
}

static guint16
port_of (gpointer endpoint)
{
  GSocketAddress *address = gsock_endpoint_get_local_address (endpoint);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
}

static void
print_listening (const char *who,
                 gpointer    endpoint)
{
  g_autofree char *address = demo_address_to_string (gsock_endpoint_get_local_address (endpoint));

  g_print ("%s listening on %s\n", who, address);
}

/* A connected client of SERVER; a NULL framer keeps the default (lines). */
static GsockTcpClient *
open_client (GsockTcpServer *server,
             GsockFramer    *framer)
{
  g_autoptr(GsockTcpClient) client = gsock_tcp_client_new (demo_host, port_of (server));
  g_autoptr(GError) error = NULL;

  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (client), demo_encoding);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), RECEIVE_TIMEOUT_MS);
  if (framer != NULL)
    gsock_tcp_client_set_framer (client, framer);
  if (!gsock_tcp_client_open (client, NULL, &error))
    demo_fail ("cannot connect to port %u: %s", port_of (server), error->message);
  return g_steal_pointer (&client);
}

/* Receives one text on ENDPOINT and checks it is EXPECTED. */
static void
expect_reply (gpointer    endpoint,
              const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = gsock_endpoint_receive (endpoint, NULL, NULL, &error);

  if (reply == NULL)
    demo_fail ("no reply: %s", error->message);
  g_print ("client: got “%s”\n", reply);
  if (!g_str_equal (reply, expected))
    demo_fail ("expected “%s”, got “%s”", expected, reply);
}

/* A server's message-received handler: prints the message, answers with USER_DATA. */
static void
answer_cb (GsockEndpoint *server,
           GsockMessage  *message,
           gpointer       user_data)
{
  const char *answer = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *sender = demo_address_to_string (gsock_message_get_sender (message));
  g_autofree char *text = demo_message_text (message);

  g_print ("server: “%s” from %s, answering “%s”\n", text, sender, answer);
  if (!gsock_message_reply (message, answer, &error))
    demo_fail ("cannot answer: %s", error->message);
}

static void
tcp_hello (void)
{
  g_autoptr(GsockTcpServer) server = gsock_tcp_server_new (demo_host, demo_port);
  g_autoptr(GsockFramer) raw = gsock_raw_framer_new ();
  g_autoptr(GsockTcpClient) client = NULL;
  g_autoptr(GError) error = NULL;

  step ("1. TCP: one request, one answer");

  /* Raw framing: the tutorial sends "Hello Server" without a newline. */
  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (server), demo_encoding);
  gsock_tcp_server_set_framer (server, raw);
  g_signal_connect (server, "message-received", G_CALLBACK (answer_cb), "Hello Client");
  if (!gsock_tcp_server_listen (server, &error))
    demo_fail ("cannot listen: %s", error->message);
  print_listening ("server", server);

  client = open_client (server, raw);
  if (!gsock_endpoint_send (GSOCK_ENDPOINT (client), "Hello Server", NULL, &error))
    demo_fail ("cannot send: %s", error->message);
  expect_reply (client, "Hello Client");

  close_and_wait (client);
  close_and_wait (server);
}

/* A UDP endpoint bound to a free port of --host. */
static GsockUdpEndpoint *
bound_udp (const char *encoding)
{
  g_autoptr(GsockUdpEndpoint) endpoint = gsock_udp_endpoint_new (demo_host, 0);
  g_autoptr(GError) error = NULL;

  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (endpoint), encoding);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (endpoint), RECEIVE_TIMEOUT_MS);
  if (!gsock_udp_endpoint_bind (endpoint, &error))
    demo_fail ("cannot bind UDP: %s", error->message);
  return g_steal_pointer (&endpoint);
}

/* Sends TEXT from CLIENT to SERVER's address. */
static void
send_datagram (gpointer    client,
               gpointer    server,
               const char *text)
{
  g_autoptr(GError) error = NULL;

  if (!gsock_endpoint_send (client, text, gsock_endpoint_get_local_address (server), &error))
    demo_fail ("cannot send a datagram: %s", error->message);
}

static void
udp_hello (void)
{
  g_autoptr(GsockUdpEndpoint) server = bound_udp (demo_encoding);
  g_autoptr(GsockUdpEndpoint) client = bound_udp (demo_encoding);

  step ("2. UDP: a datagram and its answer");

  g_signal_connect (server, "message-received", G_CALLBACK (answer_cb), "Hello UDP Client");
  print_listening ("server", server);

  send_datagram (client, server, "Hello UDP Server");
  expect_reply (client, "Hello UDP Client");

  close_and_wait (client);
  close_and_wait (server);
}

/* 3. The tutorial's UDPSocket class, as a subclass that answers every datagram itself. */
#define DEMO_TYPE_RECEIPT (demo_receipt_get_type ())
G_DECLARE_FINAL_TYPE (DemoReceipt, demo_receipt, DEMO, RECEIPT, GsockUdpEndpoint)

struct _DemoReceipt
{
  GsockUdpEndpoint parent_instance;
};

G_DEFINE_FINAL_TYPE (DemoReceipt, demo_receipt, GSOCK_TYPE_UDP_ENDPOINT)

static void
demo_receipt_message_received (GsockEndpoint *self,
                               GsockMessage  *message)
{
  answer_cb (self, message, "已收到");
}

static void
demo_receipt_class_init (DemoReceiptClass *klass)
{
  GSOCK_ENDPOINT_CLASS (klass)->message_received = demo_receipt_message_received;
}

static void
demo_receipt_init (DemoReceipt *self)
{
}

static void
receipt (void)
{
  g_autoptr(DemoReceipt) server = g_object_new (DEMO_TYPE_RECEIPT,
                                                "host", demo_host,
                                                "port", 0,
                                                "encoding", demo_encoding,
                                                NULL);
  g_autoptr(GsockUdpEndpoint) client = bound_udp (demo_encoding);
  g_autoptr(GError) error = NULL;

  step ("3. A GsockUdpEndpoint subclass that acknowledges every datagram");

  if (!gsock_udp_endpoint_bind (GSOCK_UDP_ENDPOINT (server), &error))
    demo_fail ("cannot bind UDP: %s", error->message);
  print_listening ("receipt server", server);

  send_datagram (client, server, "Hello Server");
  expect_reply (client, "已收到");

  close_and_wait (client);
  close_and_wait (server);
}

static char *
hex_of (GBytes *bytes)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  GString *hex = g_string_new (NULL);

  for (gsize i = 0; i < size; i++)
    g_string_append_printf (hex, i == 0 ? "%02x" : " %02x", data[i]);
  return g_string_free (hex, FALSE);
}

/* Prints what arrived on the wire and what it decodes to. */
static void
show_bytes (const char   *who,
            GsockMessage *message)
{
  GBytes *bytes = gsock_message_get_bytes (message);
  g_autofree char *hex = hex_of (bytes);
  g_autofree char *text = demo_message_text (message);

  g_print ("%s: %zu bytes on the wire: %s\n", who, g_bytes_get_size (bytes), hex);
  g_print ("%s: decoded as %s: %s\n", who,
           gsock_endpoint_get_encoding (gsock_message_get_endpoint (message)), text);
}

static void
gbk_echo_cb (GsockEndpoint *server,
             GsockMessage  *message,
             gpointer       user_data)
{
  g_autoptr(GError) error = NULL;
  const char *text;

  show_bytes ("server", message);
  text = gsock_message_get_text (message, &error);
  if (text == NULL || !gsock_message_reply (message, text, &error))
    demo_fail ("cannot answer: %s", error->message);
}

static void
gbk_round_trip (void)
{
  const char *text = "你好,世界";
  g_autoptr(GsockUdpEndpoint) server = bound_udp ("GBK");
  g_autoptr(GsockUdpEndpoint) client = bound_udp ("GBK");
  g_autoptr(GsockMessage) reply = NULL;
  g_autoptr(GError) error = NULL;

  step ("4. Text in GBK: two bytes a character instead of UTF-8's three");

  g_signal_connect (server, "message-received", G_CALLBACK (gbk_echo_cb), NULL);
  g_print ("client: sending “%s” (%zu bytes in UTF-8)\n", text, strlen (text));
  send_datagram (client, server, text);

  reply = gsock_endpoint_receive_message (GSOCK_ENDPOINT (client), NULL, &error);
  if (reply == NULL)
    demo_fail ("no reply: %s", error->message);
  show_bytes ("client", reply);
  if (g_strcmp0 (gsock_message_get_text (reply, NULL), text) != 0)
    demo_fail ("the GBK round trip changed the text");

  close_and_wait (client);
  close_and_wait (server);
}

/* The chat server: every line goes to every client but its sender. */
static void
chat_server_cb (GsockTcpServer *server,
                GsockMessage   *message,
                gpointer        user_data)
{
  GsockTcpClient *sender = GSOCK_TCP_CLIENT (gsock_message_get_endpoint (message));
  g_autofree char *name = demo_address_to_string (gsock_message_get_sender (message));
  g_autofree char *text = demo_message_text (message);
  g_autofree char *line = g_strdup_printf ("[%s] %s", name, text);
  g_autoptr(GError) error = NULL;

  if (!gsock_tcp_server_broadcast (server, line, sender, &error))
    demo_fail ("cannot broadcast: %s", error->message);
}

typedef struct
{
  char *name;  /* "HOST:PORT", as the server sees this client */
  guint lines; /* lines received */
} ChatClient;

/* A chat client's message-received handler: another client's line has arrived. */
static void
chat_client_cb (GsockEndpoint *endpoint,
                GsockMessage  *message,
                gpointer       user_data)
{
  ChatClient *me = user_data;
  g_autofree char *text = demo_message_text (message);
  g_autofree char *own_prefix = g_strdup_printf ("[%s]", me->name);

  g_print ("client %s sees: %s\n", me->name, text);
  if (g_str_has_prefix (text, own_prefix))
    demo_fail ("client %s got its own line back", me->name);
  me->lines++;
}

static void
chat (void)
{
  g_autoptr(GsockTcpServer) server = gsock_tcp_server_new (demo_host, 0);
  g_autoptr(GError) error = NULL;
  GsockTcpClient *clients[3];
  ChatClient seen[3];
  guint total;

  step ("5. Three chat clients, one server, one thread");

  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (server), demo_encoding);
  g_signal_connect (server, "message-received", G_CALLBACK (chat_server_cb), NULL);
  if (!gsock_tcp_server_listen (server, &error))
    demo_fail ("cannot listen: %s", error->message);
  print_listening ("chat server", server);

  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      GSocketAddress *address;

      clients[i] = open_client (server, NULL);
      address = gsock_endpoint_get_local_address (GSOCK_ENDPOINT (clients[i]));
      seen[i].name = demo_address_to_string (address);
      seen[i].lines = 0;
      g_signal_connect (clients[i], "message-received", G_CALLBACK (chat_client_cb), &seen[i]);
    }

  /* A connection is accepted on the server's side a little after open() returns. */
  while (g_list_model_get_n_items (gsock_tcp_server_get_clients (server)) < G_N_ELEMENTS (clients))
    g_main_context_iteration (NULL, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      g_autofree char *line = g_strdup_printf ("hello from client %u", i + 1);

      g_print ("client %s says: %s\n", seen[i].name, line);
      if (!gsock_endpoint_send (GSOCK_ENDPOINT (clients[i]), line, NULL, &error))
        demo_fail ("cannot send: %s", error->message);
    }

  /* Each client hears the two others. */
  do
    {
      g_main_context_iteration (NULL, TRUE);
      total = 0;
      for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
        total += seen[i].lines;
    }
  while (total < 2 * G_N_ELEMENTS (clients));

  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      if (seen[i].lines != 2)
        demo_fail ("client %s got %u lines instead of 2", seen[i].name, seen[i].lines);
      close_and_wait (clients[i]);
      g_object_unref (clients[i]);
      g_free (seen[i].name);
    }
  close_and_wait (server);
}

int
main (int   argc,
      char *argv[])
{
  demo_parse_options (&argc, &argv, NULL,
                      "Runs every example of the socket tutorial in one process: TCP, UDP, a "
                      "subclass, GBK text and a chat. --port is the first TCP server's (by "
                      "default a free one); the others always take free ports.", 0, NULL);

  g_thread_unref (g_thread_new ("watchdog", watchdog_thread, NULL));

  tcp_hello ();
  udp_hello ();
  receipt ();
  gbk_round_trip ();
  chat ();

  g_print ("\nall done\n");
  return 0;
}
