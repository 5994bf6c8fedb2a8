/* gsock-tcp-client: the tutorial's TCP client (2.2)
 *
 * Connects, sends "Hello Server" (or MESSAGE), prints the reply and exits:
 *
 *   gsock-tcp-client --port 8080
 *   gsock-tcp-client --framing line "one line"
 *   gsock-tcp-client --tls --ca ca.pem --framing line "over TLS"
 *
 * With --tls the server's certificate is verified, against the system's authorities or the
 * ones in --ca FILE, and must name the host connected to; there is no way to skip that.
 *
 * Like every blocking gsock call, gsock_tcp_client_open() and gsock_endpoint_receive() run
 * the main context while they wait, and give up after the endpoint's timeout.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gsock/gsock.h>

#include "demo-common.h"

static char *framing = NULL;
static int timeout_ms = 5000;
static gboolean tls = FALSE;
static char *ca_file = NULL;

static const GOptionEntry entries[] = {
  { "framing", 0, 0, G_OPTION_ARG_STRING, &framing,
    "raw: each read is a message, as in the tutorial (default); line: newline-terminated",
    "raw|line" },
  { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout_ms,
    "Give up connecting or waiting for the reply after MS milliseconds (default 5000)", "MS" },
  { "tls", 0, 0, G_OPTION_ARG_NONE, &tls,
    "Connect with TLS and verify the server's certificate", NULL },
  { "ca", 0, 0, G_OPTION_ARG_FILENAME, &ca_file,
    "Trust the certificate authorities in FILE (PEM) rather than the system's; implies --tls",
    "FILE" },
  G_OPTION_ENTRY_NULL
};

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GsockTcpClient) client = NULL;
  g_autoptr(GsockFramer) framer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *server = NULL;
  g_autofree char *reply = NULL;
  const char *message;

  demo_parse_options (&argc, &argv, "[MESSAGE]",
                      "Sends “Hello Server” or MESSAGE over TCP and prints the reply.", 8080,
                      entries);
  if (argc > 2)
    demo_fail ("expected at most one MESSAGE, got %d arguments", argc - 1);
  if (timeout_ms < 0)
    demo_fail ("--timeout must not be negative");
  if (framing != NULL && !g_str_equal (framing, "raw") && !g_str_equal (framing, "line"))
    demo_fail ("unknown framing “%s” (expected raw or line)", framing);
  message = argc == 2 ? argv[1] : "Hello Server";
  server = g_strdup_printf ("%s:%d", demo_host, demo_port);

  client = gsock_tcp_client_new (demo_host, demo_port);
  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (client), demo_encoding);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), timeout_ms);
  framer = demo_framer_new (framing != NULL ? framing : "raw");
  gsock_tcp_client_set_framer (client, framer);
  if (tls || ca_file != NULL)
    gsock_tcp_client_set_tls (client, TRUE);
  if (ca_file != NULL)
    {
      /* GIO's file database wants an absolute path. */
      g_autofree char *ca_path = g_canonicalize_filename (ca_file, NULL);
      g_autoptr(GTlsDatabase) database = g_tls_file_database_new (ca_path, &error);

      if (database == NULL)
        demo_fail ("cannot load the certificate authorities in %s: %s", ca_file, error->message);
      gsock_tcp_client_set_tls_database (client, database);
    }

  if (!gsock_tcp_client_open (client, NULL, &error))
    demo_fail ("cannot reach %s: %s", server, error->message);

  if (!gsock_endpoint_send (GSOCK_ENDPOINT (client), message, NULL, &error))
    demo_fail ("cannot send to %s: %s", server, error->message);

  reply = gsock_endpoint_receive (GSOCK_ENDPOINT (client), NULL, NULL, &error);
  if (reply == NULL)
    demo_fail ("no reply from %s: %s", server, error->message);
  g_print ("server replied: %s\n", reply);

  gsock_endpoint_close (GSOCK_ENDPOINT (client));
  return 0;
}
