/* test-udp-endpoint.c: GsockUdpEndpoint over real datagram sockets on 127.0.0.1
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gunixfdmessage.h>
#include <gio/gunixsocketaddress.h>
#include <gsock/gsock.h>

#include "gsock-test-util.h"

/* 你好,世界 and 已收到 in GBK. */
static const guint8 gbk_hello_world[] = { 0xc4, 0xe3, 0xba, 0xc3, 0x2c, 0xca, 0xc0, 0xbd, 0xe7 };
static const guint8 gbk_received[] = { 0xd2, 0xd1, 0xca, 0xd5, 0xb5, 0xbd };

/* What an endpoint's signals delivered. */
typedef struct
{
  GPtrArray  *messages; /* GsockMessage */
  GPtrArray  *errors;   /* GError */
  const char *reply;    /* replied to every message when set */
} Recorder;

static void
recorder_init (Recorder *rec)
{
  rec->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) gsock_message_unref);
  rec->errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  rec->reply = NULL;
}

static void
recorder_clear (Recorder *rec)
{
  g_clear_pointer (&rec->messages, g_ptr_array_unref);
  g_clear_pointer (&rec->errors, g_ptr_array_unref);
}

static void
recorder_message_cb (GsockEndpoint *endpoint,
                     GsockMessage  *message,
                     Recorder      *rec)
{
  g_assert_true (gsock_message_get_endpoint (message) == endpoint);
  g_ptr_array_add (rec->messages, gsock_message_ref (message));
  if (rec->reply != NULL)
    {
      GError *error = NULL;

      g_assert_true (gsock_message_reply (message, rec->reply, &error));
      g_assert_no_error (error);
    }
}

static void
recorder_error_cb (GsockEndpoint *endpoint,
                   const GError  *error,
                   Recorder      *rec)
{
  g_assert_nonnull (error);
  g_ptr_array_add (rec->errors, g_error_copy (error));
}

static void
recorder_connect (Recorder      *rec,
                  GsockEndpoint *endpoint)
{
  g_signal_connect (endpoint, "message-received", G_CALLBACK (recorder_message_cb), rec);
  g_signal_connect (endpoint, "error", G_CALLBACK (recorder_error_cb), rec);
}

static const char *
message_text (GsockMessage *message)
{
  GError *error = NULL;
  const char *text = gsock_message_get_text (message, &error);

  g_assert_no_error (error);
  return text;
}

static void
count_cb (GObject    *object,
          GParamSpec *pspec,
          guint      *count)
{
  (*count)++;
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
close_cb (gpointer user_data)
{
  gsock_endpoint_close (user_data);
  return G_SOURCE_REMOVE;
}

static GsockState
state_of (gpointer endpoint)
{
  return gsock_endpoint_get_state (GSOCK_ENDPOINT (endpoint));
}

static void
close_and_finalize (GsockUdpEndpoint *endpoint)
{
  gsock_endpoint_close (GSOCK_ENDPOINT (endpoint));
  gsock_test_wait_until (state_of (endpoint) == GSOCK_STATE_CLOSED);
  gsock_test_drain (NULL);
  g_assert_finalize_object (endpoint);
}

/* Binding a plain socket to @port only works once nobody holds it. */
static gboolean
udp_port_is_free (guint16 port)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                            G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr(GSocketAddress) address = gsock_test_loopback_address (port);
  g_autoptr(GError) error = NULL;

  return g_socket_bind (socket, address, FALSE, &error);
}

/* ---- a server bound to 127.0.0.1 port 0 ---- */

typedef struct
{
  GsockUdpEndpoint *server;
  guint16           port;
  GSocketAddress   *address;
  Recorder          rec;
  GsockUdpEndpoint *client; /* made by some tests, torn down here */
} Fixture;

static void
fixture_setup (Fixture      *fx,
               gconstpointer data)
{
  GError *error = NULL;

  recorder_init (&fx->rec);
  fx->server = gsock_udp_endpoint_new ("127.0.0.1", 0);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (fx->server), GSOCK_TEST_TIMEOUT_MS);
  recorder_connect (&fx->rec, GSOCK_ENDPOINT (fx->server));
  g_assert_true (gsock_udp_endpoint_bind (fx->server, &error));
  g_assert_no_error (error);
  fx->port = gsock_test_endpoint_get_port (fx->server);
  g_assert_cmpuint (fx->port, !=, 0);
  fx->address = gsock_test_loopback_address (fx->port);
}

static void
fixture_teardown (Fixture      *fx,
                  gconstpointer data)
{
  if (fx->client != NULL)
    close_and_finalize (g_steal_pointer (&fx->client));
  /* Messages hold their endpoint: drop them before proving the server goes away. */
  recorder_clear (&fx->rec);
  close_and_finalize (g_steal_pointer (&fx->server));
  g_clear_object (&fx->address);
}

static GsockUdpEndpoint *
new_client (Fixture *fx)
{
  g_assert_null (fx->client);
  fx->client = gsock_udp_endpoint_new ("127.0.0.1", 0);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (fx->client), GSOCK_TEST_TIMEOUT_MS);
  return fx->client;
}

/* ---- properties ---- */

static void
test_defaults (void)
{
  g_autoptr(GsockUdpEndpoint) endpoint = g_object_new (GSOCK_TYPE_UDP_ENDPOINT, NULL);
  GsockEndpoint *ep = GSOCK_ENDPOINT (endpoint);
  g_autofree char *host = NULL;
  g_autofree char *encoding = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  guint port = 0;
  GsockState state = GSOCK_STATE_OPEN;
  gboolean broadcast = TRUE;

  g_assert_cmpstr (gsock_endpoint_get_host (ep), ==, "127.0.0.1");
  g_assert_cmpuint (gsock_endpoint_get_port (ep), ==, 8080);
  g_assert_cmpstr (gsock_endpoint_get_encoding (ep), ==, "UTF-8");
  g_assert_cmpuint (gsock_endpoint_get_max_message_size (ep), ==, 65507);
  g_assert_cmpuint (gsock_endpoint_get_timeout (ep), ==, 0);
  g_assert_cmpint (gsock_endpoint_get_state (ep), ==, GSOCK_STATE_CLOSED);
  g_assert_null (gsock_endpoint_get_local_address (ep));
  g_assert_cmpuint (gsock_endpoint_get_bytes_sent (ep), ==, 0);
  g_assert_cmpuint (gsock_endpoint_get_bytes_received (ep), ==, 0);
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (ep), ==, 0);
  g_assert_cmpuint (gsock_endpoint_get_messages_received (ep), ==, 0);
  g_assert_false (gsock_udp_endpoint_get_broadcast (endpoint));

  /* The same through GObject properties. */
  g_object_get (endpoint,
                "host", &host,
                "port", &port,
                "encoding", &encoding,
                "local-address", &local,
                "state", &state,
                "broadcast", &broadcast,
                NULL);
  g_assert_cmpstr (host, ==, "127.0.0.1");
  g_assert_cmpuint (port, ==, 8080);
  g_assert_cmpstr (encoding, ==, "UTF-8");
  g_assert_null (local);
  g_assert_cmpint (state, ==, GSOCK_STATE_CLOSED);
  g_assert_false (broadcast);
}

static void
test_new_sets_host_and_port (void)
{
  g_autoptr(GsockUdpEndpoint) endpoint = gsock_udp_endpoint_new ("10.1.2.3", 9999);

  g_assert_true (GSOCK_IS_UDP_ENDPOINT (endpoint));
  g_assert_true (GSOCK_IS_ENDPOINT (endpoint));
  g_assert_cmpstr (gsock_endpoint_get_host (GSOCK_ENDPOINT (endpoint)), ==, "10.1.2.3");
  g_assert_cmpuint (gsock_endpoint_get_port (GSOCK_ENDPOINT (endpoint)), ==, 9999);
  g_assert_cmpint (state_of (endpoint), ==, GSOCK_STATE_CLOSED);
}

static void
test_setters_notify_only_on_change (void)
{
  g_autoptr(GsockUdpEndpoint) endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  GsockEndpoint *ep = GSOCK_ENDPOINT (endpoint);
  guint host = 0, port = 0, encoding = 0, max = 0, timeout = 0, broadcast = 0;

  g_signal_connect (endpoint, "notify::host", G_CALLBACK (count_cb), &host);
  g_signal_connect (endpoint, "notify::port", G_CALLBACK (count_cb), &port);
  g_signal_connect (endpoint, "notify::encoding", G_CALLBACK (count_cb), &encoding);
  g_signal_connect (endpoint, "notify::max-message-size", G_CALLBACK (count_cb), &max);
  g_signal_connect (endpoint, "notify::timeout", G_CALLBACK (count_cb), &timeout);
  g_signal_connect (endpoint, "notify::broadcast", G_CALLBACK (count_cb), &broadcast);

  gsock_endpoint_set_host (ep, "localhost");
  gsock_endpoint_set_host (ep, "localhost");
  g_assert_cmpstr (gsock_endpoint_get_host (ep), ==, "localhost");
  g_assert_cmpuint (host, ==, 1);

  gsock_endpoint_set_port (ep, 4242);
  gsock_endpoint_set_port (ep, 4242);
  g_assert_cmpuint (gsock_endpoint_get_port (ep), ==, 4242);
  g_assert_cmpuint (port, ==, 1);

  gsock_endpoint_set_encoding (ep, "GBK");
  gsock_endpoint_set_encoding (ep, "GBK");
  g_assert_cmpstr (gsock_endpoint_get_encoding (ep), ==, "GBK");
  g_assert_cmpuint (encoding, ==, 1);

  gsock_endpoint_set_max_message_size (ep, 100);
  gsock_endpoint_set_max_message_size (ep, 100);
  g_assert_cmpuint (gsock_endpoint_get_max_message_size (ep), ==, 100);
  g_assert_cmpuint (max, ==, 1);

  gsock_endpoint_set_timeout (ep, 250);
  gsock_endpoint_set_timeout (ep, 250);
  g_assert_cmpuint (gsock_endpoint_get_timeout (ep), ==, 250);
  g_assert_cmpuint (timeout, ==, 1);

  gsock_udp_endpoint_set_broadcast (endpoint, TRUE);
  gsock_udp_endpoint_set_broadcast (endpoint, TRUE);
  g_assert_true (gsock_udp_endpoint_get_broadcast (endpoint));
  g_assert_cmpuint (broadcast, ==, 1);

  /* g_object_set goes through the same path. */
  g_object_set (endpoint, "port", 4243, "broadcast", FALSE, NULL);
  g_assert_cmpuint (gsock_endpoint_get_port (ep), ==, 4243);
  g_assert_false (gsock_udp_endpoint_get_broadcast (endpoint));
  g_assert_cmpuint (port, ==, 2);
  g_assert_cmpuint (broadcast, ==, 2);
}

/* ---- bind ---- */

static void
record_state_cb (GObject    *object,
                 GParamSpec *pspec,
                 GArray     *states)
{
  GsockState state = state_of (object);

  g_array_append_val (states, state);
}

static void
test_bind_port_zero (void)
{
  GsockUdpEndpoint *endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GArray) states = g_array_new (FALSE, FALSE, sizeof (GsockState));
  g_autoptr(GSocket) peer = NULL;
  g_autoptr(GBytes) got = NULL;
  GSocketAddress *local;
  g_autofree char *ip = NULL;
  guint local_notifies = 0;
  GError *error = NULL;
  Recorder rec;

  recorder_init (&rec);
  recorder_connect (&rec, GSOCK_ENDPOINT (endpoint));
  g_signal_connect (endpoint, "notify::state", G_CALLBACK (record_state_cb), states);
  g_signal_connect (endpoint, "notify::local-address", G_CALLBACK (count_cb), &local_notifies);

  g_assert_true (gsock_udp_endpoint_bind (endpoint, &error));
  g_assert_no_error (error);

  g_assert_cmpint (state_of (endpoint), ==, GSOCK_STATE_OPEN);
  g_assert_cmpuint (states->len, >=, 1);
  g_assert_cmpint (g_array_index (states, GsockState, states->len - 1), ==, GSOCK_STATE_OPEN);
  g_assert_cmpuint (local_notifies, ==, 1);

  local = gsock_endpoint_get_local_address (GSOCK_ENDPOINT (endpoint));
  g_assert_true (G_IS_INET_SOCKET_ADDRESS (local));
  g_assert_cmpuint (gsock_test_address_get_port (local), !=, 0);
  ip = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
  g_assert_cmpstr (ip, ==, "127.0.0.1");
  g_assert_cmpuint (gsock_test_endpoint_get_port (endpoint), ==,
                    gsock_test_address_get_port (local));

  /* The reported port is the real one: a datagram sent there arrives. */
  peer = gsock_test_udp_socket (NULL);
  gsock_test_socket_send_to (peer, gsock_test_address_get_port (local), "knock", 5);
  gsock_test_wait_until (rec.messages->len == 1);
  gsock_test_assert_bytes (gsock_message_get_bytes (rec.messages->pdata[0]), "knock", 5);

  recorder_clear (&rec);
  close_and_finalize (endpoint);
}

