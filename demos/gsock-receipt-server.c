/* gsock-receipt-server: the tutorial's object-oriented UDP server (4.2)
 *
 * The tutorial wraps a UDP socket in a class and loops over receive() and send("已收到").
 * With gsock the class is a subclass of GsockUdpEndpoint that overrides the message_received
 * virtual method: every datagram is printed and answered with "已收到" ("received") in the
 * endpoint's encoding.
 *
 *   gsock-receipt-server --port 8080
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gsock/gsock.h>

#include "demo-common.h"

#define DEMO_TYPE_RECEIPT_SERVER (demo_receipt_server_get_type ())
G_DECLARE_FINAL_TYPE (DemoReceiptServer, demo_receipt_server, DEMO, RECEIPT_SERVER,
                      GsockUdpEndpoint)

struct _DemoReceiptServer
{
  GsockUdpEndpoint parent_instance;
};

G_DEFINE_FINAL_TYPE (DemoReceiptServer, demo_receipt_server, GSOCK_TYPE_UDP_ENDPOINT)

static void
demo_receipt_server_message_received (GsockEndpoint *endpoint,
                                      GsockMessage  *message)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sender = demo_address_to_string (gsock_message_get_sender (message));
  g_autofree char *text = demo_message_text (message);

  g_print ("received from %s: %s\n", sender, text);
  if (!gsock_message_reply (message, "已收到", &error))
    g_printerr ("%s: cannot answer %s: %s\n", g_get_prgname (), sender, error->message);
}

static void
demo_receipt_server_class_init (DemoReceiptServerClass *klass)
{
  GsockEndpointClass *endpoint_class = GSOCK_ENDPOINT_CLASS (klass);

  endpoint_class->message_received = demo_receipt_server_message_received;
}

static void
demo_receipt_server_init (DemoReceiptServer *self)
{
}

static DemoReceiptServer *
demo_receipt_server_new (const char *host,
                         guint16     port,
                         const char *encoding)
{
  return g_object_new (DEMO_TYPE_RECEIPT_SERVER,
                       "host", host,
                       "port", (guint) port,
                       "encoding", encoding,
                       NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(DemoReceiptServer) server = NULL;
  g_autoptr(GError) error = NULL;

  demo_parse_options (&argc, &argv, NULL,
                      "Answers every UDP datagram with “已收到”, from a GsockUdpEndpoint subclass.",
                      8080, NULL);

  server = demo_receipt_server_new (demo_host, demo_port, demo_encoding);
  if (!gsock_udp_endpoint_bind (GSOCK_UDP_ENDPOINT (server), &error))
    demo_fail ("cannot bind %s:%d: %s", demo_host, demo_port, error->message);

  return demo_serve (GSOCK_ENDPOINT (server), NULL);
}
