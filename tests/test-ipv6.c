/* test-ipv6.c: everything that works over IPv4 loopback works over ::1
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gsock/gsock.h>

#include "gsock-test-util.h"

/* Skips the test (and says why) when this machine has no IPv6 loopback. */
static gboolean
have_ipv6_loopback (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                         &error);
  if (socket != NULL)
    {
      address = g_inet_socket_address_new_from_string ("::1", 0);
      if (g_socket_bind (socket, address, FALSE, &error))
        return TRUE;
    }
  g_test_skip_printf ("no IPv6 loopback (::1) here: %s", error->message);
  return FALSE;
}

static void
assert_ipv6_loopback (GSocketAddress *address)
{
  GInetAddress *inet;

  g_assert_true (G_IS_INET_SOCKET_ADDRESS (address));
  g_assert_cmpint (g_socket_address_get_family (address), ==, G_SOCKET_FAMILY_IPV6);
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  g_assert_true (g_inet_address_get_is_loopback (inet));
  g_assert_cmpuint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)), !=, 0);
}

static guint16
port_of (GSocketAddress *address)
{
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
}

static void
close_and_finalize (gpointer endpoint)
{
  gsock_endpoint_close (GSOCK_ENDPOINT (endpoint));
  gsock_test_wait_until (gsock_endpoint_get_state (GSOCK_ENDPOINT (endpoint)) ==
                         GSOCK_STATE_CLOSED);
  gsock_test_drain (NULL);
  g_assert_finalize_object (endpoint);
}

/* The server side of the seed: answers every message, remembering who sent the last one. */
static void
receipt_cb (GsockEndpoint   *endpoint,
            GsockMessage    *message,
            GSocketAddress **last_sender)
{
  GError *error = NULL;

  g_set_object (last_sender, gsock_message_get_sender (message));
  g_assert_true (gsock_message_reply (message, "已收到", &error));
  g_assert_no_error (error);
}

/* The seed's section 4 over ::1: a server bound there, a client that never binds. */
static void
test_udp_seed_exchange (void)
{
  GsockUdpEndpoint *server = NULL;
  GsockUdpEndpoint *client = NULL;
  g_autoptr(GSocketAddress) target = NULL;
  g_autoptr(GSocketAddress) sender = NULL;
  g_autoptr(GSocketAddress) seen = NULL;
  g_autofree char *answer = NULL;
  GSocketAddress *client_local;
  GError *error = NULL;

  if (!have_ipv6_loopback ())
    return;

  server = gsock_udp_endpoint_new ("::1", 0);
  g_signal_connect (server, "message-received", G_CALLBACK (receipt_cb), &seen);
  g_assert_true (gsock_udp_endpoint_bind (server, &error));
  g_assert_no_error (error);
  assert_ipv6_loopback (gsock_endpoint_get_local_address (GSOCK_ENDPOINT (server)));

  client = g_object_new (GSOCK_TYPE_UDP_ENDPOINT, "timeout", GSOCK_TEST_TIMEOUT_MS, NULL);
  target = g_inet_socket_address_new_from_string (
    "::1", port_of (gsock_endpoint_get_local_address (GSOCK_ENDPOINT (server))));
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "Hello Server", target, &error));
  g_assert_no_error (error);
  /* The implicit bind took the IPv6 wildcard. */
  client_local = gsock_endpoint_get_local_address (GSOCK_ENDPOINT (client));
  g_assert_cmpint (g_socket_address_get_family (client_local), ==, G_SOCKET_FAMILY_IPV6);

  answer = gsock_endpoint_receive (GSOCK_ENDPOINT (client), &sender, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answer, ==, "已收到");
  assert_ipv6_loopback (sender);
  g_assert_cmpuint (port_of (sender), ==,
                    port_of (gsock_endpoint_get_local_address (GSOCK_ENDPOINT (server))));
  /* The server saw the client's IPv6 address, and its reply found the way back. */
  assert_ipv6_loopback (seen);
  g_assert_cmpuint (port_of (seen), ==, port_of (client_local));
  g_assert_cmpuint (gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (server)), ==, 1);

  g_clear_object (&seen);
  close_and_finalize (client);
  close_and_finalize (server);
}