static void
test_bind_port_in_use (Fixture      *fx,
                       gconstpointer data)
{
  g_autoptr(GsockUdpEndpoint) second = gsock_udp_endpoint_new ("127.0.0.1", fx->port);
  GError *error = NULL;

  g_assert_false (gsock_udp_endpoint_bind (second, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_clear_error (&error);
  g_assert_cmpint (state_of (second), ==, GSOCK_STATE_CLOSED);
  g_assert_null (gsock_endpoint_get_local_address (GSOCK_ENDPOINT (second)));
}

static void
test_bind_port_held_by_plain_socket (void)
{
  guint16 port;
  g_autoptr(GSocket) holder = gsock_test_udp_socket (&port);
  g_autoptr(GsockUdpEndpoint) endpoint = gsock_udp_endpoint_new ("127.0.0.1", port);
  GError *error = NULL;

  g_assert_false (gsock_udp_endpoint_bind (endpoint, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_clear_error (&error);
  g_assert_cmpint (state_of (endpoint), ==, GSOCK_STATE_CLOSED);
}

static void
test_bind_twice_is_busy (Fixture      *fx,
                         gconstpointer data)
{
  GError *error = NULL;

  g_assert_false (gsock_udp_endpoint_bind (fx->server, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_clear_error (&error);
  /* Still bound where it was. */
  g_assert_cmpint (state_of (fx->server), ==, GSOCK_STATE_OPEN);
  g_assert_cmpuint (gsock_test_endpoint_get_port (fx->server), ==, fx->port);
}

static void
test_bind_resolves_host_name (void)
{
  GsockUdpEndpoint *endpoint = gsock_udp_endpoint_new ("localhost", 0);
  GSocketAddress *local;
  GError *error = NULL;

  g_assert_true (gsock_udp_endpoint_bind (endpoint, &error));
  g_assert_no_error (error);
  local = gsock_endpoint_get_local_address (GSOCK_ENDPOINT (endpoint));
  g_assert_true (G_IS_INET_SOCKET_ADDRESS (local));
  g_assert_true (g_inet_address_get_is_loopback (
    g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local))));
  g_assert_cmpuint (gsock_test_address_get_port (local), !=, 0);
  close_and_finalize (endpoint);
}

/* ---- the seed, section 4 ---- */

static void
test_seed_server_and_client (Fixture      *fx,
                             gconstpointer data)
{
  /* The seed's client: UDPSocket() with the defaults, never bound. */
  GsockUdpEndpoint *client = g_object_new (GSOCK_TYPE_UDP_ENDPOINT, NULL);
  g_autoptr(GSocketAddress) sender = NULL;
  g_autofree char *response = NULL;
  GsockMessage *message;
  guint16 client_port;
  GError *error = NULL;

  fx->client = client;
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), GSOCK_TEST_TIMEOUT_MS);
  fx->rec.reply = "已收到";

  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "Hello Server", fx->address,
                                      &error));
  g_assert_no_error (error);
  /* Sending bound the client, as the OS does. */
  g_assert_cmpint (state_of (client), ==, GSOCK_STATE_OPEN);
  client_port = gsock_test_endpoint_get_port (client);
  g_assert_cmpuint (client_port, !=, 0);
  g_assert_cmpuint (client_port, !=, 8080);

  /* The blocking receive runs the context, so the server answers meanwhile. */
  response = gsock_endpoint_receive (GSOCK_ENDPOINT (client), &sender, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (response, ==, "已收到");
  g_assert_nonnull (sender);
  g_assert_cmpuint (gsock_test_address_get_port (sender), ==, fx->port);

  g_assert_cmpuint (fx->rec.messages->len, ==, 1);
  message = fx->rec.messages->pdata[0];
  g_assert_cmpstr (message_text (message), ==, "Hello Server");
  g_assert_true (gsock_message_get_endpoint (message) == GSOCK_ENDPOINT (fx->server));
  g_assert_cmpuint (gsock_test_address_get_port (gsock_message_get_sender (message)), ==,
                    client_port);
  g_assert_cmpuint (fx->rec.errors->len, ==, 0);
}

static void
test_send_auto_binds_wildcard (Fixture      *fx,
                               gconstpointer data)
{
  GsockUdpEndpoint *client = new_client (fx);
  g_autoptr(GArray) states = g_array_new (FALSE, FALSE, sizeof (GsockState));
  GSocketAddress *local;
  GInetAddress *inet;
  GError *error = NULL;

  g_signal_connect (client, "notify::state", G_CALLBACK (record_state_cb), states);
  g_assert_null (gsock_endpoint_get_local_address (GSOCK_ENDPOINT (client)));

  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "hi", fx->address, &error));
  g_assert_no_error (error);

  local = gsock_endpoint_get_local_address (GSOCK_ENDPOINT (client));
  g_assert_true (G_IS_INET_SOCKET_ADDRESS (local));
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local));
  g_assert_cmpint (g_inet_address_get_family (inet), ==, G_SOCKET_FAMILY_IPV4);
  g_assert_true (g_inet_address_get_is_any (inet));
  g_assert_cmpuint (gsock_test_address_get_port (local), !=, 0);
  g_assert_cmpuint (states->len, >=, 1);
  g_assert_cmpint (g_array_index (states, GsockState, states->len - 1), ==, GSOCK_STATE_OPEN);

  gsock_test_wait_until (fx->rec.messages->len == 1);
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[0]), ==, "hi");
  g_assert_cmpuint (gsock_test_address_get_port (
                      gsock_message_get_sender (fx->rec.messages->pdata[0])),
                    ==, gsock_test_address_get_port (local));

  /* A second send keeps the same socket. */
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "again", fx->address, &error));
  g_assert_no_error (error);
  gsock_test_wait_until (fx->rec.messages->len == 2);
  g_assert_cmpuint (gsock_test_address_get_port (
                      gsock_message_get_sender (fx->rec.messages->pdata[1])),
                    ==, gsock_test_address_get_port (local));
  g_signal_handlers_disconnect_by_data (client, states);
}

static void
test_send_auto_binds_ipv6 (void)
{
  GsockUdpEndpoint *server = gsock_udp_endpoint_new ("::1", 0);
  GsockUdpEndpoint *client = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) target = NULL;
  g_autoptr(GSocketAddress) sender = NULL;
  g_autofree char *answer = NULL;
  GSocketAddress *local;
  GInetAddress *inet;
  Recorder rec;
  GError *error = NULL;

  if (!gsock_udp_endpoint_bind (server, &error))
    {
      g_test_skip_printf ("no IPv6 loopback here: %s", error->message);
      g_clear_error (&error);
      g_assert_finalize_object (client);
      g_assert_finalize_object (server);
      return;
    }
  recorder_init (&rec);
  recorder_connect (&rec, GSOCK_ENDPOINT (server));
  rec.reply = "v6";
  target = g_inet_socket_address_new_from_string ("::1", gsock_test_endpoint_get_port (server));

  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), GSOCK_TEST_TIMEOUT_MS);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "over v6", target, &error));
  g_assert_no_error (error);
  local = gsock_endpoint_get_local_address (GSOCK_ENDPOINT (client));
  g_assert_true (G_IS_INET_SOCKET_ADDRESS (local));
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local));
  g_assert_cmpint (g_inet_address_get_family (inet), ==, G_SOCKET_FAMILY_IPV6);
  g_assert_true (g_inet_address_get_is_any (inet));

  answer = gsock_endpoint_receive (GSOCK_ENDPOINT (client), &sender, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answer, ==, "v6");
  g_assert_cmpuint (rec.messages->len, ==, 1);
  g_assert_cmpstr (message_text (rec.messages->pdata[0]), ==, "over v6");

  recorder_clear (&rec);
  close_and_finalize (client);
  close_and_finalize (server);
}

/* ---- send errors ---- */

static void
test_send_without_target (Fixture      *fx,
                          gconstpointer data)
{
  GsockUdpEndpoint *client = new_client (fx);
  g_autoptr(GBytes) payload = g_bytes_new_static ("x", 1);
  GError *error = NULL;

  /* Unbound ... */
  g_assert_false (gsock_endpoint_send (GSOCK_ENDPOINT (client), "nowhere", NULL, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_NO_DESTINATION);
  g_clear_error (&error);
  g_assert_false (gsock_endpoint_send_bytes (GSOCK_ENDPOINT (client), payload, NULL, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_NO_DESTINATION);
  g_clear_error (&error);

  /* ... and bound alike. */
  g_assert_false (gsock_endpoint_send (GSOCK_ENDPOINT (fx->server), "nowhere", NULL, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_NO_DESTINATION);
  g_clear_error (&error);

  g_assert_cmpuint (gsock_endpoint_get_messages_sent (GSOCK_ENDPOINT (client)), ==, 0);
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (GSOCK_ENDPOINT (fx->server)), ==, 0);
}

static void
test_send_unknown_encoding (void)
{
  guint16 port;
  g_autoptr(GSocket) peer = gsock_test_udp_socket (&port);
  g_autoptr(GSocketAddress) target = gsock_test_loopback_address (port);
  GsockUdpEndpoint *endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  GError *error = NULL;

  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (endpoint), "NO-SUCH-CHARSET-GSOCK");
  g_assert_false (gsock_endpoint_send (GSOCK_ENDPOINT (endpoint), "hello", target, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_UNKNOWN_ENCODING);
  g_clear_error (&error);
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (GSOCK_ENDPOINT (endpoint)), ==, 0);
  g_assert_cmpuint (gsock_endpoint_get_bytes_sent (GSOCK_ENDPOINT (endpoint)), ==, 0);
  g_assert_true (gsock_test_socket_stays_quiet (peer, 100));

  close_and_finalize (endpoint);
}

static void
test_send_unrepresentable_text (void)
{
  guint16 port;
  g_autoptr(GSocket) peer = gsock_test_udp_socket (&port);
  g_autoptr(GSocketAddress) target = gsock_test_loopback_address (port);
  GsockUdpEndpoint *endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GBytes) got = NULL;
  GError *error = NULL;

  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (endpoint), "ISO-8859-1");
  g_assert_false (gsock_endpoint_send (GSOCK_ENDPOINT (endpoint), "已收到", target, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_TEXT);
  g_clear_error (&error);
  g_assert_true (gsock_test_socket_stays_quiet (peer, 100));

  /* Representable text goes out in that encoding. */
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (endpoint), "café", target, &error));
  g_assert_no_error (error);
  got = gsock_test_socket_receive_from (peer, NULL);
  gsock_test_assert_bytes (got, "caf\xe9", 4);

  close_and_finalize (endpoint);
}

static void
test_send_oversize_payload (void)
{
  guint16 port;
  g_autoptr(GSocket) peer = gsock_test_udp_socket (&port);
  g_autoptr(GSocketAddress) target = gsock_test_loopback_address (port);
  GsockUdpEndpoint *endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GBytes) too_big = gsock_test_pattern_bytes (101);
  g_autoptr(GBytes) just_fits = gsock_test_pattern_bytes (100);
  g_autoptr(GBytes) got = NULL;
  GError *error = NULL;

  gsock_endpoint_set_max_message_size (GSOCK_ENDPOINT (endpoint), 100);
  g_assert_false (gsock_endpoint_send_bytes (GSOCK_ENDPOINT (endpoint), too_big, target, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);
  g_clear_error (&error);
  g_assert_true (gsock_test_socket_stays_quiet (peer, 100));

  g_assert_true (gsock_endpoint_send_bytes (GSOCK_ENDPOINT (endpoint), just_fits, target, &error));
  g_assert_no_error (error);
  got = gsock_test_socket_receive_from (peer, NULL);
  g_assert_true (g_bytes_equal (got, just_fits));

  close_and_finalize (endpoint);
}

static void
test_send_bytes_exact (void)
{
  static const guint8 binary[] = { 0x00, 0x0a, 0xff, 0x7f, 0x00, 0x80 };
  guint16 port;
  g_autoptr(GSocket) peer = gsock_test_udp_socket (&port);
  g_autoptr(GSocketAddress) target = gsock_test_loopback_address (port);
  GsockUdpEndpoint *endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GBytes) payload = g_bytes_new_static (binary, sizeof binary);
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GSocketAddress) from = NULL;
  GError *error = NULL;

  g_assert_true (gsock_udp_endpoint_bind (endpoint, &error));
  g_assert_no_error (error);
  g_assert_true (gsock_endpoint_send_bytes (GSOCK_ENDPOINT (endpoint), payload, target, &error));
  g_assert_no_error (error);

  got = gsock_test_socket_receive_from (peer, &from);
  gsock_test_assert_bytes (got, binary, sizeof binary);
  g_assert_cmpuint (gsock_test_address_get_port (from), ==,
                    gsock_test_endpoint_get_port (endpoint));

  close_and_finalize (endpoint);
}

/* ---- receive ---- */

static void
test_receive_text_and_sender (Fixture      *fx,
                              gconstpointer data)
{
  guint16 peer_port;
  g_autoptr(GSocket) peer = gsock_test_udp_socket (&peer_port);
  g_autoptr(GSocketAddress) sender = NULL;
  g_autofree char *text = NULL;
  GError *error = NULL;

  gsock_test_socket_send_to (peer, fx->port, "hello", 5);
  text = gsock_endpoint_receive (GSOCK_ENDPOINT (fx->server), &sender, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "hello");
  g_assert_cmpuint (gsock_test_address_get_port (sender), ==, peer_port);
  /* The receive took the message: no signal for it. */
  g_assert_cmpuint (fx->rec.messages->len, ==, 0);
}

/* Datagrams from two peers, interleaved: each message names its own sender (the endpoint
 * keeps the last sender's address object for the next datagram from the same peer). */
static void
test_senders_of_interleaved_peers (Fixture      *fx,
                                   gconstpointer data)
{
  guint16 ports[2];
  g_autoptr(GSocket) a = gsock_test_udp_socket (&ports[0]);
  g_autoptr(GSocket) b = gsock_test_udp_socket (&ports[1]);
  static const guint order[] = { 0, 0, 1, 0, 1, 1, 0 };

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      g_autofree char *text = g_strdup_printf ("%u", i);

      gsock_test_socket_send_to (order[i] == 0 ? a : b, fx->port, text, strlen (text));
      gsock_test_wait_until (fx->rec.messages->len == i + 1);
    }
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      GsockMessage *message = fx->rec.messages->pdata[i];
      g_autofree char *text = g_strdup_printf ("%u", i);

      g_assert_cmpstr (gsock_message_get_text (message, NULL), ==, text);
      g_assert_cmpuint (gsock_test_address_get_port (gsock_message_get_sender (message)), ==,
                        ports[order[i]]);
    }
}

/* A handler that waits in a nested main loop while datagrams keep coming: they wait in the
 * kernel (not read, and not spun on) until it returns, then arrive in order. */
typedef struct
{
  GSocket *peer;
  guint16  port;
  guint    seen;
  guint    during_nested;
  gint64   nested_cpu_us;
} HeldDatagrams;

static void
held_datagram_cb (GsockEndpoint *endpoint,
                  GsockMessage  *message,
                  HeldDatagrams *held)
{
  held->seen++;
  if (held->seen == 1)
    {
      gint64 cpu = gsock_test_cpu_time_us ();

      gsock_test_socket_send_to (held->peer, held->port, "second", 6);
      gsock_test_run_for (NULL, 300);
      held->nested_cpu_us = gsock_test_cpu_time_us () - cpu;
      held->during_nested = held->seen;
    }
}

static void
test_nested_loop_holds_datagrams (Fixture      *fx,
                                  gconstpointer data)
{
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  HeldDatagrams held = { peer, fx->port, 0, 0, 0 };

  g_signal_connect (fx->server, "message-received", G_CALLBACK (held_datagram_cb), &held);
  gsock_test_socket_send_to (peer, fx->port, "first", 5);
  gsock_test_wait_until (fx->rec.messages->len == 2);
  g_assert_cmpstr (gsock_message_get_text (fx->rec.messages->pdata[0], NULL), ==, "first");
  g_assert_cmpstr (gsock_message_get_text (fx->rec.messages->pdata[1], NULL), ==, "second");
  g_assert_cmpuint (held.during_nested, ==, 1);
  /* Waiting, not spinning (a loop woken for the same datagram would use all 300 ms). */
  g_assert_cmpint (held.nested_cpu_us, <, 150 * 1000);
  g_signal_handlers_disconnect_by_data (fx->server, &held);
}

/* A swapped handler gets the user data first and the endpoint last; a class handler (the
 * receipt subclass tests) and a plain one are covered elsewhere: the three ways the
 * message-received marshaller is called. */
typedef struct
{
  GsockEndpoint *endpoint;
  GsockMessage  *message;
} Swapped;

static void
swapped_message_cb (Swapped       *swapped,
                    GsockMessage  *message,
                    GsockEndpoint *endpoint)
{
  swapped->endpoint = endpoint;
  g_clear_pointer (&swapped->message, gsock_message_unref);
  swapped->message = gsock_message_ref (message);
}

static void
test_swapped_handler (Fixture      *fx,
                      gconstpointer data)
{
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  Swapped swapped = { NULL, NULL };

  g_signal_connect_swapped (fx->server, "message-received", G_CALLBACK (swapped_message_cb),
                            &swapped);
  gsock_test_socket_send_to (peer, fx->port, "swapped", 7);
  gsock_test_wait_until (swapped.message != NULL);
  g_assert_true (swapped.endpoint == GSOCK_ENDPOINT (fx->server));
  g_assert_cmpstr (gsock_message_get_text (swapped.message, NULL), ==, "swapped");
  g_signal_handlers_disconnect_by_data (fx->server, &swapped);
  g_clear_pointer (&swapped.message, gsock_message_unref);
}

static void
test_receive_message_keeps_invalid_bytes (Fixture      *fx,
                                          gconstpointer data)
{
  static const guint8 wire[] = { 'b', 'a', 'd', 0xff };
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  g_autoptr(GsockMessage) message = NULL;
  GError *error = NULL;

  gsock_test_socket_send_to (peer, fx->port, wire, sizeof wire);
  message = gsock_endpoint_receive_message (GSOCK_ENDPOINT (fx->server), NULL, &error);
  g_assert_no_error (error);
  gsock_test_assert_bytes (gsock_message_get_bytes (message), wire, sizeof wire);
  g_assert_null (gsock_message_get_text (message, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_TEXT);
  g_clear_error (&error);
}

static void
test_receive_invalid_text (Fixture      *fx,
                           gconstpointer data)
{
  static const guint8 wire[] = { 0xff, 0xfe };
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  g_autoptr(GSocketAddress) sender = NULL;
  g_autofree char *text = NULL;
  GError *error = NULL;

  gsock_test_socket_send_to (peer, fx->port, wire, sizeof wire);
  text = gsock_endpoint_receive (GSOCK_ENDPOINT (fx->server), &sender, NULL, &error);
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_TEXT);
  g_clear_error (&error);
  g_assert_null (text);
}

