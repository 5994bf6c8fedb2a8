/* gsock-udp-client: the tutorial's UDP client (3.3)
 *
 * Sends "Hello UDP Server" (or MESSAGE) to HOST:PORT and prints the reply:
 *
 *   gsock-udp-client --port 8080
 *
 * The endpoint is never bound by hand: the first send binds a free port, as the OS does for
 * the tutorial's sendto(). UDP gives no "refused", so a missing server shows as a timeout.
 *
 * With --dtls the endpoint is connected to the server (remote-address) and speaks DTLS: the
 * open handshakes, verifying the server's certificate against the system's authorities or
 * the ones in --ca FILE (it must name the address connected to), and the message and the
 * reply are DTLS records:
 *
 *   gsock-udp-client --dtls --ca ca.pem --port 8080 "over DTLS"
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gsock/gsock.h>

#include "demo-common.h"

static int timeout_ms = 5000;
static gboolean dtls = FALSE;
static char *ca_file = NULL;

static const GOptionEntry entries[] = {
  { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout_ms,
    "Give up waiting for the reply (or the DTLS handshake) after MS milliseconds "
    "(default 5000)", "MS" },
  { "dtls", 0, 0, G_OPTION_ARG_NONE, &dtls,
    "Speak DTLS with the server and verify its certificate", NULL },
  { "ca", 0, 0, G_OPTION_ARG_FILENAME, &ca_file,
    "Trust the certificate authorities in FILE (PEM) rather than the system's; implies --dtls",
    "FILE" },
  G_OPTION_ENTRY_NULL
};

/* The first address HOST resolves to (a numeric address needs no lookup). */
static GSocketAddress *
resolve (const char *host,
         guint16     port,
         GError    **error)
{
  g_autoptr(GSocketConnectable) connectable = g_network_address_new (host, port);
  g_autoptr(GSocketAddressEnumerator) addresses = g_socket_connectable_enumerate (connectable);
  g_autoptr(GError) local_error = NULL;
  GSocketAddress *address = g_socket_address_enumerator_next (addresses, NULL, &local_error);

  if (address == NULL && local_error == NULL)
    g_set_error (&local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no address for %s", host);
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return address;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GsockUdpEndpoint) client = NULL;
  g_autoptr(GSocketAddress) server_address = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *server = NULL;
  g_autofree char *reply = NULL;
  const char *message;

  demo_parse_options (&argc, &argv, "[MESSAGE]",
                      "Sends “Hello UDP Server” or MESSAGE as a datagram and prints the reply.",
                      8080, entries);
  if (argc > 2)
    demo_fail ("expected at most one MESSAGE, got %d arguments", argc - 1);
  if (timeout_ms < 0)
    demo_fail ("--timeout must not be negative");
  message = argc == 2 ? argv[1] : "Hello UDP Server";
  server = g_strdup_printf ("%s:%d", demo_host, demo_port);

  server_address = resolve (demo_host, demo_port, &error);
  if (server_address == NULL)
    demo_fail ("cannot resolve %s: %s", demo_host, error->message);

  /* Host and port are where to bind; a client that never calls bind needs neither. */
  client = gsock_udp_endpoint_new (NULL, 0);
  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (client), demo_encoding);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), timeout_ms);

  if (dtls || ca_file != NULL)
    {
      g_autoptr(GInetAddress) any =
        g_inet_address_new_any (g_socket_address_get_family (server_address));
      g_autofree char *wildcard = g_inet_address_to_string (any);

      /* DTLS handshakes before the first send, so this client binds (any address, a free
       * port) and connects to the server itself. */
      gsock_endpoint_set_host (GSOCK_ENDPOINT (client), wildcard);
      gsock_udp_endpoint_set_remote_address (client, server_address);
      gsock_udp_endpoint_set_dtls (client, TRUE);
      if (ca_file != NULL)
        {
          /* GIO's file database wants an absolute path. */
          g_autofree char *ca_path = g_canonicalize_filename (ca_file, NULL);
          g_autoptr(GTlsDatabase) database = g_tls_file_database_new (ca_path, &error);

          if (database == NULL)
            demo_fail ("cannot load the certificate authorities in %s: %s", ca_file,
                       error->message);
          gsock_udp_endpoint_set_tls_database (client, database);
        }
      if (!gsock_udp_endpoint_bind (client, &error))
        demo_fail ("cannot reach %s: %s", server, error->message);
    }

  if (!gsock_endpoint_send (GSOCK_ENDPOINT (client), message, server_address, &error))
    demo_fail ("cannot send to %s: %s", server, error->message);

  reply = gsock_endpoint_receive (GSOCK_ENDPOINT (client), NULL, NULL, &error);
  if (reply == NULL)
    demo_fail ("no reply from %s: %s", server, error->message);
  g_print ("server replied: %s\n", reply);

  gsock_endpoint_close (GSOCK_ENDPOINT (client));
  return 0;
}