/* Both sides bound on ::1 by host name string, as the demos' --host ::1 does. */
static void
test_udp_both_bound (void)
{
  GsockUdpEndpoint *server = NULL;
  GsockUdpEndpoint *client = NULL;
  g_autoptr(GSocketAddress) seen = NULL;
  g_autoptr(GsockMessage) answer = NULL;
  GError *error = NULL;

  if (!have_ipv6_loopback ())
    return;

  server = gsock_udp_endpoint_new ("::1", 0);
  client = gsock_udp_endpoint_new ("::1", 0);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), GSOCK_TEST_TIMEOUT_MS);
  g_signal_connect (server, "message-received", G_CALLBACK (receipt_cb), &seen);
  g_assert_true (gsock_udp_endpoint_bind (server, &error));
  g_assert_no_error (error);
  g_assert_true (gsock_udp_endpoint_bind (client, &error));
  g_assert_no_error (error);
  assert_ipv6_loopback (gsock_endpoint_get_local_address (GSOCK_ENDPOINT (client)));

  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "你好",
                                      gsock_endpoint_get_local_address (GSOCK_ENDPOINT (server)),
                                      &error));
  g_assert_no_error (error);
  answer = gsock_endpoint_receive_message (GSOCK_ENDPOINT (client), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gsock_message_get_text (answer, NULL), ==, "已收到");
  g_assert_cmpuint (port_of (seen), ==,
                    port_of (gsock_endpoint_get_local_address (GSOCK_ENDPOINT (client))));

  g_clear_pointer (&answer, gsock_message_unref);
  g_clear_object (&seen);
  close_and_finalize (client);
  close_and_finalize (server);
}

static void
hello_client_cb (GsockEndpoint   *endpoint,
                 GsockMessage    *message,
                 GSocketAddress **last_sender)
{
  GError *error = NULL;

  g_set_object (last_sender, gsock_message_get_sender (message));
  g_assert_cmpstr (gsock_message_get_text (message, NULL), ==, "Hello Server");
  g_assert_true (gsock_message_reply (message, "Hello Client", &error));
  g_assert_no_error (error);
}

/* The tutorial's TCP pair over ::1: addresses on both sides are IPv6, and the reply works. */
static void
test_tcp_server_and_client (void)
{
  GsockTcpServer *server = NULL;
  GsockTcpClient *client = NULL;
  GsockTcpClient *served;
  g_autoptr(GSocketAddress) seen = NULL;
  g_autoptr(GSocketAddress) served_remote = NULL;
  g_autofree char *answer = NULL;
  GSocketAddress *server_local;
  GSocketAddress *client_local;
  GSocketAddress *client_remote;
  GError *error = NULL;

  if (!have_ipv6_loopback ())
    return;

  server = gsock_tcp_server_new ("::1", 0);
  g_signal_connect (server, "message-received", G_CALLBACK (hello_client_cb), &seen);
  g_assert_true (gsock_tcp_server_listen (server, &error));
  g_assert_no_error (error);
  server_local = gsock_endpoint_get_local_address (GSOCK_ENDPOINT (server));
  assert_ipv6_loopback (server_local);

  client = gsock_tcp_client_new ("::1", port_of (server_local));
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), GSOCK_TEST_TIMEOUT_MS);
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);
  client_local = gsock_endpoint_get_local_address (GSOCK_ENDPOINT (client));
  client_remote = gsock_tcp_client_get_remote_address (client);
  assert_ipv6_loopback (client_local);
  assert_ipv6_loopback (client_remote);
  g_assert_cmpuint (port_of (client_remote), ==, port_of (server_local));

  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "Hello Server", NULL, &error));
  g_assert_no_error (error);
  answer = gsock_endpoint_receive (GSOCK_ENDPOINT (client), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answer, ==, "Hello Client");

  /* The server's side of the connection knows the client by its IPv6 address. */
  assert_ipv6_loopback (seen);
  g_assert_cmpuint (port_of (seen), ==, port_of (client_local));
  g_assert_cmpuint (g_list_model_get_n_items (gsock_tcp_server_get_clients (server)), ==, 1);
  served = g_list_model_get_item (gsock_tcp_server_get_clients (server), 0);
  served_remote = g_object_ref (gsock_tcp_client_get_remote_address (served));
  g_object_unref (served);
  assert_ipv6_loopback (served_remote);
  g_assert_cmpuint (port_of (served_remote), ==, port_of (client_local));

  g_clear_object (&seen);
  close_and_finalize (client);
  close_and_finalize (server);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gsock_test_install_watchdog ();

  g_test_add_func ("/Gsock/IPv6/udp/seed-exchange-on-loopback", test_udp_seed_exchange);
  g_test_add_func ("/Gsock/IPv6/udp/both-sides-bound-on-loopback", test_udp_both_bound);
  g_test_add_func ("/Gsock/IPv6/tcp/server-and-client-on-loopback",
                   test_tcp_server_and_client);

  return g_test_run ();
}