static void
test_receive_times_out (Fixture      *fx,
                        gconstpointer data)
{
  g_autoptr(GSocketAddress) sender = NULL;
  g_autofree char *text = NULL;
  GError *error = NULL;
  gint64 start, elapsed_ms;

  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (fx->server), 200);
  start = g_get_monotonic_time ();
  text = gsock_endpoint_receive (GSOCK_ENDPOINT (fx->server), &sender, NULL, &error);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;

  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&error);
  g_assert_null (text);
  g_assert_cmpint (elapsed_ms, >=, 150);
  g_assert_cmpint (elapsed_ms, <, 5000);
  /* The endpoint stays usable. */
  g_assert_cmpint (state_of (fx->server), ==, GSOCK_STATE_OPEN);
}

static void
test_receive_message_times_out (Fixture      *fx,
                                gconstpointer data)
{
  g_autoptr(GsockMessage) message = NULL;
  GError *error = NULL;

  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (fx->server), 100);
  message = gsock_endpoint_receive_message (GSOCK_ENDPOINT (fx->server), NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&error);
  g_assert_null (message);
}

static void
test_receive_pre_cancelled (Fixture      *fx,
                            gconstpointer data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *text = NULL;
  GError *error = NULL;

  g_cancellable_cancel (cancellable);
  text = gsock_endpoint_receive (GSOCK_ENDPOINT (fx->server), NULL, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_null (text);
}

static void
test_receive_cancelled_while_waiting (Fixture      *fx,
                                      gconstpointer data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *text = NULL;
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  GError *error = NULL;
  gint64 start, elapsed_ms;

  g_timeout_add (100, cancel_cb, cancellable);
  start = g_get_monotonic_time ();
  text = gsock_endpoint_receive (GSOCK_ENDPOINT (fx->server), NULL, cancellable, &error);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_null (text);
  g_assert_cmpint (elapsed_ms, <, GSOCK_TEST_TIMEOUT_MS / 2);

  /* A datagram arriving afterwards is not swallowed by the cancelled receive. */
  gsock_test_socket_send_to (peer, fx->port, "later", 5);
  gsock_test_wait_until (fx->rec.messages->len == 1);
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[0]), ==, "later");
}

static void
test_receive_fails_when_closed (Fixture      *fx,
                                gconstpointer data)
{
  g_autofree char *text = NULL;
  GError *error = NULL;

  g_timeout_add (100, close_cb, fx->server);
  text = gsock_endpoint_receive (GSOCK_ENDPOINT (fx->server), NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_null (text);
}

static void
test_receive_async_takes_message (Fixture      *fx,
                                  gconstpointer data)
{
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GsockMessage) message = NULL;
  GError *error = NULL;

  gsock_endpoint_receive_async (GSOCK_ENDPOINT (fx->server), NULL, store_result_cb, &result);
  gsock_test_socket_send_to (peer, fx->port, "first", 5);
  gsock_test_wait_until (result != NULL);

  message = gsock_endpoint_receive_finish (GSOCK_ENDPOINT (fx->server), result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (message_text (message), ==, "first");
  g_assert_true (gsock_message_get_endpoint (message) == GSOCK_ENDPOINT (fx->server));
  /* The pending receive got it, so the signal did not fire ... */
  g_assert_cmpuint (fx->rec.messages->len, ==, 0);

  /* ... but with nothing pending it does. */
  gsock_test_socket_send_to (peer, fx->port, "second", 6);
  gsock_test_wait_until (fx->rec.messages->len == 1);
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[0]), ==, "second");
  g_assert_cmpuint (gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (fx->server)), ==, 2);
}

static void
test_receive_async_oldest_first (Fixture      *fx,
                                 gconstpointer data)
{
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  g_autoptr(GAsyncResult) first = NULL;
  g_autoptr(GAsyncResult) second = NULL;
  g_autoptr(GsockMessage) m1 = NULL;
  g_autoptr(GsockMessage) m2 = NULL;
  GError *error = NULL;

  gsock_endpoint_receive_async (GSOCK_ENDPOINT (fx->server), NULL, store_result_cb, &first);
  gsock_endpoint_receive_async (GSOCK_ENDPOINT (fx->server), NULL, store_result_cb, &second);
  gsock_test_socket_send_to (peer, fx->port, "one", 3);
  gsock_test_wait_until (first != NULL);
  g_assert_null (second);
  gsock_test_socket_send_to (peer, fx->port, "two", 3);
  gsock_test_wait_until (second != NULL);

  m1 = gsock_endpoint_receive_finish (GSOCK_ENDPOINT (fx->server), first, &error);
  g_assert_no_error (error);
  m2 = gsock_endpoint_receive_finish (GSOCK_ENDPOINT (fx->server), second, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (message_text (m1), ==, "one");
  g_assert_cmpstr (message_text (m2), ==, "two");
  g_assert_cmpuint (fx->rec.messages->len, ==, 0);
}

static void
test_receive_async_cancelled (Fixture      *fx,
                              gconstpointer data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GsockMessage) message = NULL;
  GError *error = NULL;

  gsock_endpoint_receive_async (GSOCK_ENDPOINT (fx->server), cancellable, store_result_cb,
                                &result);
  gsock_test_run_for (NULL, 50);
  g_assert_null (result);
  g_cancellable_cancel (cancellable);
  gsock_test_wait_until (result != NULL);
  message = gsock_endpoint_receive_finish (GSOCK_ENDPOINT (fx->server), result, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_null (message);

  /* The cancelled receive no longer waits: the next datagram goes to the signal. */
  gsock_test_socket_send_to (peer, fx->port, "after", 5);
  gsock_test_wait_until (fx->rec.messages->len == 1);
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[0]), ==, "after");
}

static void
test_receive_async_fails_when_closed (Fixture      *fx,
                                      gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GsockMessage) message = NULL;
  GError *error = NULL;

  gsock_endpoint_receive_async (GSOCK_ENDPOINT (fx->server), NULL, store_result_cb, &result);
  gsock_endpoint_close (GSOCK_ENDPOINT (fx->server));
  gsock_test_wait_until (result != NULL);
  message = gsock_endpoint_receive_finish (GSOCK_ENDPOINT (fx->server), result, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_null (message);
}

static void
test_empty_datagram (Fixture      *fx,
                     gconstpointer data)
{
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);

  /* A zero-length datagram is a message, not an end of anything. */
  gsock_test_socket_send_to (peer, fx->port, "", 0);
  gsock_test_wait_until (fx->rec.messages->len >= 1);
  g_assert_cmpuint (g_bytes_get_size (gsock_message_get_bytes (fx->rec.messages->pdata[0])), ==,
                    0);
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[0]), ==, "");
  g_assert_cmpint (state_of (fx->server), ==, GSOCK_STATE_OPEN);

  gsock_test_socket_send_to (peer, fx->port, "after", 5);
  gsock_test_wait_until (fx->rec.messages->len >= 2);
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[1]), ==, "after");
  g_assert_cmpuint (fx->rec.errors->len, ==, 0);
}

static void
test_burst_of_datagrams (Fixture      *fx,
                         gconstpointer data)
{
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  guint i, n = 200;

  /* Well within the socket buffer, so loopback drops none. */
  for (i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("datagram %u", i);

      gsock_test_socket_send_to (peer, fx->port, text, strlen (text));
    }
  gsock_test_wait_until (fx->rec.messages->len >= n);
  for (i = 0; i < n; i++)
    {
      g_autofree char *expected = g_strdup_printf ("datagram %u", i);

      g_assert_cmpstr (message_text (fx->rec.messages->pdata[i]), ==, expected);
    }
  g_assert_cmpuint (gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (fx->server)), ==, n);
}

/* ---- oversize datagrams ---- */

static void
test_oversize_datagram_error_signal (Fixture      *fx,
                                     gconstpointer data)
{
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  g_autoptr(GBytes) big = gsock_test_pattern_bytes (200);
  g_autoptr(GBytes) fits = gsock_test_pattern_bytes (100);

  gsock_endpoint_set_max_message_size (GSOCK_ENDPOINT (fx->server), 100);
  gsock_test_socket_send_to (peer, fx->port, g_bytes_get_data (big, NULL), 200);
  gsock_test_wait_until (fx->rec.errors->len == 1);
  g_assert_error ((GError *) fx->rec.errors->pdata[0], GSOCK_ERROR,
                  GSOCK_ERROR_MESSAGE_TOO_LARGE);

  /* Nothing was delivered truncated, and the endpoint still works. */
  gsock_test_socket_send_to (peer, fx->port, g_bytes_get_data (fits, NULL), 100);
  gsock_test_wait_until (fx->rec.messages->len == 1);
  g_assert_true (g_bytes_equal (gsock_message_get_bytes (fx->rec.messages->pdata[0]), fits));
  g_assert_cmpuint (fx->rec.errors->len, ==, 1);
  g_assert_cmpint (state_of (fx->server), ==, GSOCK_STATE_OPEN);
  g_assert_cmpuint (gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (fx->server)), ==, 1);
}

static void
test_oversize_datagram_fails_pending_receive (Fixture      *fx,
                                              gconstpointer data)
{
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  g_autoptr(GBytes) big = gsock_test_pattern_bytes (200);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GsockMessage) message = NULL;
  GError *error = NULL;

  gsock_endpoint_set_max_message_size (GSOCK_ENDPOINT (fx->server), 100);
  gsock_endpoint_receive_async (GSOCK_ENDPOINT (fx->server), NULL, store_result_cb, &result);
  gsock_test_socket_send_to (peer, fx->port, g_bytes_get_data (big, NULL), 200);
  gsock_test_wait_until (result != NULL);

  message = gsock_endpoint_receive_finish (GSOCK_ENDPOINT (fx->server), result, &error);
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);
  g_clear_error (&error);
  g_assert_null (message);
  g_assert_cmpuint (fx->rec.errors->len, ==, 0);
  g_assert_cmpuint (fx->rec.messages->len, ==, 0);
}

static void
test_max_size_datagram_delivered (Fixture      *fx,
                                  gconstpointer data)
{
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  g_autoptr(GBytes) biggest = gsock_test_pattern_bytes (65507);

  /* The default limit is the largest UDP payload over IPv4. */
  gsock_test_socket_send_to (peer, fx->port, g_bytes_get_data (biggest, NULL), 65507);
  gsock_test_wait_until (fx->rec.messages->len == 1);
  g_assert_true (g_bytes_equal (gsock_message_get_bytes (fx->rec.messages->pdata[0]), biggest));
  g_assert_cmpuint (fx->rec.errors->len, ==, 0);
}

/* ---- encodings ---- */

static void
test_gbk_round_trip (Fixture      *fx,
                     gconstpointer data)
{
  GsockUdpEndpoint *client = new_client (fx);
  g_autoptr(GsockMessage) answer = NULL;
  GsockMessage *message;
  GError *error = NULL;

  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (fx->server), "GBK");
  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (client), "GBK");
  fx->rec.reply = "已收到";

  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "你好,世界", fx->address,
                                      &error));
  g_assert_no_error (error);
  answer = gsock_endpoint_receive_message (GSOCK_ENDPOINT (client), NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (fx->rec.messages->len, ==, 1);
  message = fx->rec.messages->pdata[0];
  gsock_test_assert_bytes (gsock_message_get_bytes (message), gbk_hello_world,
                           sizeof gbk_hello_world);
  g_assert_cmpstr (message_text (message), ==, "你好,世界");

  gsock_test_assert_bytes (gsock_message_get_bytes (answer), gbk_received, sizeof gbk_received);
  g_assert_cmpstr (message_text (answer), ==, "已收到");
}

static void
test_gbk_text_into_utf8_receiver (Fixture      *fx,
                                  gconstpointer data)
{
  GsockUdpEndpoint *client = new_client (fx);
  GError *error = NULL;

  /* The receiver expects UTF-8 and gets GBK: the message arrives, its text does not. */
  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (client), "GBK");
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "你好,世界", fx->address,
                                      &error));
  g_assert_no_error (error);
  gsock_test_wait_until (fx->rec.messages->len == 1);
  g_assert_null (gsock_message_get_text (fx->rec.messages->pdata[0], &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_TEXT);
  g_clear_error (&error);
  gsock_test_assert_bytes (gsock_message_get_bytes (fx->rec.messages->pdata[0]),
                           gbk_hello_world, sizeof gbk_hello_world);
}

/* ---- send_data from a handler: sent at once, with the checks of any send ---- */

static void
send_data_checks_cb (GsockEndpoint *endpoint,
                     GsockMessage  *message,
                     GPtrArray     *errors)
{
  gsize size;
  const guint8 *data = gsock_message_get_data (message, &size);
  GError *error = NULL;

  g_assert_false (gsock_endpoint_send_data (endpoint, data, size, NULL, &error));
  g_ptr_array_add (errors, error);
  error = NULL;
  g_assert_true (gsock_message_reply_data (message, data, size, &error));
  g_assert_no_error (error);
  gsock_endpoint_close (endpoint);
  g_assert_false (gsock_message_reply_data (message, data, size, &error));
  g_ptr_array_add (errors, error);
}

static void
test_send_data_from_handler (Fixture      *fx,
                             gconstpointer data)
{
  GsockUdpEndpoint *client = new_client (fx);
  g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GSocketAddress) sender = NULL;
  g_autofree char *answer = NULL;
  GError *error = NULL;

  g_signal_connect (fx->server, "message-received", G_CALLBACK (send_data_checks_cb), errors);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "echo me", fx->address, &error));
  g_assert_no_error (error);
  answer = gsock_endpoint_receive (GSOCK_ENDPOINT (client), &sender, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answer, ==, "echo me");

  g_assert_cmpuint (errors->len, ==, 2);
  g_assert_error ((GError *) errors->pdata[0], GSOCK_ERROR, GSOCK_ERROR_NO_DESTINATION);
  g_assert_error ((GError *) errors->pdata[1], G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (GSOCK_ENDPOINT (fx->server)), ==, 1);
  g_signal_handlers_disconnect_by_data (fx->server, errors);
}

/* ---- a subclass ---- */

#define TEST_TYPE_RECEIPT_SERVER (test_receipt_server_get_type ())
G_DECLARE_FINAL_TYPE (TestReceiptServer, test_receipt_server, TEST, RECEIPT_SERVER,
                      GsockUdpEndpoint)

struct _TestReceiptServer
{
  GsockUdpEndpoint parent_instance;
  guint            n_handled;
  guint            n_sends;
  char            *last_text;
};

G_DEFINE_FINAL_TYPE (TestReceiptServer, test_receipt_server, GSOCK_TYPE_UDP_ENDPOINT)

static void
test_receipt_server_message_received (GsockEndpoint *endpoint,
                                      GsockMessage  *message)
{
  TestReceiptServer *self = TEST_RECEIPT_SERVER (endpoint);
  GError *error = NULL;

  self->n_handled++;
  g_free (self->last_text);
  self->last_text = g_strdup (message_text (message));
  /* reply_data() goes through the send_bytes() below. */
  g_assert_true (gsock_message_reply_data (message, (const guint8 *) "已收到", strlen ("已收到"),
                                           &error));
  g_assert_no_error (error);
}

static gboolean
test_receipt_server_send_bytes (GsockEndpoint  *endpoint,
                                GBytes         *payload,
                                GSocketAddress *target,
                                GError        **error)
{
  TEST_RECEIPT_SERVER (endpoint)->n_sends++;
  return GSOCK_ENDPOINT_CLASS (test_receipt_server_parent_class)->send_bytes (endpoint, payload,
                                                                              target, error);
}

static void
test_receipt_server_finalize (GObject *object)
{
  TestReceiptServer *self = TEST_RECEIPT_SERVER (object);

  g_free (self->last_text);
  G_OBJECT_CLASS (test_receipt_server_parent_class)->finalize (object);
}

static void
test_receipt_server_class_init (TestReceiptServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_receipt_server_finalize;
  GSOCK_ENDPOINT_CLASS (klass)->message_received = test_receipt_server_message_received;
  GSOCK_ENDPOINT_CLASS (klass)->send_bytes = test_receipt_server_send_bytes;
}

static void
test_receipt_server_init (TestReceiptServer *self)
{
}

static void
count_message_cb (GsockEndpoint *endpoint,
                  GsockMessage  *message,
                  guint         *count)
{
  (*count)++;
}

static void
test_subclass_overrides_message_received (void)
{
  TestReceiptServer *server = g_object_new (TEST_TYPE_RECEIPT_SERVER,
                                            "host", "127.0.0.1", "port", 0, NULL);
  GsockUdpEndpoint *client = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) target = NULL;
  g_autoptr(GSocketAddress) sender = NULL;
  g_autofree char *answer = NULL;
  guint handler_calls = 0;
  GError *error = NULL;

  g_signal_connect (server, "message-received", G_CALLBACK (count_message_cb), &handler_calls);
  g_assert_true (gsock_udp_endpoint_bind (GSOCK_UDP_ENDPOINT (server), &error));
  g_assert_no_error (error);
  target = gsock_test_loopback_address (gsock_test_endpoint_get_port (server));

  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), GSOCK_TEST_TIMEOUT_MS);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "Hello Server", target, &error));
  g_assert_no_error (error);
  answer = gsock_endpoint_receive (GSOCK_ENDPOINT (client), &sender, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (answer, ==, "已收到");
  g_assert_cmpuint (server->n_handled, ==, 1);
  g_assert_cmpuint (server->n_sends, ==, 1);
  g_assert_cmpstr (server->last_text, ==, "Hello Server");
  /* Signal handlers still run alongside the class handler. */
  g_assert_cmpuint (handler_calls, ==, 1);

  close_and_finalize (client);
  close_and_finalize (GSOCK_UDP_ENDPOINT (server));
}

/* ---- counters ---- */

static void
test_counters_move_and_notify (Fixture      *fx,
                               gconstpointer data)
{
  GsockUdpEndpoint *client = new_client (fx);
  GsockEndpoint *c = GSOCK_ENDPOINT (client);
  GsockEndpoint *s = GSOCK_ENDPOINT (fx->server);
  guint bytes_sent = 0, messages_sent = 0, bytes_received = 0, messages_received = 0;
  const char *texts[] = { "a", "bb", "已收到" };
  guint64 total = 0;
  guint i;

  g_signal_connect (client, "notify::bytes-sent", G_CALLBACK (count_cb), &bytes_sent);
  g_signal_connect (client, "notify::messages-sent", G_CALLBACK (count_cb), &messages_sent);
  g_signal_connect (fx->server, "notify::bytes-received", G_CALLBACK (count_cb),
                    &bytes_received);
  g_signal_connect (fx->server, "notify::messages-received", G_CALLBACK (count_cb),
                    &messages_received);

  for (i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      GError *error = NULL;

      g_assert_true (gsock_endpoint_send (c, texts[i], fx->address, &error));
      g_assert_no_error (error);
      total += strlen (texts[i]);
    }
  gsock_test_wait_until (fx->rec.messages->len == G_N_ELEMENTS (texts));

  g_assert_cmpuint (gsock_endpoint_get_messages_sent (c), ==, 3);
  g_assert_cmpuint (gsock_endpoint_get_bytes_sent (c), ==, total);
  g_assert_cmpuint (gsock_endpoint_get_messages_received (c), ==, 0);
  g_assert_cmpuint (gsock_endpoint_get_bytes_received (c), ==, 0);
  g_assert_cmpuint (gsock_endpoint_get_messages_received (s), ==, 3);
  g_assert_cmpuint (gsock_endpoint_get_bytes_received (s), ==, total);
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (s), ==, 0);
  g_assert_cmpuint (gsock_endpoint_get_bytes_sent (s), ==, 0);

  g_assert_cmpuint (bytes_sent, >=, 1);
  g_assert_cmpuint (messages_sent, >=, 1);
  g_assert_cmpuint (bytes_received, >=, 1);
  g_assert_cmpuint (messages_received, >=, 1);

  /* The properties read the same as the getters. */
  {
    guint64 prop = 0;

    g_object_get (fx->server, "messages-received", &prop, NULL);
    g_assert_cmpuint (prop, ==, 3);
    g_object_get (client, "bytes-sent", &prop, NULL);
    g_assert_cmpuint (prop, ==, total);
  }
  g_signal_handlers_disconnect_by_data (client, &bytes_sent);
  g_signal_handlers_disconnect_by_data (client, &messages_sent);
  g_signal_handlers_disconnect_by_data (fx->server, &bytes_received);
  g_signal_handlers_disconnect_by_data (fx->server, &messages_received);
}

/* ---- broadcast ---- */

static void
test_broadcast_property (Fixture      *fx,
                         gconstpointer data)
{
  GsockUdpEndpoint *client = new_client (fx);
  guint notifies = 0;
  GError *error = NULL;

  g_signal_connect (client, "notify::broadcast", G_CALLBACK (count_cb), &notifies);
  g_assert_false (gsock_udp_endpoint_get_broadcast (client));
  gsock_udp_endpoint_set_broadcast (client, TRUE);
  g_assert_true (gsock_udp_endpoint_get_broadcast (client));
  g_assert_cmpuint (notifies, ==, 1);

  /* A broadcast-enabled socket still sends unicast. */
  g_assert_true (gsock_udp_endpoint_bind (client, &error));
  g_assert_no_error (error);
  g_assert_true (gsock_udp_endpoint_get_broadcast (client));
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "to one", fx->address, &error));
  g_assert_no_error (error);
  gsock_test_wait_until (fx->rec.messages->len == 1);

  /* It can be switched on an open socket too. */
  gsock_udp_endpoint_set_broadcast (fx->server, TRUE);
  g_assert_true (gsock_udp_endpoint_get_broadcast (fx->server));
  gsock_udp_endpoint_set_broadcast (client, FALSE);
  g_assert_false (gsock_udp_endpoint_get_broadcast (client));
  g_assert_cmpuint (notifies, ==, 2);
  g_signal_handlers_disconnect_by_data (client, &notifies);
}

/* ---- receive buffer and drops ---- */

static void
test_receive_buffer_size (void)
{
  GsockUdpEndpoint *endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  guint notifies = 0;
  guint size = 1;
  guint default_size;
  GError *error = NULL;

  g_signal_connect (endpoint, "notify::receive-buffer-size", G_CALLBACK (count_cb), &notifies);
  g_assert_cmpuint (gsock_udp_endpoint_get_receive_buffer_size (endpoint), ==, 0);
  g_object_get (endpoint, "receive-buffer-size", &size, NULL);
  g_assert_cmpuint (size, ==, 0);

  /* Unbound, it reads what was asked for. */
  gsock_udp_endpoint_set_receive_buffer_size (endpoint, 65536);
  gsock_udp_endpoint_set_receive_buffer_size (endpoint, 65536);
  g_assert_cmpuint (gsock_udp_endpoint_get_receive_buffer_size (endpoint), ==, 65536);
  g_assert_cmpuint (notifies, ==, 1);

  /* Bound, it reads what the kernel made of it: Linux doubles the request. */
  g_assert_true (gsock_udp_endpoint_bind (endpoint, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (gsock_udp_endpoint_get_receive_buffer_size (endpoint), ==, 2 * 65536);
  g_assert_cmpuint (notifies, ==, 2);

  /* On a bound endpoint it changes at once. */
  g_object_set (endpoint, "receive-buffer-size", 32768, NULL);
  g_assert_cmpuint (gsock_udp_endpoint_get_receive_buffer_size (endpoint), ==, 2 * 32768);
  g_assert_cmpuint (notifies, ==, 3);

  /* Closed, it reads the request again. */
  gsock_endpoint_close (GSOCK_ENDPOINT (endpoint));
  g_assert_cmpuint (gsock_udp_endpoint_get_receive_buffer_size (endpoint), ==, 32768);
  g_assert_cmpuint (notifies, ==, 4);
  g_signal_handlers_disconnect_by_data (endpoint, &notifies);
  close_and_finalize (endpoint);

  /* 0 leaves the system default, which a bound endpoint reports. */
  endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_assert_true (gsock_udp_endpoint_bind (endpoint, &error));
  g_assert_no_error (error);
  default_size = gsock_udp_endpoint_get_receive_buffer_size (endpoint);
  g_assert_cmpuint (default_size, >, 0);
  {
    g_autofree char *text = NULL;

    if (g_file_get_contents ("/proc/sys/net/core/rmem_default", &text, NULL, NULL))
      g_assert_cmpuint (default_size, ==, g_ascii_strtoull (text, NULL, 10));
  }
  close_and_finalize (endpoint);
}

static void
test_datagrams_dropped (Fixture      *fx,
                        gconstpointer data)
{
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  GsockEndpoint *server = GSOCK_ENDPOINT (fx->server);
  guint notifies = 0;
  guint64 dropped = 0;
  guint i, n = 500;
  char text[100];

  g_signal_connect (fx->server, "notify::datagrams-dropped", G_CALLBACK (count_cb), &notifies);
  g_assert_cmpuint (gsock_udp_endpoint_get_datagrams_dropped (fx->server), ==, 0);
  /* The smallest buffer the kernel allows holds only a handful of datagrams. */
  gsock_udp_endpoint_set_receive_buffer_size (fx->server, 1);

  /* A flood while the main context does not run: the kernel has to drop most of it. */
  memset (text, 'x', sizeof text);
  for (i = 0; i < n; i++)
    gsock_test_socket_send_to (peer, fx->port, text, sizeof text);

  gsock_test_wait_until (gsock_endpoint_get_messages_received (server)
                           + gsock_udp_endpoint_get_datagrams_dropped (fx->server) >= n);
  gsock_test_run_for (NULL, 50);
  g_object_get (fx->server, "datagrams-dropped", &dropped, NULL);
  g_test_message ("%" G_GUINT64_FORMAT " received, %" G_GUINT64_FORMAT " dropped of %u",
                  gsock_endpoint_get_messages_received (server), dropped, n);
  g_assert_cmpuint (dropped, >, 0);
  g_assert_cmpuint (gsock_endpoint_get_messages_received (server), <, n);
  g_assert_cmpuint (gsock_endpoint_get_messages_received (server) + dropped, ==, n);
  g_assert_cmpuint (notifies, >=, 1);
  g_assert_cmpuint (fx->rec.errors->len, ==, 0);

  /* The endpoint still works, and the count only moves on new drops. */
  gsock_test_socket_send_to (peer, fx->port, "after", 5);
  gsock_test_wait_until (gsock_endpoint_get_messages_received (server) + dropped == n + 1);
  g_assert_cmpuint (gsock_udp_endpoint_get_datagrams_dropped (fx->server), ==, dropped);
  g_signal_handlers_disconnect_by_data (fx->server, &notifies);
}

#define BURST_DATAGRAMS 400
#define BURST_DATAGRAM_SIZE 100

/* How many datagrams of BURST_DATAGRAM_SIZE bytes a socket with SO_RCVBUF @rcvbuf holds of a
 * burst it does not read. */
static guint
datagrams_held (gint rcvbuf)
{
  guint16 port;
  g_autoptr(GSocket) socket = gsock_test_udp_socket (&port);
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  char buffer[BURST_DATAGRAM_SIZE] = { 0 };
  guint held = 0;

  g_assert_true (g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, rcvbuf, NULL));
  for (guint i = 0; i < BURST_DATAGRAMS; i++)
    gsock_test_socket_send_to (peer, port, buffer, sizeof buffer);
  while (g_socket_receive (socket, buffer, sizeof buffer, NULL, NULL) > 0)
    held++;
  return held;
}

/* A burst the kernel held exactly a multiple of 64 datagrams of (the most one dispatch reads)
 * ends with a dispatch that read a whole batch: the drops after the last datagram held are
 * carried by no datagram, and were counted only once another datagram came. */
static void
test_datagrams_dropped_current_after_a_whole_batch (void)
{
  g_autoptr(GsockUdpEndpoint) endpoint = NULL;
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  GsockEndpoint *server;
  char text[BURST_DATAGRAM_SIZE];
  gint rcvbuf = 0;
  guint16 port;

  /* The receive buffer that holds exactly 64 datagrams of the burst on this machine. */
  for (gint size = 2048; size <= 256 * 1024 && rcvbuf == 0; size += 64)
    {
      guint held = datagrams_held (size);

      if (held == 64 && datagrams_held (size) == 64)
        rcvbuf = size;
      else if (held > 64)
        break;
    }
  if (rcvbuf == 0)
    {
      g_test_skip ("no receive buffer size holds exactly 64 datagrams here");
      return;
    }

  endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  server = GSOCK_ENDPOINT (endpoint);
  gsock_endpoint_set_max_message_size (server, BURST_DATAGRAM_SIZE);
  gsock_udp_endpoint_set_receive_buffer_size (endpoint, rcvbuf);
  g_assert_true (gsock_udp_endpoint_bind (endpoint, NULL));
  port = gsock_endpoint_get_local_port (server);

  memset (text, 'x', sizeof text);
  for (guint i = 0; i < BURST_DATAGRAMS; i++)
    gsock_test_socket_send_to (peer, port, text, sizeof text);
  gsock_test_wait_until (gsock_endpoint_get_messages_received (server) >= 64);
  gsock_test_run_for (NULL, 50);

  g_test_message ("SO_RCVBUF %d: %" G_GUINT64_FORMAT " received, %" G_GUINT64_FORMAT
                  " dropped of %u", rcvbuf, gsock_endpoint_get_messages_received (server),
                  gsock_udp_endpoint_get_datagrams_dropped (endpoint), BURST_DATAGRAMS);
  g_assert_cmpuint (gsock_endpoint_get_messages_received (server) +
                    gsock_udp_endpoint_get_datagrams_dropped (endpoint), ==, BURST_DATAGRAMS);
  gsock_endpoint_close (server);
}

/* ---- datagrams over Unix sockets: sizes, descriptors, the send queue ---- */

static GSocketAddress *
abstract_address (const char *what)
{
  static guint counter;
  g_autofree char *name = g_strdup_printf ("gsock-test-%d-%s-%u", (int) getpid (), what,
                                           counter++);

  return g_unix_socket_address_new_with_type (name, -1, G_UNIX_SOCKET_ADDRESS_ABSTRACT);
}

static GSocket *
unix_datagram_socket (GSocketAddress *address)
{
  GError *error = NULL;
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM,
                                  G_SOCKET_PROTOCOL_DEFAULT, &error);

  g_assert_no_error (error);
  g_socket_set_blocking (socket, FALSE);
  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  g_assert_no_error (error);
  return socket;
}

static GsockUdpEndpoint *
unix_endpoint (GSocketAddress *address)
{
  GsockUdpEndpoint *endpoint = gsock_udp_endpoint_new (NULL, 0);
  GError *error = NULL;

  gsock_endpoint_set_address (GSOCK_ENDPOINT (endpoint), address);
  g_assert_true (gsock_udp_endpoint_bind (endpoint, &error));
  g_assert_no_error (error);
  return endpoint;
}

static void
test_large_unix_datagrams (void)
{
  g_autoptr(GSocketAddress) address = abstract_address ("large");
  g_autoptr(GSocketAddress) peer_address = abstract_address ("large-peer");
  g_autoptr(GSocket) peer = unix_datagram_socket (peer_address);
  GsockUdpEndpoint *endpoint = unix_endpoint (address);
  g_autoptr(GBytes) fits = gsock_test_pattern_bytes (100000);
  g_autoptr(GBytes) too_big = gsock_test_pattern_bytes (150000);
  GError *error = NULL;
  Recorder rec;

  recorder_init (&rec);
  recorder_connect (&rec, GSOCK_ENDPOINT (endpoint));
  /* Larger than any UDP datagram: the read buffer has to follow the limit. */
  gsock_endpoint_set_max_message_size (GSOCK_ENDPOINT (endpoint), 120000);

  g_socket_send_to (peer, address, g_bytes_get_data (fits, NULL), 100000, NULL, &error);
  g_assert_no_error (error);
  gsock_test_wait_until (rec.messages->len == 1);
  g_assert_true (g_bytes_equal (gsock_message_get_bytes (rec.messages->pdata[0]), fits));
  g_assert_true (G_IS_UNIX_SOCKET_ADDRESS (gsock_message_get_sender (rec.messages->pdata[0])));

  /* Above the limit: an error with its real size, never a cut message. */
  g_socket_send_to (peer, address, g_bytes_get_data (too_big, NULL), 150000, NULL, &error);
  g_assert_no_error (error);
  gsock_test_wait_until (rec.errors->len == 1);
  g_assert_error ((GError *) rec.errors->pdata[0], GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);
  g_assert_nonnull (strstr (((GError *) rec.errors->pdata[0])->message, "150000"));
  g_assert_cmpuint (rec.messages->len, ==, 1);

  recorder_clear (&rec);
  close_and_finalize (endpoint);
}

/* A datagram from an unbound Unix socket has no sender: receive says so with NULL (it emitted
 * a critical, a g_object_ref (NULL), before). */
static void
test_receive_from_unnamed_sender (void)
{
  g_autoptr(GSocketAddress) address = abstract_address ("unnamed");
  g_autoptr(GSocket) peer = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM,
                                          G_SOCKET_PROTOCOL_DEFAULT, NULL);
  GsockUdpEndpoint *endpoint = unix_endpoint (address);
  g_autoptr(GSocketAddress) sender = NULL;
  g_autofree char *text = NULL;
  GError *error = NULL;

  g_assert_nonnull (peer);
  g_socket_send_to (peer, address, "anon", 4, NULL, &error);
  g_assert_no_error (error);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (endpoint), GSOCK_TEST_TIMEOUT_MS);
  text = gsock_endpoint_receive (GSOCK_ENDPOINT (endpoint), &sender, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "anon");
  g_assert_null (sender);

  close_and_finalize (endpoint);
}

static void
test_passed_descriptors_are_closed (void)
{
  g_autoptr(GSocketAddress) address = abstract_address ("fds");
  g_autoptr(GSocketAddress) peer_address = abstract_address ("fds-peer");
  g_autoptr(GSocket) peer = unix_datagram_socket (peer_address);
  GsockUdpEndpoint *endpoint = unix_endpoint (address);
  GError *error = NULL;
  guint before, i;
  Recorder rec;

  recorder_init (&rec);
  recorder_connect (&rec, GSOCK_ENDPOINT (endpoint));
  before = gsock_test_count_open_fds ();

  /* A local peer sends descriptors along with its datagrams: none may stay open here. */
  for (i = 0; i < 20; i++)
    {
      g_autoptr(GSocketControlMessage) fds = g_unix_fd_message_new ();
      GOutputVector vector = { "fd", 2 };

      g_assert_true (g_unix_fd_message_append_fd (G_UNIX_FD_MESSAGE (fds), 0, &error));
      g_assert_true (g_unix_fd_message_append_fd (G_UNIX_FD_MESSAGE (fds), 1, &error));
      g_assert_no_error (error);
      g_socket_send_message (peer, address, &vector, 1, &fds, 1, 0, NULL, &error);
      g_assert_no_error (error);
      gsock_test_wait_until (rec.messages->len == i + 1);
    }
  g_assert_cmpuint (gsock_test_count_open_fds (), ==, before);

  recorder_clear (&rec);
  close_and_finalize (endpoint);
}

static void
test_send_queue_keeps_order (void)
{
  g_autoptr(GSocketAddress) address = abstract_address ("queue");
  g_autoptr(GSocketAddress) peer_address = abstract_address ("queue-peer");
  g_autoptr(GSocket) peer = unix_datagram_socket (peer_address);
  GsockUdpEndpoint *endpoint = unix_endpoint (address);
  GsockEndpoint *ep = GSOCK_ENDPOINT (endpoint);
  GError *error = NULL;
  guint i, n = 200;
  gint64 start;

  /* The peer reads nothing yet: a Unix datagram socket takes only a few datagrams
   * (net.unix.max_dgram_qlen) before a send would block. Loopback UDP never blocks, so this is
   * where the queue can be seen at work. */
  start = g_get_monotonic_time ();
  for (i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("datagram %u", i);

      g_assert_true (gsock_endpoint_send (ep, text, peer_address, &error));
      g_assert_no_error (error);
    }
  /* None of it waited. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  g_assert_cmpuint (gsock_udp_endpoint_get_queued_datagrams (endpoint), >, 0);
  g_assert_cmpuint (gsock_udp_endpoint_get_queued_datagrams (endpoint), <, n);
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (ep), ==, n);
  g_assert_cmpuint (gsock_endpoint_get_bytes_sent (ep), <, n * strlen ("datagram 0"));

  /* As the peer reads, the queue drains, in order. */
  for (i = 0; i < n; i++)
    {
      g_autofree char *expected = g_strdup_printf ("datagram %u", i);
      g_autoptr(GBytes) got = gsock_test_socket_receive_from (peer, NULL);

      gsock_test_assert_bytes (got, expected, strlen (expected));
    }
  g_assert_cmpuint (gsock_udp_endpoint_get_queued_datagrams (endpoint), ==, 0);
  g_assert_true (gsock_test_socket_stays_quiet (peer, 50));

  close_and_finalize (endpoint);
}

static void
test_send_queue_is_bounded (void)
{
  g_autoptr(GSocketAddress) address = abstract_address ("bounded");
  g_autoptr(GSocketAddress) peer_address = abstract_address ("bounded-peer");
  g_autoptr(GSocket) peer = unix_datagram_socket (peer_address);
  GsockUdpEndpoint *endpoint = unix_endpoint (address);
  GsockEndpoint *ep = GSOCK_ENDPOINT (endpoint);
  g_autoptr(GBytes) big = gsock_test_pattern_bytes (60000);
  GError *error = NULL;
  guint accepted = 0;
  guint i;

  /* By count: at most 1024 datagrams wait. */
  for (i = 0; i < 2000; i++)
    {
      if (!gsock_endpoint_send (ep, "x", peer_address, &error))
        break;
      accepted++;
    }
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_QUEUE_FULL);
  g_clear_error (&error);
  g_assert_cmpuint (gsock_udp_endpoint_get_queued_datagrams (endpoint), ==, 1024);
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (ep), ==, accepted);
  g_assert_cmpint (state_of (endpoint), ==, GSOCK_STATE_OPEN);

  /* Abort drops them all at once. */
  gsock_endpoint_abort (ep);
  g_assert_cmpint (state_of (endpoint), ==, GSOCK_STATE_CLOSED);
  g_assert_cmpuint (gsock_udp_endpoint_get_queued_datagrams (endpoint), ==, 0);
  g_assert_finalize_object (endpoint);

  /* By size: at most 4 MiB wait (the peer's queue is still full, so every one waits). */
  endpoint = unix_endpoint (address);
  ep = GSOCK_ENDPOINT (endpoint);
  accepted = 0;
  for (i = 0; i < 200; i++)
    {
      if (!gsock_endpoint_send_bytes (ep, big, peer_address, &error))
        break;
      accepted++;
    }
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_QUEUE_FULL);
  g_clear_error (&error);
  g_assert_cmpuint (gsock_udp_endpoint_get_queued_datagrams (endpoint) * 60000, <=,
                    4 * 1024 * 1024);
  g_assert_cmpuint (gsock_udp_endpoint_get_queued_datagrams (endpoint) * 60000, >,
                    4 * 1024 * 1024 - 60000);
  gsock_endpoint_abort (ep);
  g_assert_finalize_object (endpoint);
}

static void
test_close_flushes_send_queue (void)
{
  g_autoptr(GSocketAddress) address = abstract_address ("flush");
  g_autoptr(GSocketAddress) peer_address = abstract_address ("flush-peer");
  g_autoptr(GSocket) peer = unix_datagram_socket (peer_address);
  GsockUdpEndpoint *endpoint = unix_endpoint (address);
  GsockEndpoint *ep = GSOCK_ENDPOINT (endpoint);
  g_autoptr(GAsyncResult) result = NULL;
  GError *error = NULL;
  guint i, n = 50;

  for (i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("%u", i);

      g_assert_true (gsock_endpoint_send (ep, text, peer_address, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpuint (gsock_udp_endpoint_get_queued_datagrams (endpoint), >, 0);

  /* A graceful close waits for the queue ... */
  gsock_endpoint_close_async (ep, NULL, store_result_cb, &result);
  g_assert_cmpint (state_of (endpoint), ==, GSOCK_STATE_CLOSING);
  g_assert_false (gsock_endpoint_send (ep, "late", peer_address, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);
  gsock_test_run_for (NULL, 50);
  g_assert_null (result);

  /* ... which goes out, in order, as the peer reads; then the close completes. */
  for (i = 0; i < n; i++)
    {
      g_autofree char *expected = g_strdup_printf ("%u", i);
      g_autoptr(GBytes) got = gsock_test_socket_receive_from (peer, NULL);

      gsock_test_assert_bytes (got, expected, strlen (expected));
    }
  gsock_test_wait_until (result != NULL);
  g_assert_true (gsock_endpoint_close_finish (ep, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state_of (endpoint), ==, GSOCK_STATE_CLOSED);
  g_assert_true (gsock_test_socket_stays_quiet (peer, 50));

  g_clear_object (&result);
  gsock_test_drain (NULL);
  g_assert_finalize_object (endpoint);
}

static void
test_queued_send_failure_is_reported (void)
{
  g_autoptr(GSocketAddress) address = abstract_address ("fail");
  g_autoptr(GSocketAddress) peer_address = abstract_address ("fail-peer");
  GSocket *peer = unix_datagram_socket (peer_address);
  GsockUdpEndpoint *endpoint = unix_endpoint (address);
  GsockEndpoint *ep = GSOCK_ENDPOINT (endpoint);
  GError *error = NULL;
  Recorder rec;
  guint i, n = 30;

  recorder_init (&rec);
  recorder_connect (&rec, ep);
  for (i = 0; i < n; i++)
    {
      g_assert_true (gsock_endpoint_send (ep, "doomed", peer_address, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpuint (gsock_udp_endpoint_get_queued_datagrams (endpoint), >, 0);

  /* The peer goes away: what is queued for it fails, through the error signal, and the
   * queue empties instead of waiting forever. */
  g_socket_close (peer, NULL);
  g_object_unref (peer);
  gsock_test_wait_until (gsock_udp_endpoint_get_queued_datagrams (endpoint) == 0);
  g_assert_cmpuint (rec.errors->len, >, 0);
  g_assert_error ((GError *) rec.errors->pdata[0], G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_cmpint (state_of (endpoint), ==, GSOCK_STATE_OPEN);

  recorder_clear (&rec);
  close_and_finalize (endpoint);
}

/* reuse-port: endpoints that all ask for it bind one port, and each gets datagrams; without
 * it, the second bind is refused. */
static void
test_reuse_port_binds_one_port_twice (void)
{
  g_autoptr(GsockUdpEndpoint) first = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GsockUdpEndpoint) second = NULL;
  g_autoptr(GsockUdpEndpoint) refused = NULL;
  g_autoptr(GError) error = NULL;
  gboolean reuse = FALSE;
  guint16 port;

  g_assert_false (gsock_udp_endpoint_get_reuse_port (first));
  g_object_set (first, "reuse-port", TRUE, NULL);
  g_object_get (first, "reuse-port", &reuse, NULL);
  g_assert_true (reuse);
  g_assert_true (gsock_udp_endpoint_bind (first, &error));
  g_assert_no_error (error);
  port = gsock_endpoint_get_local_port (GSOCK_ENDPOINT (first));

  second = gsock_udp_endpoint_new ("127.0.0.1", port);
  gsock_udp_endpoint_set_reuse_port (second, TRUE);
  g_assert_true (gsock_udp_endpoint_bind (second, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (gsock_endpoint_get_local_port (GSOCK_ENDPOINT (second)), ==, port);

  refused = gsock_udp_endpoint_new ("127.0.0.1", port);
  g_assert_false (gsock_udp_endpoint_bind (refused, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_clear_error (&error);

  /* Datagrams from many senders reach one or the other, every one of them. */
  for (guint i = 0; i < 32; i++)
    {
      g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);

      gsock_test_socket_send_to (peer, port, "hi", 2);
    }
  gsock_test_wait_until (gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (first)) +
                         gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (second)) == 32);
  gsock_endpoint_close (GSOCK_ENDPOINT (first));
  gsock_endpoint_close (GSOCK_ENDPOINT (second));
}

static void
echo_view_cb (GsockEndpoint    *endpoint,
              GsockMessageView *view,
              gpointer          user_data)
{
  gsize size;
  const guint8 *data = gsock_message_view_get_data (view, &size);

  gsock_message_view_reply_data (view, data, size, NULL);
}

/* A bound datagram socket made elsewhere is served as it is, closed with the endpoint;
 * anything else is refused. */
static void
test_new_for_socket_serves_it (void)
{
  guint16 port;
  g_autoptr(GSocket) given = gsock_test_udp_socket (&port);
  g_autoptr(GSocket) unbound = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                             G_SOCKET_PROTOCOL_UDP, NULL);
  guint16 stream_port;
  g_autoptr(GSocket) stream = gsock_test_tcp_listen (1, &stream_port);
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  g_autoptr(GsockUdpEndpoint) endpoint = NULL;
  g_autoptr(GBytes) echo = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_null (gsock_udp_endpoint_new_for_socket (unbound, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (gsock_udp_endpoint_new_for_socket (stream, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  endpoint = gsock_udp_endpoint_new_for_socket (given, &error);
  g_assert_no_error (error);
  gsock_endpoint_set_message_handler (GSOCK_ENDPOINT (endpoint), echo_view_cb, NULL, NULL);
  g_assert_true (gsock_udp_endpoint_bind (endpoint, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (gsock_endpoint_get_local_port (GSOCK_ENDPOINT (endpoint)), ==, port);

  gsock_test_socket_send_to (peer, port, "given", 5);
  echo = gsock_test_socket_receive_from (peer, NULL);
  gsock_test_assert_bytes (echo, "given", 5);

  g_assert_false (g_socket_is_closed (given));
  gsock_endpoint_close (GSOCK_ENDPOINT (endpoint));
  g_assert_true (g_socket_is_closed (given));
}

/* ---- multicast ---- */

static void
test_multicast_properties (void)
{
  GsockUdpEndpoint *endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  guint ttl_notifies = 0, loop_notifies = 0;
  guint ttl = 0;
  gboolean loopback = FALSE;
  GError *error = NULL;

  g_object_get (endpoint, "multicast-ttl", &ttl, "multicast-loopback", &loopback, NULL);
  g_assert_cmpuint (ttl, ==, 1);
  g_assert_true (loopback);

  g_signal_connect (endpoint, "notify::multicast-ttl", G_CALLBACK (count_cb), &ttl_notifies);
  g_signal_connect (endpoint, "notify::multicast-loopback", G_CALLBACK (count_cb),
                    &loop_notifies);
  gsock_udp_endpoint_set_multicast_ttl (endpoint, 4);
  gsock_udp_endpoint_set_multicast_ttl (endpoint, 4);
  gsock_udp_endpoint_set_multicast_loopback (endpoint, FALSE);
  gsock_udp_endpoint_set_multicast_loopback (endpoint, FALSE);
  g_assert_cmpuint (gsock_udp_endpoint_get_multicast_ttl (endpoint), ==, 4);
  g_assert_false (gsock_udp_endpoint_get_multicast_loopback (endpoint));
  g_assert_cmpuint (ttl_notifies, ==, 1);
  g_assert_cmpuint (loop_notifies, ==, 1);

  /* They carry over to the socket, and change on an open one too. */
  g_assert_true (gsock_udp_endpoint_bind (endpoint, &error));
  g_assert_no_error (error);
  g_object_set (endpoint, "multicast-ttl", 2, "multicast-loopback", TRUE, NULL);
  g_assert_cmpuint (gsock_udp_endpoint_get_multicast_ttl (endpoint), ==, 2);
  g_assert_true (gsock_udp_endpoint_get_multicast_loopback (endpoint));
  g_assert_cmpuint (ttl_notifies, ==, 2);
  g_assert_cmpuint (loop_notifies, ==, 2);

  g_signal_handlers_disconnect_by_data (endpoint, &ttl_notifies);
  g_signal_handlers_disconnect_by_data (endpoint, &loop_notifies);
  close_and_finalize (endpoint);
}

static void
test_multicast_errors (void)
{
  GsockUdpEndpoint *endpoint = gsock_udp_endpoint_new ("0.0.0.0", 0);
  g_autoptr(GInetAddress) group = g_inet_address_new_from_string ("239.255.0.1");
  g_autoptr(GInetAddress) unicast = g_inet_address_new_from_string ("127.0.0.1");
  GError *error = NULL;

  /* Before the bind ... */
  g_assert_false (gsock_udp_endpoint_join_multicast_group (endpoint, group, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_clear_error (&error);

  g_assert_true (gsock_udp_endpoint_bind (endpoint, &error));
  g_assert_no_error (error);
  /* ... not a group ... */
  g_assert_false (gsock_udp_endpoint_join_multicast_group (endpoint, unicast, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* ... no such interface (GIO alone would join on any) ... */
  g_assert_false (gsock_udp_endpoint_join_multicast_group (endpoint, group, "gsock-none0",
                                                           &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (gsock_udp_endpoint_join_multicast_group (endpoint, group, "999999", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "index 999999"));
  g_clear_error (&error);
  /* ... leaving what was never joined ... */
  g_assert_false (gsock_udp_endpoint_leave_multicast_group (endpoint, group, "lo", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* ... and after the close. */
  gsock_endpoint_close (GSOCK_ENDPOINT (endpoint));
  g_assert_false (gsock_udp_endpoint_join_multicast_group (endpoint, group, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);
  close_and_finalize (endpoint);
}

/* Joins @group on the loopback interface; FALSE (and the test skipped) where this sandbox
 * cannot. */
static gboolean
join_on_loopback (GsockUdpEndpoint *receiver,
                  GInetAddress     *group)
{
  g_autoptr(GError) error = NULL;

  if (gsock_udp_endpoint_join_multicast_group (receiver, group, "lo", &error))
    return TRUE;
  if (getuid () == 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_autofree char *out = NULL;
      int status = 0;

      g_clear_error (&error);
      if (g_spawn_command_line_sync ("ip link set lo multicast on", &out, NULL, &status, NULL)
          && g_spawn_check_wait_status (status, NULL)
          && gsock_udp_endpoint_join_multicast_group (receiver, group, "lo", &error))
        return TRUE;
    }
  g_test_skip_printf ("cannot join a multicast group on the loopback interface here: %s",
                      error != NULL ? error->message : "ip link set lo multicast on failed");
  return FALSE;
}

static void
test_multicast_join_and_leave (void)
{
  GsockUdpEndpoint *receiver = gsock_udp_endpoint_new ("0.0.0.0", 0);
  /* Bound to 127.0.0.1, the sender's multicast goes out on the loopback interface. */
  GsockUdpEndpoint *sender = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GInetAddress) group = g_inet_address_new_from_string ("239.255.0.1");
  g_autoptr(GSocketAddress) target = NULL;
  GError *error = NULL;
  Recorder rec;

  recorder_init (&rec);
  recorder_connect (&rec, GSOCK_ENDPOINT (receiver));
  g_assert_true (gsock_udp_endpoint_bind (receiver, &error));
  g_assert_no_error (error);
  g_assert_true (gsock_udp_endpoint_bind (sender, &error));
  g_assert_no_error (error);
  target = g_inet_socket_address_new (group, gsock_test_endpoint_get_port (receiver));

  if (join_on_loopback (receiver, group))
    {
      g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (sender), "to the group", target,
                                          &error));
      g_assert_no_error (error);
      gsock_test_wait_until (rec.messages->len == 1);
      g_assert_cmpstr (message_text (rec.messages->pdata[0]), ==, "to the group");
      g_assert_cmpuint (gsock_test_address_get_port (gsock_message_get_sender (rec.messages->pdata[0])),
                        ==, gsock_test_endpoint_get_port (sender));

      g_assert_true (gsock_udp_endpoint_leave_multicast_group (receiver, group, "lo", &error));
      g_assert_no_error (error);
      g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (sender), "after leaving", target,
                                          &error));
      g_assert_no_error (error);
      gsock_test_run_for (NULL, 200);
      g_assert_cmpuint (rec.messages->len, ==, 1);
      g_assert_cmpuint (rec.errors->len, ==, 0);
    }

  recorder_clear (&rec);
  close_and_finalize (sender);
  close_and_finalize (receiver);
}

/* ---- close ---- */

static void
test_close_moves_to_closed (void)
{
  GsockUdpEndpoint *endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GArray) states = g_array_new (FALSE, FALSE, sizeof (GsockState));
  guint16 port;
  GError *error = NULL;

  g_assert_true (gsock_udp_endpoint_bind (endpoint, &error));
  g_assert_no_error (error);
  port = gsock_test_endpoint_get_port (endpoint);
  g_assert_false (udp_port_is_free (port));

  g_signal_connect (endpoint, "notify::state", G_CALLBACK (record_state_cb), states);
  gsock_endpoint_close (GSOCK_ENDPOINT (endpoint));
  gsock_test_wait_until (state_of (endpoint) == GSOCK_STATE_CLOSED);
  g_assert_cmpuint (states->len, >=, 1);
  g_assert_cmpint (g_array_index (states, GsockState, states->len - 1), ==, GSOCK_STATE_CLOSED);
  /* The socket is really gone. */
  g_assert_true (udp_port_is_free (port));

  /* Closing again is harmless. */
  gsock_endpoint_close (GSOCK_ENDPOINT (endpoint));
  gsock_test_drain (NULL);
  g_assert_cmpint (state_of (endpoint), ==, GSOCK_STATE_CLOSED);
  g_assert_finalize_object (endpoint);
}

static void
test_close_refuses_later_sends (Fixture      *fx,
                                gconstpointer data)
{
  g_autoptr(GSocket) peer = NULL;
  guint16 peer_port;
  g_autoptr(GSocketAddress) target = NULL;
  GError *error = NULL;

  peer = gsock_test_udp_socket (&peer_port);
  target = gsock_test_loopback_address (peer_port);
  gsock_endpoint_close (GSOCK_ENDPOINT (fx->server));
  gsock_test_wait_until (state_of (fx->server) == GSOCK_STATE_CLOSED);

  /* A closed endpoint does not quietly bind again to send. */
  g_assert_false (gsock_endpoint_send (GSOCK_ENDPOINT (fx->server), "after close", target,
                                       &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_cmpint (state_of (fx->server), ==, GSOCK_STATE_CLOSED);
  g_assert_true (gsock_test_socket_stays_quiet (peer, 100));
}

static void
test_receive_on_closed_fails_at_once (Fixture      *fx,
                                      gconstpointer data)
{
  g_autofree char *text = NULL;
  GError *error = NULL;
  gint64 start, elapsed_ms;

  gsock_endpoint_close (GSOCK_ENDPOINT (fx->server));
  gsock_test_wait_until (state_of (fx->server) == GSOCK_STATE_CLOSED);
  start = g_get_monotonic_time ();
  text = gsock_endpoint_receive (GSOCK_ENDPOINT (fx->server), NULL, NULL, &error);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_null (text);
  g_assert_cmpint (elapsed_ms, <, 1000);
}

static void
test_close_async_completes (void)
{
  GsockUdpEndpoint *endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GAsyncResult) result = NULL;
  guint16 port;
  GError *error = NULL;

  g_assert_true (gsock_udp_endpoint_bind (endpoint, &error));
  g_assert_no_error (error);
  port = gsock_test_endpoint_get_port (endpoint);

  gsock_endpoint_close_async (GSOCK_ENDPOINT (endpoint), NULL, store_result_cb, &result);
  gsock_test_wait_until (result != NULL);
  g_assert_true (gsock_endpoint_close_finish (GSOCK_ENDPOINT (endpoint), result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state_of (endpoint), ==, GSOCK_STATE_CLOSED);
  g_assert_true (udp_port_is_free (port));

  g_clear_object (&result);
  gsock_test_drain (NULL);
  g_assert_finalize_object (endpoint);
}

static void
test_dispose_releases_port (void)
{
  GsockUdpEndpoint *endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  guint16 port;
  GError *error = NULL;

  g_assert_true (gsock_udp_endpoint_bind (endpoint, &error));
  g_assert_no_error (error);
  port = gsock_test_endpoint_get_port (endpoint);

  /* Dropped while open, without close: nothing may keep it (or its socket) alive. */
  g_assert_finalize_object (endpoint);
  g_assert_true (udp_port_is_free (port));
  gsock_test_drain (NULL);
}

/* ---- contexts ---- */

static void
test_signals_on_construction_context (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  GsockUdpEndpoint *server;
  GsockUdpEndpoint *client = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) target = NULL;
  GError *error = NULL;
  Recorder rec;

  g_main_context_push_thread_default (context);
  server = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_main_context_pop_thread_default (context);

  recorder_init (&rec);
  recorder_connect (&rec, GSOCK_ENDPOINT (server));
  g_assert_true (gsock_udp_endpoint_bind (server, &error));
  g_assert_no_error (error);
  target = gsock_test_loopback_address (gsock_test_endpoint_get_port (server));

  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "over there", target, &error));
  g_assert_no_error (error);

  /* Running the default context does not deliver it ... */
  gsock_test_run_for (NULL, 150);
  g_assert_cmpuint (rec.messages->len, ==, 0);
  /* ... running the server's own context does. */
  gsock_test_wait_until_full (context, GSOCK_TEST_TIMEOUT_MS, rec.messages->len == 1);
  g_assert_cmpstr (message_text (rec.messages->pdata[0]), ==, "over there");

  recorder_clear (&rec);
  close_and_finalize (client);
  gsock_endpoint_close (GSOCK_ENDPOINT (server));
  gsock_test_wait_until_full (context, GSOCK_TEST_TIMEOUT_MS,
                              state_of (server) == GSOCK_STATE_CLOSED);
  gsock_test_drain (context);
  g_assert_finalize_object (server);
}

typedef struct
{
  GMutex   lock;
  GCond    cond;
  guint16  port;         /* set by the worker once bound */
  GThread *signal_thread;
  gboolean done;
} ThreadData;

static void
thread_server_message_cb (GsockEndpoint *endpoint,
                          GsockMessage  *message,
                          ThreadData    *td)
{
  GError *error = NULL;

  td->signal_thread = g_thread_self ();
  g_assert_true (gsock_message_reply (message, "from the worker", &error));
  g_assert_no_error (error);
  g_atomic_int_set (&td->done, TRUE);
}

static gpointer
thread_server_main (gpointer user_data)
{
  ThreadData *td = user_data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  GsockUdpEndpoint *server;
  GError *error = NULL;

  g_main_context_push_thread_default (context);
  server = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_signal_connect (server, "message-received", G_CALLBACK (thread_server_message_cb), td);
  g_assert_true (gsock_udp_endpoint_bind (server, &error));
  g_assert_no_error (error);

  g_mutex_lock (&td->lock);
  td->port = gsock_test_endpoint_get_port (server);
  g_cond_signal (&td->cond);
  g_mutex_unlock (&td->lock);

  gsock_test_wait_until (g_atomic_int_get (&td->done));
  /* Let the reply leave before closing. */
  gsock_test_drain (context);
  close_and_finalize (server);
  g_main_context_pop_thread_default (context);
  return NULL;
}

static void
test_signals_on_owner_thread (void)
{
  ThreadData td = { 0 };
  GsockUdpEndpoint *client = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) target = NULL;
  g_autofree char *answer = NULL;
  GThread *thread;
  GError *error = NULL;

  g_mutex_init (&td.lock);
  g_cond_init (&td.cond);
  thread = g_thread_new ("udp-server", thread_server_main, &td);

  g_mutex_lock (&td.lock);
  {
    gint64 end = g_get_monotonic_time () + GSOCK_TEST_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

    while (td.port == 0)
      if (!g_cond_wait_until (&td.cond, &td.lock, end))
        break;
  }
  g_mutex_unlock (&td.lock);
  g_assert_cmpuint (td.port, !=, 0);

  target = gsock_test_loopback_address (td.port);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), GSOCK_TEST_TIMEOUT_MS);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "to the worker", target, &error));
  g_assert_no_error (error);
  answer = gsock_endpoint_receive (GSOCK_ENDPOINT (client), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answer, ==, "from the worker");

  g_thread_join (thread);
  g_assert_true (td.signal_thread == thread);
  g_mutex_clear (&td.lock);
  g_cond_clear (&td.cond);
  close_and_finalize (client);
}

/* ---- batches: many datagrams per receive, a read's answers sent together ---- */

/* Datagram @i of a burst: 16 to 215 bytes, each byte telling its number and place. */
static GBytes *
burst_datagram (guint i)
{
  gsize size = 16 + i % 200;
  guint8 *data = g_malloc (size);

  for (gsize k = 0; k < size; k++)
    data[k] = (guint8) (i * 31 + k);
  memcpy (data, &i, sizeof i);
  return g_bytes_new_take (data, size);
}

static void
echo_data_cb (GsockEndpoint *endpoint,
              GsockMessage  *message,
              gpointer       user_data)
{
  GError *error = NULL;
  gsize size;
  const guint8 *data = gsock_message_get_data (message, &size);

  g_assert_true (gsock_message_reply_data (message, data, size, &error));
  g_assert_no_error (error);
}

/* Whether a datagram waits to be read on @socket. */
static gboolean
socket_has_datagram (GSocket *socket)
{
  return (g_socket_condition_check (socket, G_IO_IN) & G_IO_IN) != 0;
}

static void
test_batch_echoes_burst_in_order (Fixture      *fx,
                                  gconstpointer data)
{
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  GsockEndpoint *server = GSOCK_ENDPOINT (fx->server);
  guint n = 1000, window = 64, sent = 0, received = 0;
  guint64 bytes = 0;
  gulong handler;

  /* Small datagrams fit 64 to a receive; the window keeps that many in flight, all sent
   * before the server reads any, so each read is a full batch and so is each answer. */
  gsock_endpoint_set_max_message_size (server, 1024);
  gsock_udp_endpoint_set_receive_buffer_size (fx->server, 1024 * 1024);
  g_socket_set_option (peer, SOL_SOCKET, SO_RCVBUF, 1024 * 1024, NULL);
  handler = g_signal_connect (server, "message-received", G_CALLBACK (echo_data_cb), NULL);

  while (received < n)
    {
      for (; sent < n && sent < received + window; sent++)
        {
          g_autoptr(GBytes) datagram = burst_datagram (sent);

          gsock_test_socket_send_to (peer, fx->port, g_bytes_get_data (datagram, NULL),
                                     g_bytes_get_size (datagram));
          bytes += g_bytes_get_size (datagram);
        }
      /* Every echo, whole and in order. */
      while (received < sent)
        {
          g_autoptr(GBytes) expected = burst_datagram (received);
          g_autoptr(GBytes) got = NULL;

          gsock_test_wait_until (socket_has_datagram (peer));
          got = gsock_test_socket_receive_from (peer, NULL);
          g_assert_true (g_bytes_equal (got, expected));
          received++;
        }
    }
  g_assert_cmpuint (gsock_endpoint_get_messages_received (server), ==, n);
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (server), ==, n);
  g_assert_cmpuint (gsock_endpoint_get_bytes_received (server), ==, bytes);
  g_assert_cmpuint (gsock_endpoint_get_bytes_sent (server), ==, bytes);
  g_assert_cmpuint (gsock_udp_endpoint_get_datagrams_dropped (fx->server), ==, 0);
  g_assert_cmpuint (fx->rec.errors->len, ==, 0);
  g_assert_true (gsock_test_socket_stays_quiet (peer, 50));
  g_signal_handler_disconnect (server, handler);
}

/* Equal answers to one peer in one read leave as one segmented send (UDP_SEGMENT, or one by
 * one where the kernel refuses that): the peer gets them as separate datagrams, whole, in
 * order, the shorter last one too, and a larger one after them on its own. */
static void
many_answers_cb (GsockEndpoint *endpoint,
                 GsockMessage  *message,
                 gpointer       user_data)
{
  GError *error = NULL;

  for (guint i = 0; i < 40; i++)
    {
      g_autoptr(GBytes) answer = burst_datagram (i * 200 + 84); /* 100 bytes each */

      g_assert_true (gsock_message_reply_bytes (message, answer, &error));
    }
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GBytes) answer = burst_datagram (i == 0 ? 21 : 199); /* 37, then 215 */

      g_assert_true (gsock_message_reply_bytes (message, answer, &error));
    }
  g_assert_no_error (error);
}

static void
test_batch_equal_answers_arrive_apart (Fixture      *fx,
                                       gconstpointer data)
{
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  GsockEndpoint *server = GSOCK_ENDPOINT (fx->server);
  guint64 bytes = 0;
  gulong handler;

  g_socket_set_option (peer, SOL_SOCKET, SO_RCVBUF, 1024 * 1024, NULL);
  handler = g_signal_connect (server, "message-received", G_CALLBACK (many_answers_cb), NULL);
  gsock_test_socket_send_to (peer, fx->port, (const guint8 *) "go", 2);
  for (guint i = 0; i < 42; i++)
    {
      guint number = i < 40 ? i * 200 + 84 : i == 40 ? 21 : 199;
      g_autoptr(GBytes) expected = burst_datagram (number);
      g_autoptr(GBytes) got = NULL;

      gsock_test_wait_until (socket_has_datagram (peer));
      got = gsock_test_socket_receive_from (peer, NULL);
      g_assert_cmpuint (g_bytes_get_size (got), ==, g_bytes_get_size (expected));
      g_assert_true (g_bytes_equal (got, expected));
      bytes += g_bytes_get_size (expected);
    }
  g_assert_true (gsock_test_socket_stays_quiet (peer, 50));
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (server), ==, 42);
  g_assert_cmpuint (gsock_endpoint_get_bytes_sent (server), ==, bytes);
  g_assert_cmpuint (fx->rec.errors->len, ==, 0);
  g_signal_handler_disconnect (server, handler);
}

/* Three answers to each datagram, each sent a different way; none may leave before the read
 * ends. */
typedef struct
{
  GSocket        *peer;
  GSocketAddress *other;    /* a second peer, answered too */
  guint           handled;
  guint           early;    /* answers the peers had while the read was still handled */
} Answers;

static void
three_answers_cb (GsockEndpoint *endpoint,
                  GsockMessage  *message,
                  Answers       *answers)
{
  const char *text = message_text (message);
  g_autofree char *a = g_strdup_printf ("%s.a", text);
  g_autofree char *b = g_strdup_printf ("%s.b", text);
  g_autoptr(GBytes) c = g_bytes_new_take (g_strdup_printf ("%s.c", text), strlen (text) + 2);
  g_autofree char *d = g_strdup_printf ("%s.d", text);
  GError *error = NULL;

  g_assert_true (gsock_message_reply (message, a, &error));
  g_assert_true (gsock_message_reply_data (message, (const guint8 *) b, strlen (b), &error));
  g_assert_true (gsock_endpoint_send_bytes (endpoint, c, gsock_message_get_sender (message),
                                            &error));
  g_assert_true (gsock_endpoint_send (endpoint, d, answers->other, &error));
  g_assert_no_error (error);
  answers->handled++;
  if (socket_has_datagram (answers->peer))
    answers->early++;
}

static void
test_batch_answers_keep_order (Fixture      *fx,
                               gconstpointer data)
{
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  guint16 other_port;
  g_autoptr(GSocket) other = gsock_test_udp_socket (&other_port);
  g_autoptr(GSocketAddress) other_address = gsock_test_loopback_address (other_port);
  GsockEndpoint *server = GSOCK_ENDPOINT (fx->server);
  Answers answers = { peer, other_address, 0, 0 };
  guint i, n = 12; /* 48 answers: fewer than one batch holds (64) */
  gsize bytes = 0;

  g_signal_connect (server, "message-received", G_CALLBACK (three_answers_cb), &answers);
  for (i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("%u", i);

      gsock_test_socket_send_to (peer, fx->port, text, strlen (text));
      bytes += 4 * (strlen (text) + 2);
    }
  gsock_test_wait_until (answers.handled == n);
  /* All were read in one dispatch, and their answers held until its end. */
  g_assert_cmpuint (answers.early, ==, 0);

  for (i = 0; i < n; i++)
    {
      const char *suffix[] = { "a", "b", "c" };

      for (guint k = 0; k < 3; k++)
        {
          g_autofree char *expected = g_strdup_printf ("%u.%s", i, suffix[k]);
          g_autoptr(GBytes) got = gsock_test_socket_receive_from (peer, NULL);

          gsock_test_assert_bytes (got, expected, strlen (expected));
        }
    }
  for (i = 0; i < n; i++)
    {
      g_autofree char *expected = g_strdup_printf ("%u.d", i);
      g_autoptr(GBytes) got = gsock_test_socket_receive_from (other, NULL);

      gsock_test_assert_bytes (got, expected, strlen (expected));
    }
  g_assert_true (gsock_test_socket_stays_quiet (peer, 50));
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (server), ==, 4 * n);
  g_assert_cmpuint (gsock_endpoint_get_bytes_sent (server), ==, bytes);
  g_signal_handlers_disconnect_by_data (server, &answers);
}

/* A handler that answers, then waits for something in a nested main loop: the answer leaves
 * at once, not when the handler returns (the peer may be what it waits for). */
static void
answer_then_wait_cb (GsockEndpoint *endpoint,
                     GsockMessage  *message,
                     GSocket       *peer)
{
  GError *error = NULL;

  g_assert_true (gsock_message_reply (message, "answer", &error));
  g_assert_no_error (error);
  gsock_test_wait_until (socket_has_datagram (peer));
}

static void
test_batch_flushed_by_nested_loop (Fixture      *fx,
                                   gconstpointer data)
{
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  g_autoptr(GBytes) got = NULL;

  g_signal_connect (fx->server, "message-received", G_CALLBACK (answer_then_wait_cb), peer);
  gsock_test_socket_send_to (peer, fx->port, "question", 8);
  gsock_test_wait_until (fx->rec.messages->len == 1);
  got = gsock_test_socket_receive_from (peer, NULL);
  gsock_test_assert_bytes (got, "answer", 6);
  g_assert_true (gsock_test_socket_stays_quiet (peer, 50));
  g_signal_handlers_disconnect_by_data (fx->server, peer);
}

static void
answer_then_close_cb (GsockEndpoint *endpoint,
                      GsockMessage  *message,
                      gpointer       user_data)
{
  GError *error = NULL;

  g_assert_true (gsock_message_reply (message, "last words", &error));
  g_assert_no_error (error);
  gsock_endpoint_close (endpoint);
}

/* A close from a handler is graceful: the read's answers still leave. */
static void
test_batch_sent_before_close (void)
{
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  GsockUdpEndpoint *endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GBytes) got = NULL;
  GError *error = NULL;

  g_signal_connect (endpoint, "message-received", G_CALLBACK (answer_then_close_cb), NULL);
  g_assert_true (gsock_udp_endpoint_bind (endpoint, &error));
  g_assert_no_error (error);
  gsock_test_socket_send_to (peer, gsock_test_endpoint_get_port (endpoint), "bye", 3);
  gsock_test_wait_until (state_of (endpoint) == GSOCK_STATE_CLOSED);
  got = gsock_test_socket_receive_from (peer, NULL);
  gsock_test_assert_bytes (got, "last words", 10);
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (GSOCK_ENDPOINT (endpoint)), ==, 1);
  g_assert_cmpuint (gsock_endpoint_get_bytes_sent (GSOCK_ENDPOINT (endpoint)), ==, 10);
  gsock_test_drain (NULL);
  g_assert_finalize_object (endpoint);
}

/* What the endpoint heard, messages and errors in one list, in the order they came. */
static void
log_message_cb (GsockEndpoint *endpoint,
                GsockMessage  *message,
                GPtrArray     *log)
{
  g_ptr_array_add (log, g_strdup (message_text (message)));
}

static void
log_error_cb (GsockEndpoint *endpoint,
              const GError  *error,
              GPtrArray     *log)
{
  g_ptr_array_add (log, g_strdup_printf ("error %s %d: %s", g_quark_to_string (error->domain),
                                         error->code, error->message));
}

static void
test_batch_reports_oversize_in_the_middle (Fixture      *fx,
                                           gconstpointer data)
{
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func (g_free);
  GsockEndpoint *server = GSOCK_ENDPOINT (fx->server);
  char big[500];
  guint i;

  /* Queued before the server reads: one receive takes them all. */
  gsock_endpoint_set_max_message_size (server, 100);
  memset (big, 'x', sizeof big);
  for (i = 0; i < 10; i++)
    {
      g_autofree char *text = g_strdup_printf ("%u", i);

      if (i == 5)
        gsock_test_socket_send_to (peer, fx->port, big, sizeof big);
      else
        gsock_test_socket_send_to (peer, fx->port, text, strlen (text));
    }
  g_signal_connect (server, "message-received", G_CALLBACK (log_message_cb), log);
  g_signal_connect (server, "error", G_CALLBACK (log_error_cb), log);
  gsock_test_wait_until (log->len == 10);

  for (i = 0; i < 10; i++)
    {
      g_autofree char *text = g_strdup_printf ("%u", i);

      if (i == 5)
        {
          g_assert_true (g_str_has_prefix (log->pdata[i], "error gsock-error-quark"));
          g_assert_nonnull (strstr (log->pdata[i], "Datagram of 500 bytes"));
          g_assert_nonnull (strstr (log->pdata[i], "limit of 100 bytes"));
        }
      else
        g_assert_cmpstr (log->pdata[i], ==, text);
    }
  g_assert_cmpuint (fx->rec.errors->len, ==, 1);
  g_assert_error ((GError *) fx->rec.errors->pdata[0], GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);
  g_assert_cmpuint (gsock_endpoint_get_messages_received (server), ==, 9);
  g_signal_handlers_disconnect_by_data (server, log);
}

/* max-message-size far beyond any datagram: the receive buffer follows what a datagram can
 * be, not the property (allocating 8 EiB aborts; 256 MiB would be taken for nothing). */
static void
test_huge_max_message_size_is_not_allocated (Fixture      *fx,
                                             gconstpointer data)
{
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  g_autoptr(GBytes) largest = gsock_test_pattern_bytes (65507);
  GsockEndpoint *server = GSOCK_ENDPOINT (fx->server);
  guint64 peak;

  gsock_endpoint_set_max_message_size (server, G_MAXSIZE / 2);
  gsock_test_socket_send_to (peer, fx->port, "small", 5);
  gsock_test_socket_send_to (peer, fx->port, g_bytes_get_data (largest, NULL),
                             g_bytes_get_size (largest));
  gsock_test_wait_until (fx->rec.messages->len == 2);
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[0]), ==, "small");
  g_assert_true (g_bytes_equal (gsock_message_get_bytes (fx->rec.messages->pdata[1]), largest));

  peak = gsock_test_vm_peak_kib ();
  gsock_endpoint_set_max_message_size (server, 256 * 1024 * 1024);
  gsock_test_socket_send_to (peer, fx->port, "again", 5);
  gsock_test_wait_until (fx->rec.messages->len == 3);
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[2]), ==, "again");
  g_test_message ("VmPeak grew by %" G_GUINT64_FORMAT " KiB", gsock_test_vm_peak_kib () - peak);
#ifndef __SANITIZE_ADDRESS__ /* its allocator maps memory in large regions of its own */
  g_assert_cmpuint (gsock_test_vm_peak_kib () - peak, <, 64 * 1024);
#endif
  g_assert_cmpuint (fx->rec.errors->len, ==, 0);
}

/* The same over a Unix datagram socket, whose datagrams can be larger than UDP's. */
static void
test_huge_max_message_size_unix (void)
{
  g_autoptr(GSocketAddress) address = abstract_address ("huge");
  g_autoptr(GSocketAddress) peer_address = abstract_address ("huge-peer");
  g_autoptr(GSocket) peer = unix_datagram_socket (peer_address);
  GsockUdpEndpoint *endpoint = unix_endpoint (address);
  g_autoptr(GBytes) fits = gsock_test_pattern_bytes (100000);
  GError *error = NULL;
  Recorder rec;

  recorder_init (&rec);
  recorder_connect (&rec, GSOCK_ENDPOINT (endpoint));
  gsock_endpoint_set_max_message_size (GSOCK_ENDPOINT (endpoint), G_MAXSIZE / 2);
  g_socket_send_to (peer, address, g_bytes_get_data (fits, NULL), 100000, NULL, &error);
  g_assert_no_error (error);
  gsock_test_wait_until (rec.messages->len == 1);
  g_assert_true (g_bytes_equal (gsock_message_get_bytes (rec.messages->pdata[0]), fits));
  g_assert_cmpuint (rec.errors->len, ==, 0);

  recorder_clear (&rec);
  close_and_finalize (endpoint);
}

/* An answer the kernel refuses (a broadcast address without broadcast allowed) among others
 * of the same read: it was accepted, so its error comes through the error signal, and the
 * others still leave, in order. */
static void
answer_around_refused_cb (GsockEndpoint  *endpoint,
                          GsockMessage   *message,
                          GSocketAddress *refused)
{
  GError *error = NULL;

  g_assert_true (gsock_message_reply (message, "before", &error));
  g_assert_true (gsock_endpoint_send (endpoint, "refused", refused, &error));
  g_assert_true (gsock_message_reply (message, "after", &error));
  g_assert_no_error (error);
}

static void
test_batch_reports_refused_datagram (Fixture      *fx,
                                     gconstpointer data)
{
  g_autoptr(GSocket) peer = gsock_test_udp_socket (NULL);
  g_autoptr(GInetAddress) broadcast = g_inet_address_new_from_string ("127.255.255.255");
  g_autoptr(GSocketAddress) refused = g_inet_socket_address_new (broadcast, fx->port);
  GsockEndpoint *server = GSOCK_ENDPOINT (fx->server);
  GError *reported;
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;

  g_signal_connect (server, "message-received", G_CALLBACK (answer_around_refused_cb),
                    refused);
  gsock_test_socket_send_to (peer, fx->port, "go", 2);
  gsock_test_wait_until (fx->rec.errors->len == 1);
  reported = fx->rec.errors->pdata[0];
  g_test_message ("%s", reported->message);
  g_assert_true (reported->domain == G_IO_ERROR);
  g_assert_nonnull (strstr (reported->message, "127.255.255.255"));

  first = gsock_test_socket_receive_from (peer, NULL);
  second = gsock_test_socket_receive_from (peer, NULL);
  gsock_test_assert_bytes (first, "before", 6);
  gsock_test_assert_bytes (second, "after", 5);
  g_assert_true (gsock_test_socket_stays_quiet (peer, 50));
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (server), ==, 3);
  g_assert_cmpuint (gsock_endpoint_get_bytes_sent (server), ==, 6 + 5);
  g_assert_cmpint (state_of (fx->server), ==, GSOCK_STATE_OPEN);
  g_signal_handlers_disconnect_by_data (server, refused);
}

/* ---- connected (remote-address) ---- */

static GsockUdpEndpoint *
new_connected_client (Fixture        *fx,
                      GSocketAddress *remote)
{
  GsockUdpEndpoint *client = new_client (fx);
  GError *error = NULL;

  gsock_udp_endpoint_set_remote_address (client, remote);
  g_assert_true (gsock_udp_endpoint_bind (client, &error));
  g_assert_no_error (error);
  return client;
}

static void
test_connected_send_without_target (Fixture      *fx,
                                    gconstpointer data)
{
  GsockUdpEndpoint *client = new_client (fx);
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GSocketAddress) sender = NULL;
  g_autofree char *answer = NULL;
  GError *error = NULL;
  guint notified = 0;

  g_assert_null (gsock_udp_endpoint_get_remote_address (client));
  g_signal_connect (client, "notify::remote-address", G_CALLBACK (count_cb), &notified);
  gsock_udp_endpoint_set_remote_address (client, fx->address);
  gsock_udp_endpoint_set_remote_address (client, fx->address);
  g_assert_cmpuint (notified, ==, 1);
  g_object_get (client, "remote-address", &remote, NULL);
  g_assert_true (remote == fx->address);

  /* Unbound: the send binds the wildcard address and connects. */
  fx->rec.reply = "back";
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "one", NULL, &error));
  g_assert_no_error (error);
  gsock_test_wait_until (fx->rec.messages->len == 1);
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[0]), ==, "one");
  answer = gsock_endpoint_receive (GSOCK_ENDPOINT (client), &sender, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answer, ==, "back");
  g_assert_true (gsock_test_address_equal (sender, fx->address));

  /* The target may still be named, as long as it is the peer. */
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "two", fx->address, &error));
  g_assert_no_error (error);
  gsock_test_wait_until (fx->rec.messages->len == 2);
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[1]), ==, "two");
  g_assert_cmpuint (notified, ==, 1);
}

static void
test_connected_bind_then_send (Fixture      *fx,
                               gconstpointer data)
{
  GsockUdpEndpoint *client = new_connected_client (fx, fx->address);
  g_autoptr(GBytes) payload = g_bytes_new_static ("bytes", 5);
  GError *error = NULL;

  g_assert_true (gsock_endpoint_send_bytes (GSOCK_ENDPOINT (client), payload, NULL, &error));
  g_assert_no_error (error);
  gsock_test_wait_until (fx->rec.messages->len == 1);
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[0]), ==, "bytes");
  g_assert_true (gsock_test_address_equal (gsock_message_get_sender (fx->rec.messages->pdata[0]),
                                           gsock_endpoint_get_local_address (GSOCK_ENDPOINT (client))));
}

static void
test_connected_send_elsewhere_fails (Fixture      *fx,
                                     gconstpointer data)
{
  GsockUdpEndpoint *client = new_connected_client (fx, fx->address);
  g_autoptr(GSocket) other = gsock_test_udp_socket (NULL);
  g_autoptr(GSocketAddress) elsewhere = g_socket_get_local_address (other, NULL);
  GError *error = NULL;

  g_assert_false (gsock_endpoint_send (GSOCK_ENDPOINT (client), "no", elsewhere, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_NO_SUCH_PEER);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "remote-address"));
  g_clear_error (&error);
  g_assert_true (gsock_test_socket_stays_quiet (other, 50));
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (GSOCK_ENDPOINT (client)), ==, 0);
}

static void
test_connected_drops_other_peers (Fixture      *fx,
                                  gconstpointer data)
{
  GsockUdpEndpoint *client = new_connected_client (fx, fx->address);
  guint16 client_port = gsock_test_endpoint_get_port (client);
  g_autoptr(GSocket) third = gsock_test_udp_socket (NULL);
  Recorder rec;

  recorder_init (&rec);
  recorder_connect (&rec, GSOCK_ENDPOINT (client));
  gsock_test_socket_send_to (third, client_port, "stranger", 8);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (fx->server), "peer",
                                      gsock_endpoint_get_local_address (GSOCK_ENDPOINT (client)),
                                      NULL));
  gsock_test_wait_until (rec.messages->len == 1);
  g_assert_cmpstr (message_text (rec.messages->pdata[0]), ==, "peer");
  gsock_test_socket_send_to (third, client_port, "stranger again", 14);
  gsock_test_run_for (NULL, 100);
  g_assert_cmpuint (rec.messages->len, ==, 1);
  g_assert_cmpuint (rec.errors->len, ==, 0);
  g_assert_cmpuint (gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (client)), ==, 1);
  g_signal_handlers_disconnect_by_data (client, &rec);
  recorder_clear (&rec);
}

static void
test_connected_refused_fails_next_receive (Fixture      *fx,
                                           gconstpointer data)
{
  g_autoptr(GSocketAddress) closed = gsock_test_loopback_address (gsock_test_unused_udp_port ());
  GsockUdpEndpoint *client = new_connected_client (fx, closed);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GsockMessage) message = NULL;
  GError *error = NULL;

  gsock_endpoint_receive_async (GSOCK_ENDPOINT (client), NULL, store_result_cb, &result);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "anyone?", NULL, &error));
  g_assert_no_error (error);
  gsock_test_wait_until (result != NULL);
  message = gsock_endpoint_receive_finish (GSOCK_ENDPOINT (client), result, &error);
  g_assert_null (message);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_error (&error);
  /* The error was the socket's, once: the endpoint stays open and can try again. */
  g_assert_cmpint (state_of (client), ==, GSOCK_STATE_OPEN);
}

static void
test_connected_refused_fails_next_send (Fixture      *fx,
                                        gconstpointer data)
{
  g_autoptr(GSocketAddress) closed = gsock_test_loopback_address (gsock_test_unused_udp_port ());
  GsockUdpEndpoint *client = new_connected_client (fx, closed);
  GError *error = NULL;
  Recorder rec;

  recorder_init (&rec);
  recorder_connect (&rec, GSOCK_ENDPOINT (client));
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "anyone?", NULL, &error));
  g_assert_no_error (error);
  /* Over loopback the ICMP message has come back once the send returns; the main loop has
   * not run, so nothing has read the error yet. */
  g_assert_false (gsock_endpoint_send (GSOCK_ENDPOINT (client), "hello?", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_error (&error);

  /* Without a receive pending, a refusal the read finds goes to the error signal. */
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "still?", NULL, &error));
  gsock_test_wait_until (rec.errors->len == 1);
  g_assert_error ((GError *) rec.errors->pdata[0], G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_signal_handlers_disconnect_by_data (client, &rec);
  recorder_clear (&rec);
}


int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gsock_test_install_watchdog ();

#define ADD(path, func) \
  g_test_add ("/Gsock/UdpEndpoint/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  g_test_add_func ("/Gsock/UdpEndpoint/defaults/match-the-seed", test_defaults);
  g_test_add_func ("/Gsock/UdpEndpoint/new/sets-host-and-port", test_new_sets_host_and_port);
  g_test_add_func ("/Gsock/UdpEndpoint/setters/notify-only-on-change",
                   test_setters_notify_only_on_change);
  g_test_add_func ("/Gsock/UdpEndpoint/bind/port-zero-reports-real-port", test_bind_port_zero);
  ADD ("bind/fails-when-endpoint-holds-port", test_bind_port_in_use);
  g_test_add_func ("/Gsock/UdpEndpoint/bind/fails-when-plain-socket-holds-port",
                   test_bind_port_held_by_plain_socket);
  ADD ("bind/twice-is-busy", test_bind_twice_is_busy);
  g_test_add_func ("/Gsock/UdpEndpoint/bind/resolves-host-name", test_bind_resolves_host_name);
  ADD ("seed/server-replies-to-auto-bound-client", test_seed_server_and_client);
  ADD ("send/auto-binds-wildcard-of-target-family", test_send_auto_binds_wildcard);
  g_test_add_func ("/Gsock/UdpEndpoint/send/auto-binds-ipv6-wildcard-for-ipv6-target",
                   test_send_auto_binds_ipv6);
  ADD ("send/fails-without-target", test_send_without_target);
  ADD ("connected/send-without-target-goes-to-remote-address",
       test_connected_send_without_target);
  ADD ("connected/bind-connects-before-the-first-send", test_connected_bind_then_send);
  ADD ("connected/send-to-another-target-fails", test_connected_send_elsewhere_fails);
  ADD ("connected/other-peers-datagrams-are-not-delivered", test_connected_drops_other_peers);
  ADD ("connected/refused-port-fails-the-pending-receive",
       test_connected_refused_fails_next_receive);
  ADD ("connected/refused-port-fails-the-next-send", test_connected_refused_fails_next_send);
  ADD ("send-data/from-handler-is-sent-and-checked", test_send_data_from_handler);
  g_test_add_func ("/Gsock/UdpEndpoint/send/fails-on-unknown-encoding",
                   test_send_unknown_encoding);
  g_test_add_func ("/Gsock/UdpEndpoint/send/fails-on-unrepresentable-text",
                   test_send_unrepresentable_text);
  g_test_add_func ("/Gsock/UdpEndpoint/send/fails-on-oversize-payload",
                   test_send_oversize_payload);
  g_test_add_func ("/Gsock/UdpEndpoint/send-bytes/delivers-exact-bytes", test_send_bytes_exact);
  ADD ("receive/returns-text-and-sender", test_receive_text_and_sender);
  ADD ("receive/senders-of-interleaved-peers", test_senders_of_interleaved_peers);
  ADD ("receive/nested-loop-in-handler-holds-datagrams", test_nested_loop_holds_datagrams);
  ADD ("message-received/swapped-handler", test_swapped_handler);
  ADD ("receive/fails-on-invalid-text", test_receive_invalid_text);
  ADD ("receive-message/keeps-invalid-bytes", test_receive_message_keeps_invalid_bytes);
  ADD ("receive/times-out", test_receive_times_out);
  ADD ("receive-message/times-out", test_receive_message_times_out);
  ADD ("receive/honours-cancelled-cancellable", test_receive_pre_cancelled);
  ADD ("receive/can-be-cancelled-while-waiting", test_receive_cancelled_while_waiting);
  ADD ("receive/fails-when-endpoint-closes", test_receive_fails_when_closed);
  ADD ("receive-async/takes-message-instead-of-signal", test_receive_async_takes_message);
  ADD ("receive-async/serves-oldest-first", test_receive_async_oldest_first);
  ADD ("receive-async/can-be-cancelled", test_receive_async_cancelled);
  ADD ("receive-async/fails-when-endpoint-closes", test_receive_async_fails_when_closed);
  ADD ("empty-datagram/is-an-empty-message", test_empty_datagram);
  ADD ("burst/delivers-every-datagram-in-order", test_burst_of_datagrams);
  ADD ("oversize-datagram/goes-to-error-signal", test_oversize_datagram_error_signal);
  ADD ("oversize-datagram/fails-pending-receive", test_oversize_datagram_fails_pending_receive);
  ADD ("max-size-datagram/is-delivered-whole", test_max_size_datagram_delivered);
  ADD ("gbk/round-trips-chinese", test_gbk_round_trip);
  ADD ("gbk/into-utf8-receiver-keeps-bytes", test_gbk_text_into_utf8_receiver);
  g_test_add_func ("/Gsock/UdpEndpoint/subclass/overrides-message-received",
                   test_subclass_overrides_message_received);
  ADD ("counters/move-and-notify", test_counters_move_and_notify);
  ADD ("broadcast/property-round-trips", test_broadcast_property);
  g_test_add_func ("/Gsock/UdpEndpoint/receive-buffer-size/reads-what-the-kernel-set",
                   test_receive_buffer_size);
  ADD ("datagrams-dropped/counts-a-flood-the-buffer-cannot-hold", test_datagrams_dropped);
  g_test_add_func ("/Gsock/UdpEndpoint/new-for-socket/serves-it", test_new_for_socket_serves_it);
  g_test_add_func ("/Gsock/UdpEndpoint/reuse-port/binds-one-port-twice",
                   test_reuse_port_binds_one_port_twice);
  g_test_add_func ("/Gsock/UdpEndpoint/datagrams-dropped/current-after-a-whole-batch",
                   test_datagrams_dropped_current_after_a_whole_batch);
  g_test_add_func ("/Gsock/UdpEndpoint/max-message-size/large-unix-datagrams-whole-or-refused",
                   test_large_unix_datagrams);
  g_test_add_func ("/Gsock/UdpEndpoint/receive/from-an-unnamed-sender",
                   test_receive_from_unnamed_sender);
  g_test_add_func ("/Gsock/UdpEndpoint/receive/closes-passed-descriptors",
                   test_passed_descriptors_are_closed);
  g_test_add_func ("/Gsock/UdpEndpoint/send-queue/keeps-order-without-blocking",
                   test_send_queue_keeps_order);
  g_test_add_func ("/Gsock/UdpEndpoint/send-queue/is-bounded", test_send_queue_is_bounded);
  g_test_add_func ("/Gsock/UdpEndpoint/send-queue/close-flushes-it",
                   test_close_flushes_send_queue);
  g_test_add_func ("/Gsock/UdpEndpoint/send-queue/reports-failed-datagrams",
                   test_queued_send_failure_is_reported);
  g_test_add_func ("/Gsock/UdpEndpoint/multicast/properties-round-trip",
                   test_multicast_properties);
  g_test_add_func ("/Gsock/UdpEndpoint/multicast/errors", test_multicast_errors);
  g_test_add_func ("/Gsock/UdpEndpoint/multicast/join-receives-leave-stops",
                   test_multicast_join_and_leave);
  g_test_add_func ("/Gsock/UdpEndpoint/close/moves-to-closed-and-frees-port",
                   test_close_moves_to_closed);
  ADD ("close/refuses-later-sends", test_close_refuses_later_sends);
  ADD ("receive/on-closed-endpoint-fails-at-once", test_receive_on_closed_fails_at_once);
  g_test_add_func ("/Gsock/UdpEndpoint/close-async/completes", test_close_async_completes);
  g_test_add_func ("/Gsock/UdpEndpoint/dispose/releases-port-without-close",
                   test_dispose_releases_port);
  g_test_add_func ("/Gsock/UdpEndpoint/context/signals-on-construction-context",
                   test_signals_on_construction_context);
  g_test_add_func ("/Gsock/UdpEndpoint/context/signals-on-owner-thread",
                   test_signals_on_owner_thread);
  ADD ("batch/echoes-a-burst-whole-and-in-order", test_batch_echoes_burst_in_order);
  ADD ("batch/equal-answers-arrive-apart", test_batch_equal_answers_arrive_apart);
  ADD ("batch/answers-leave-after-the-read-in-order", test_batch_answers_keep_order);
  ADD ("batch/answers-leave-in-a-handlers-nested-loop", test_batch_flushed_by_nested_loop);
  g_test_add_func ("/Gsock/UdpEndpoint/batch/answers-leave-before-a-close-in-a-handler",
                   test_batch_sent_before_close);
  ADD ("batch/oversize-datagram-reported-between-the-others",
       test_batch_reports_oversize_in_the_middle);
  ADD ("batch/refused-answer-reported-and-the-others-sent", test_batch_reports_refused_datagram);
  ADD ("max-message-size/huge-is-not-allocated", test_huge_max_message_size_is_not_allocated);
  g_test_add_func ("/Gsock/UdpEndpoint/max-message-size/huge-is-not-allocated-unix",
                   test_huge_max_message_size_unix);

#undef ADD

  return g_test_run ();
}
