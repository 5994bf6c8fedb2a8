/* test-endpoint.c: what every endpoint shares: active, last-error, open_async, state
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <gsock/gsock.h>

#include "gsock-test-util.h"

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

static void
store_error_cb (GsockEndpoint *endpoint,
                const GError  *error,
                GError       **out)
{
  g_clear_error (out);
  *out = g_error_copy (error);
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* Setting :active in g_object_new opens only after every property is set, so the order of
 * properties (as in a GtkBuilder file) does not matter. */
static void
test_active_opens_after_construction (void)
{
  g_autoptr(GsockTcpServer) server = NULL;
  guint active_notifies = 0;

  server = g_object_new (GSOCK_TYPE_TCP_SERVER, "active", TRUE, "port", 0, NULL);
  g_signal_connect (server, "notify::active", G_CALLBACK (count_notify_cb), &active_notifies);

  g_assert_true (gsock_endpoint_get_active (GSOCK_ENDPOINT (server)));
  g_assert_cmpint (gsock_endpoint_get_state (GSOCK_ENDPOINT (server)), ==, GSOCK_STATE_CLOSED);

  gsock_test_wait_until (gsock_endpoint_get_state (GSOCK_ENDPOINT (server)) == GSOCK_STATE_OPEN);
  g_assert_cmpuint (gsock_test_endpoint_get_port (server), !=, 0);
  g_assert_cmpuint (gsock_test_endpoint_get_port (server), !=, 8080);
  /* It was active all along: no notify while it went from requested to open. */
  g_assert_cmpuint (active_notifies, ==, 0);

  g_object_set (server, "active", FALSE, NULL);
  g_assert_false (gsock_endpoint_get_active (GSOCK_ENDPOINT (server)));
  g_assert_cmpint (gsock_endpoint_get_state (GSOCK_ENDPOINT (server)), ==, GSOCK_STATE_CLOSED);
  g_assert_cmpuint (active_notifies, ==, 1);
}

static void
test_active_failure_reports_error (void)
{
  g_autoptr(GsockTcpClient) client = gsock_tcp_client_new ("127.0.0.1",
                                                           gsock_test_unused_tcp_port ());
  g_autoptr(GError) reported = NULL;
  guint active_notifies = 0;

  g_signal_connect (client, "error", G_CALLBACK (store_error_cb), &reported);
  g_signal_connect (client, "notify::active", G_CALLBACK (count_notify_cb), &active_notifies);
  g_assert_null (gsock_endpoint_get_last_error (GSOCK_ENDPOINT (client)));

  gsock_endpoint_set_active (GSOCK_ENDPOINT (client), TRUE);
  g_assert_cmpuint (active_notifies, ==, 1);
  gsock_test_wait_until (reported != NULL);

  g_assert_error (reported, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_error ((GError *) gsock_endpoint_get_last_error (GSOCK_ENDPOINT (client)),
                  G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_false (gsock_endpoint_get_active (GSOCK_ENDPOINT (client)));
  g_assert_cmpuint (active_notifies, ==, 2);
}

/* A UDP bind fails at once: :active goes back to FALSE with the error kept. */
static void
test_active_bind_in_use (void)
{
  g_autoptr(GsockUdpEndpoint) first = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GsockUdpEndpoint) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) reported = NULL;

  g_assert_true (gsock_udp_endpoint_bind (first, &error));
  g_assert_no_error (error);

  second = gsock_udp_endpoint_new ("127.0.0.1", gsock_test_endpoint_get_port (first));
  g_signal_connect (second, "error", G_CALLBACK (store_error_cb), &reported);
  gsock_endpoint_set_active (GSOCK_ENDPOINT (second), TRUE);
  gsock_test_wait_until (reported != NULL);

  g_assert_error (reported, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_false (gsock_endpoint_get_active (GSOCK_ENDPOINT (second)));
  g_assert_cmpint (gsock_endpoint_get_state (GSOCK_ENDPOINT (second)), ==, GSOCK_STATE_CLOSED);
}

/* open_async works on every kind through the base class, so generic code needs no casts. */
static void
test_open_async_every_kind (void)
{
  g_autoptr(GsockTcpServer) server = gsock_tcp_server_new ("127.0.0.1", 0);
  g_autoptr(GsockUdpEndpoint) udp = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GsockTcpClient) client = NULL;
  GsockEndpoint *endpoints[3];

  endpoints[0] = GSOCK_ENDPOINT (server);
  endpoints[1] = GSOCK_ENDPOINT (udp);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;

      if (i == 2)
        {
          client = gsock_tcp_client_new ("127.0.0.1", gsock_test_endpoint_get_port (server));
          endpoints[2] = GSOCK_ENDPOINT (client);
        }
      gsock_endpoint_open_async (endpoints[i], NULL, store_result_cb, &result);
      gsock_test_wait_until (result != NULL);
      g_assert_true (gsock_endpoint_open_finish (endpoints[i], result, &error));
      g_assert_no_error (error);
      g_assert_cmpint (gsock_endpoint_get_state (endpoints[i]), ==, GSOCK_STATE_OPEN);
      g_assert_nonnull (gsock_endpoint_get_local_address (endpoints[i]));
    }

  /* Opening what is open is refused, not repeated. */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;

    gsock_endpoint_open_async (GSOCK_ENDPOINT (server), NULL, store_result_cb, &result);
    gsock_test_wait_until (result != NULL);
    g_assert_false (gsock_endpoint_open_finish (GSOCK_ENDPOINT (server), result, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  }
}

static void
test_open_async_cancelled (void)
{
  g_autoptr(GsockUdpEndpoint) udp = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  gsock_endpoint_open_async (GSOCK_ENDPOINT (udp), cancellable, store_result_cb, &result);
  gsock_test_wait_until (result != NULL);
  g_assert_false (gsock_endpoint_open_finish (GSOCK_ENDPOINT (udp), result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (gsock_endpoint_get_state (GSOCK_ENDPOINT (udp)), ==, GSOCK_STATE_CLOSED);
}

/* The state moves through every value, each change notified once. */
static void
record_state_cb (GObject    *object,
                 GParamSpec *pspec,
                 GArray     *states)
{
  GsockState state = gsock_endpoint_get_state (GSOCK_ENDPOINT (object));

  g_array_append_val (states, state);
}

static void
test_state_sequence (void)
{
  g_autoptr(GsockTcpServer) server = gsock_tcp_server_new ("127.0.0.1", 0);
  g_autoptr(GsockTcpClient) client = NULL;
  g_autoptr(GArray) states = g_array_new (FALSE, FALSE, sizeof (GsockState));
  g_autoptr(GError) error = NULL;
  GsockState expected[] = { GSOCK_STATE_OPENING, GSOCK_STATE_OPEN, GSOCK_STATE_CLOSING,
                            GSOCK_STATE_CLOSED };

  g_assert_true (gsock_tcp_server_listen (server, &error));
  client = gsock_tcp_client_new ("127.0.0.1", gsock_test_endpoint_get_port (server));
  g_signal_connect (client, "notify::state", G_CALLBACK (record_state_cb), states);

  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);
  /* Something queued makes the close go through CLOSING. */
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "bye", NULL, &error));
  gsock_endpoint_close (GSOCK_ENDPOINT (client));
  gsock_test_wait_until (gsock_endpoint_get_state (GSOCK_ENDPOINT (client)) ==
                         GSOCK_STATE_CLOSED);

  g_assert_cmpuint (states->len, >=, 3);
  g_assert_cmpint (g_array_index (states, GsockState, 0), ==, expected[0]);
  g_assert_cmpint (g_array_index (states, GsockState, 1), ==, expected[1]);
  g_assert_cmpint (g_array_index (states, GsockState, states->len - 1), ==, expected[3]);
  for (guint i = 1; i < states->len; i++)
    g_assert_cmpint (g_array_index (states, GsockState, i), !=,
                     g_array_index (states, GsockState, i - 1));
}

static void
test_defaults (void)
{
  g_autoptr(GsockTcpClient) client = gsock_tcp_client_new (NULL, 8080);
  GsockEndpoint *endpoint = GSOCK_ENDPOINT (client);

  g_assert_cmpstr (gsock_endpoint_get_host (endpoint), ==, "127.0.0.1");
  g_assert_cmpuint (gsock_endpoint_get_port (endpoint), ==, 8080);
  g_assert_cmpstr (gsock_endpoint_get_encoding (endpoint), ==, "UTF-8");
  g_assert_cmpuint (gsock_endpoint_get_max_message_size (endpoint), ==, 1024 * 1024);
  g_assert_cmpuint (gsock_endpoint_get_timeout (endpoint), ==, 0);
  g_assert_false (gsock_endpoint_get_active (endpoint));
  g_assert_null (gsock_endpoint_get_last_error (endpoint));
  g_assert_true (GSOCK_IS_LINE_FRAMER (gsock_tcp_client_get_framer (client)));

  gsock_endpoint_set_encoding (endpoint, "GBK");
  gsock_endpoint_set_encoding (endpoint, NULL);
  g_assert_cmpstr (gsock_endpoint_get_encoding (endpoint), ==, "UTF-8");
  gsock_endpoint_set_host (endpoint, "::1");
  gsock_endpoint_set_host (endpoint, NULL);
  g_assert_cmpstr (gsock_endpoint_get_host (endpoint), ==, "127.0.0.1");
}

/* Messages nobody handles wait for the next receive, in order, as in a socket buffer. */
static void
test_inbox_keeps_unheard_datagrams (void)
{
  g_autoptr(GsockUdpEndpoint) server = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GsockUdpEndpoint) client = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) target = NULL;
  g_autoptr(GError) error = NULL;
  const char *texts[] = { "one", "two", "three" };

  g_assert_true (gsock_udp_endpoint_bind (server, &error));
  target = gsock_test_loopback_address (gsock_test_endpoint_get_port (server));
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), texts[i], target, &error));
  gsock_test_wait_until (gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (server)) == 3);

  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (server), 2000);
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autofree char *text = gsock_endpoint_receive (GSOCK_ENDPOINT (server), NULL, NULL,
                                                      &error);
      g_assert_no_error (error);
      g_assert_cmpstr (text, ==, texts[i]);
    }
}

/* Messages waiting in the inbox do not keep their endpoint alive. */
static void
test_inbox_does_not_leak_the_endpoint (void)
{
  GsockUdpEndpoint *server = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GsockUdpEndpoint) client = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) target = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (gsock_udp_endpoint_bind (server, &error));
  target = gsock_test_loopback_address (gsock_test_endpoint_get_port (server));
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "unread", target, &error));
  gsock_test_wait_until (gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (server)) == 1);

  g_assert_finalize_object (server);
}

/* A connection's last messages can still be received after the peer closed it. */
static void
test_inbox_outlives_the_connection (void)
{
  g_autoptr(GsockTcpServer) server = gsock_tcp_server_new ("127.0.0.1", 0);
  g_autoptr(GsockTcpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  GsockTcpClient *accepted;

  g_assert_true (gsock_tcp_server_listen (server, &error));
  client = gsock_tcp_client_new ("127.0.0.1", gsock_test_endpoint_get_port (server));
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), 2000);
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  gsock_test_wait_until (g_list_model_get_n_items (gsock_tcp_server_get_clients (server)) == 1);

  accepted = g_list_model_get_item (gsock_tcp_server_get_clients (server), 0);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (accepted), "first", NULL, &error));
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (accepted), "last", NULL, &error));
  gsock_endpoint_close (GSOCK_ENDPOINT (accepted));
  g_object_unref (accepted);
  gsock_test_wait_until (gsock_endpoint_get_state (GSOCK_ENDPOINT (client)) == GSOCK_STATE_CLOSED);

  {
    g_autofree char *first = gsock_endpoint_receive (GSOCK_ENDPOINT (client), NULL, NULL, &error);
    g_autofree char *last = gsock_endpoint_receive (GSOCK_ENDPOINT (client), NULL, NULL, &error);
    g_autofree char *none = NULL;

    g_assert_no_error (error);
    g_assert_cmpstr (first, ==, "first");
    g_assert_cmpstr (last, ==, "last");
    none = gsock_endpoint_receive (GSOCK_ENDPOINT (client), NULL, NULL, &error);
    g_assert_null (none);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  }
}

/* The inbox is bounded: past its limit the oldest message goes, and the application hears. */
static void
count_inbox_full_cb (GsockEndpoint *endpoint,
                     const GError  *error,
                     guint         *count)
{
  g_assert_error ((GError *) error, GSOCK_ERROR, GSOCK_ERROR_INBOX_FULL);
  (*count)++;
}

static void
test_inbox_is_bounded (void)
{
  g_autoptr(GsockUdpEndpoint) server = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GsockUdpEndpoint) client = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) target = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint dropped = 0;
  guint64 received;

  g_assert_true (gsock_udp_endpoint_bind (server, &error));
  g_signal_connect (server, "error", G_CALLBACK (count_inbox_full_cb), &dropped);
  target = gsock_test_loopback_address (gsock_test_endpoint_get_port (server));

  /* In small batches, so the kernel's own buffer never overflows. */
  for (guint i = 0; i < 4100; i++)
    {
      g_autofree char *number = g_strdup_printf ("%u", i);

      g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), number, target, &error));
      if (i % 50 == 49)
        gsock_test_wait_until (gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (server)) ==
                               i + 1);
    }
  gsock_test_wait_until (gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (server)) == 4100);
  received = gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (server));

  g_assert_cmpuint (dropped, ==, received - 4096);
  text = gsock_endpoint_receive (GSOCK_ENDPOINT (server), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_ascii_strtoull (text, NULL, 10), ==, dropped);
}

static void
echo_cb (GsockEndpoint *endpoint,
         GsockMessage  *message,
         gpointer       user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (gsock_message_reply_bytes (message, gsock_message_get_bytes (message), &error));
  g_assert_no_error (error);
}

/* :address takes a Unix socket path: a stream for the TCP classes. */
static void
test_unix_stream (void)
{
  g_autofree char *dir = g_dir_make_tmp ("gsock-test-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "socket", NULL);
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr(GsockTcpServer) server = gsock_tcp_server_new (NULL, 0);
  g_autoptr(GsockTcpClient) client = gsock_tcp_client_new (NULL, 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;

  gsock_endpoint_set_address (GSOCK_ENDPOINT (server), address);
  g_signal_connect (server, "message-received", G_CALLBACK (echo_cb), NULL);
  g_assert_true (gsock_tcp_server_listen (server, &error));
  g_assert_no_error (error);
  g_assert_true (G_IS_UNIX_SOCKET_ADDRESS (gsock_endpoint_get_local_address (GSOCK_ENDPOINT (server))));
  g_assert_cmpuint (gsock_endpoint_get_local_port (GSOCK_ENDPOINT (server)), ==, 0);

  g_object_set (client, "address", address, "timeout", 5000, NULL);
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "over a unix socket", NULL, &error));
  reply = gsock_endpoint_receive (GSOCK_ENDPOINT (client), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply, ==, "over a unix socket");

  gsock_endpoint_close (GSOCK_ENDPOINT (client));
  gsock_endpoint_close (GSOCK_ENDPOINT (server));
  gsock_test_wait_until (gsock_endpoint_get_state (GSOCK_ENDPOINT (server)) == GSOCK_STATE_CLOSED);
  g_unlink (path);
  g_rmdir (dir);
}

/* ... and datagrams for GsockUdpEndpoint; both sides bind, so the answer has somewhere to go. */
static void
test_unix_datagram (void)
{
  g_autofree char *dir = g_dir_make_tmp ("gsock-test-XXXXXX", NULL);
  g_autofree char *server_path = g_build_filename (dir, "server", NULL);
  g_autofree char *client_path = g_build_filename (dir, "client", NULL);
  g_autoptr(GSocketAddress) server_address = g_unix_socket_address_new (server_path);
  g_autoptr(GSocketAddress) client_address = g_unix_socket_address_new (client_path);
  g_autoptr(GsockUdpEndpoint) server = gsock_udp_endpoint_new (NULL, 0);
  g_autoptr(GsockUdpEndpoint) client = gsock_udp_endpoint_new (NULL, 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;

  gsock_endpoint_set_address (GSOCK_ENDPOINT (server), server_address);
  gsock_endpoint_set_address (GSOCK_ENDPOINT (client), client_address);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), 5000);
  g_signal_connect (server, "message-received", G_CALLBACK (echo_cb), NULL);
  g_assert_true (gsock_udp_endpoint_bind (server, &error));
  g_assert_true (gsock_udp_endpoint_bind (client, &error));
  g_assert_no_error (error);

  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "datagram", server_address,
                                      &error));
  reply = gsock_endpoint_receive (GSOCK_ENDPOINT (client), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply, ==, "datagram");

  gsock_endpoint_close (GSOCK_ENDPOINT (client));
  gsock_endpoint_close (GSOCK_ENDPOINT (server));
  g_unlink (server_path);
  g_unlink (client_path);
  g_rmdir (dir);
}

/* ---- a subclass's class handler that chains up to the base's default ---- */

#define TEST_TYPE_CHAINING_UDP (test_chaining_udp_get_type ())
G_DECLARE_FINAL_TYPE (TestChainingUdp, test_chaining_udp, TEST, CHAINING_UDP, GsockUdpEndpoint)

struct _TestChainingUdp
{
  GsockUdpEndpoint parent_instance;
  GPtrArray       *texts;
};

G_DEFINE_FINAL_TYPE (TestChainingUdp, test_chaining_udp, GSOCK_TYPE_UDP_ENDPOINT)

static void
test_chaining_udp_message_received (GsockEndpoint *endpoint,
                                    GsockMessage  *message)
{
  TestChainingUdp *self = TEST_CHAINING_UDP (endpoint);

  g_ptr_array_add (self->texts, g_strdup (gsock_message_get_text (message, NULL)));
  GSOCK_ENDPOINT_CLASS (test_chaining_udp_parent_class)->message_received (endpoint, message);
}

static void
test_chaining_udp_finalize (GObject *object)
{
  g_ptr_array_unref (TEST_CHAINING_UDP (object)->texts);
  G_OBJECT_CLASS (test_chaining_udp_parent_class)->finalize (object);
}

static void
test_chaining_udp_class_init (TestChainingUdpClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_chaining_udp_finalize;
  GSOCK_ENDPOINT_CLASS (klass)->message_received = test_chaining_udp_message_received;
}

static void
test_chaining_udp_init (TestChainingUdp *self)
{
  self->texts = g_ptr_array_new_with_free_func (g_free);
}

#define TEST_TYPE_CHAINING_SERVER (test_chaining_server_get_type ())
G_DECLARE_FINAL_TYPE (TestChainingServer, test_chaining_server, TEST, CHAINING_SERVER,
                      GsockTcpServer)

struct _TestChainingServer
{
  GsockTcpServer parent_instance;
  GPtrArray     *texts;
};

G_DEFINE_FINAL_TYPE (TestChainingServer, test_chaining_server, GSOCK_TYPE_TCP_SERVER)

static void
test_chaining_server_message_received (GsockEndpoint *endpoint,
                                       GsockMessage  *message)
{
  TestChainingServer *self = TEST_CHAINING_SERVER (endpoint);

  g_ptr_array_add (self->texts, g_strdup (gsock_message_get_text (message, NULL)));
  GSOCK_ENDPOINT_CLASS (test_chaining_server_parent_class)->message_received (endpoint, message);
}

static void
test_chaining_server_finalize (GObject *object)
{
  g_ptr_array_unref (TEST_CHAINING_SERVER (object)->texts);
  G_OBJECT_CLASS (test_chaining_server_parent_class)->finalize (object);
}

static void
test_chaining_server_class_init (TestChainingServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_chaining_server_finalize;
  GSOCK_ENDPOINT_CLASS (klass)->message_received = test_chaining_server_message_received;
}

static void
test_chaining_server_init (TestChainingServer *self)
{
  self->texts = g_ptr_array_new_with_free_func (g_free);
}

/* A datagram over loopback reaches a class handler that chains up, which then does not
 * crash; the message is handled, so it is not also kept for a receive. */
/* A handler connected to the signal runs before the class's message_received, as the
 * handlers of a RUN_LAST signal run before its class handler. */
static void
texts_before_cb (GsockEndpoint *endpoint,
                 GsockMessage  *message,
                 guint         *texts_before)
{
  *texts_before = TEST_CHAINING_UDP (endpoint)->texts->len;
}

static void
test_chain_up_udp (void)
{
  g_autoptr(TestChainingUdp) server = g_object_new (TEST_TYPE_CHAINING_UDP,
                                                    "host", "127.0.0.1", "port", 0, NULL);
  g_autoptr(GsockUdpEndpoint) client = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) target = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint texts_before = G_MAXUINT;

  g_signal_connect (server, "message-received", G_CALLBACK (texts_before_cb), &texts_before);
  g_assert_true (gsock_udp_endpoint_bind (GSOCK_UDP_ENDPOINT (server), &error));
  g_assert_no_error (error);
  target = gsock_test_loopback_address (gsock_test_endpoint_get_port (server));
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "chained", target, &error));
  g_assert_no_error (error);

  gsock_test_wait_until (server->texts->len == 1);
  g_assert_cmpstr (server->texts->pdata[0], ==, "chained");
  g_assert_cmpuint (texts_before, ==, 0);
  g_assert_cmpuint (gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (server)), ==, 1);

  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (server), 100);
  text = gsock_endpoint_receive (GSOCK_ENDPOINT (server), NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_null (text);
}

/* The same for a server, whose messages come from its clients' connections. */
static void
test_chain_up_tcp_server (void)
{
  g_autoptr(TestChainingServer) server = g_object_new (TEST_TYPE_CHAINING_SERVER,
                                                       "host", "127.0.0.1", "port", 0, NULL);
  g_autoptr(GsockTcpClient) client = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (gsock_tcp_server_listen (GSOCK_TCP_SERVER (server), &error));
  g_assert_no_error (error);
  client = gsock_tcp_client_new ("127.0.0.1", gsock_test_endpoint_get_port (server));
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), GSOCK_TEST_TIMEOUT_MS);
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "first", NULL, &error));
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "second", NULL, &error));
  g_assert_no_error (error);

  gsock_test_wait_until (server->texts->len == 2);
  g_assert_cmpstr (server->texts->pdata[0], ==, "first");
  g_assert_cmpstr (server->texts->pdata[1], ==, "second");

  gsock_endpoint_close (GSOCK_ENDPOINT (client));
  gsock_endpoint_close (GSOCK_ENDPOINT (server));
  gsock_test_wait_until (gsock_endpoint_get_state (GSOCK_ENDPOINT (server)) == GSOCK_STATE_CLOSED);
}

/* A handler as a language binding connects one (a closure with a marshaller of its own, which
 * the base's marshallers never see) that disconnects itself on its first message: the base's
 * default class handler does not count as hearing, so the next message waits for a receive. */
static void
binding_like_one_shot_marshal (GClosure     *closure,
                               GValue       *return_value,
                               guint         n_param_values,
                               const GValue *param_values,
                               gpointer      invocation_hint,
                               gpointer      marshal_data)
{
  guint *calls = closure->data;

  (*calls)++;
  g_signal_handlers_disconnect_matched (g_value_get_object (&param_values[0]),
                                        G_SIGNAL_MATCH_CLOSURE, 0, 0, closure, NULL, NULL);
}

static void
test_inbox_after_binding_handler_left (void)
{
  g_autoptr(GsockUdpEndpoint) server = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GsockUdpEndpoint) client = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) target = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint calls = 0;
  GClosure *closure = g_closure_new_simple (sizeof (GClosure), &calls);

  g_closure_set_marshal (closure, binding_like_one_shot_marshal);
  g_signal_connect_closure (server, "message-received", closure, FALSE);
  g_assert_true (gsock_udp_endpoint_bind (server, &error));
  target = gsock_test_loopback_address (gsock_test_endpoint_get_port (server));

  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "heard", target, &error));
  gsock_test_wait_until (gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (server)) == 1);
  g_assert_cmpuint (calls, ==, 1);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "kept", target, &error));
  gsock_test_wait_until (gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (server)) == 2);
  g_assert_cmpuint (calls, ==, 1);

  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (server), 2000);
  text = gsock_endpoint_receive (GSOCK_ENDPOINT (server), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "kept");
}

/* ---- a subclass that overrides send_data ---- */

#define TEST_TYPE_DATA_UDP (test_data_udp_get_type ())
G_DECLARE_FINAL_TYPE (TestDataUdp, test_data_udp, TEST, DATA_UDP, GsockUdpEndpoint)

struct _TestDataUdp
{
  GsockUdpEndpoint parent_instance;
  guint            n_send_data;
  gsize            last_size;
};

G_DEFINE_FINAL_TYPE (TestDataUdp, test_data_udp, GSOCK_TYPE_UDP_ENDPOINT)

static gboolean
test_data_udp_send_data (GsockEndpoint  *endpoint,
                         const guint8   *data,
                         gsize           size,
                         GSocketAddress *target,
                         GError        **error)
{
  TestDataUdp *self = TEST_DATA_UDP (endpoint);

  self->n_send_data++;
  self->last_size = size;
  return GSOCK_ENDPOINT_CLASS (test_data_udp_parent_class)->send_data (endpoint, data, size,
                                                                       target, error);
}

/* Answers with reply_data(), which is gsock_endpoint_send_data(). */
static void
test_data_udp_message_received (GsockEndpoint *endpoint,
                                GsockMessage  *message)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (gsock_message_reply_data (message, (const guint8 *) "answer", 6, &error));
  g_assert_no_error (error);
}

static void
test_data_udp_class_init (TestDataUdpClass *klass)
{
  GSOCK_ENDPOINT_CLASS (klass)->send_data = test_data_udp_send_data;
  GSOCK_ENDPOINT_CLASS (klass)->message_received = test_data_udp_message_received;
}

static void
test_data_udp_init (TestDataUdp *self)
{
}

#define TEST_TYPE_DATA_CLIENT (test_data_client_get_type ())
G_DECLARE_FINAL_TYPE (TestDataClient, test_data_client, TEST, DATA_CLIENT, GsockTcpClient)

struct _TestDataClient
{
  GsockTcpClient parent_instance;
  guint          n_send_data;
};

G_DEFINE_FINAL_TYPE (TestDataClient, test_data_client, GSOCK_TYPE_TCP_CLIENT)

static gboolean
test_data_client_send_data (GsockEndpoint  *endpoint,
                            const guint8   *data,
                            gsize           size,
                            GSocketAddress *target,
                            GError        **error)
{
  TEST_DATA_CLIENT (endpoint)->n_send_data++;
  return GSOCK_ENDPOINT_CLASS (test_data_client_parent_class)->send_data (endpoint, data, size,
                                                                          target, error);
}

/* Echoes each line with reply_data(), from inside the read. */
static void
test_data_client_message_received (GsockEndpoint *endpoint,
                                   GsockMessage  *message)
{
  gsize size;
  const guint8 *data = gsock_message_get_data (message, &size);
  g_autoptr(GError) error = NULL;

  g_assert_true (gsock_message_reply_data (message, data, size, &error));
  g_assert_no_error (error);
}

static void
test_data_client_class_init (TestDataClientClass *klass)
{
  GSOCK_ENDPOINT_CLASS (klass)->send_data = test_data_client_send_data;
  GSOCK_ENDPOINT_CLASS (klass)->message_received = test_data_client_message_received;
}

static void
test_data_client_init (TestDataClient *self)
{
}

/* A datagram endpoint's override sees send_data() from a handler; the answer still goes out
 * once and is counted once. */
static void
test_send_data_override_udp (void)
{
  g_autoptr(TestDataUdp) server = g_object_new (TEST_TYPE_DATA_UDP,
                                                "host", "127.0.0.1", "port", 0, NULL);
  g_autoptr(GsockUdpEndpoint) client = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) target = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = NULL;

  g_assert_true (gsock_udp_endpoint_bind (GSOCK_UDP_ENDPOINT (server), &error));
  g_assert_no_error (error);
  target = gsock_test_loopback_address (gsock_test_endpoint_get_port (server));
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), GSOCK_TEST_TIMEOUT_MS);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "question", target, &error));
  answer = gsock_endpoint_receive (GSOCK_ENDPOINT (client), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answer, ==, "answer");

  g_assert_cmpuint (server->n_send_data, ==, 1);
  g_assert_cmpuint (server->last_size, ==, 6);
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (GSOCK_ENDPOINT (server)), ==, 1);
}

/* A connection's override sees send_data() from inside its read; chaining up frames the
 * answers into that read's batch, each counted once. */
static void
test_send_data_override_tcp_client (void)
{
  guint16 port;
  g_autoptr(GSocket) listener = gsock_test_tcp_listen (4, &port);
  g_autoptr(GSocket) peer = NULL;
  g_autoptr(TestDataClient) client = g_object_new (TEST_TYPE_DATA_CLIENT,
                                                   "host", "127.0.0.1", "port", port,
                                                   "timeout", GSOCK_TEST_TIMEOUT_MS, NULL);
  g_autoptr(GBytes) echo = NULL;
  g_autoptr(GError) error = NULL;
  gboolean eof = FALSE;

  g_assert_true (gsock_tcp_client_open (GSOCK_TCP_CLIENT (client), NULL, &error));
  g_assert_no_error (error);
  peer = gsock_test_tcp_accept (listener);
  gsock_test_socket_send_all (peer, "a\nbc\n", 5);
  echo = gsock_test_socket_read (peer, 5, 5, &eof);
  gsock_test_assert_bytes (echo, "a\nbc\n", 5);

  g_assert_cmpuint (client->n_send_data, ==, 2);
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (GSOCK_ENDPOINT (client)), ==, 2);

  gsock_endpoint_abort (GSOCK_ENDPOINT (client));
  g_socket_close (peer, NULL);
  g_socket_close (listener, NULL);
}

/* ---- names are resolved without blocking the main loop in an asynchronous open ---- */

/* A resolver that answers 127.0.0.1 for every name (127.0.0.1, ::1 and 127.0.0.1 again for
 * "both-loopbacks", G_RESOLVER_ERROR_NOT_FOUND for "no-such-host"): at once and counted when asked to block, from an idle of the caller's
 * thread-default context when asked asynchronously. */
#define TEST_TYPE_RESOLVER (test_resolver_get_type ())
G_DECLARE_FINAL_TYPE (TestResolver, test_resolver, TEST, RESOLVER, GResolver)

struct _TestResolver
{
  GResolver     parent_instance;
  guint         sync_calls;
  guint         async_calls;
  GMainContext *async_context; /* where the last asynchronous lookup was asked */
};

G_DEFINE_FINAL_TYPE (TestResolver, test_resolver, G_TYPE_RESOLVER)

static GList *
loopback_addresses (const char *hostname)
{
  GList *addresses = g_list_prepend (NULL, g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4));

  if (g_str_equal (hostname, "both-loopbacks"))
    {
      addresses = g_list_prepend (addresses, g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6));
      addresses = g_list_prepend (addresses, g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4));
    }
  return addresses;
}

static GList *
test_resolver_lookup_by_name (GResolver     *resolver,
                              const char    *hostname,
                              GCancellable  *cancellable,
                              GError       **error)
{
  TEST_RESOLVER (resolver)->sync_calls++;
  if (g_str_equal (hostname, "no-such-host"))
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "No host “%s”", hostname);
      return NULL;
    }
  return loopback_addresses (hostname);
}

static gboolean
test_resolver_answer_cb (gpointer user_data)
{
  GTask *task = user_data;
  const char *hostname = g_task_get_task_data (task);

  if (g_str_equal (hostname, "no-such-host"))
    g_task_return_new_error (task, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                             "No host “%s”", hostname);
  else
    g_task_return_pointer (task, loopback_addresses (hostname),
                           (GDestroyNotify) g_resolver_free_addresses);
  return G_SOURCE_REMOVE;
}

static void
test_resolver_lookup_by_name_async (GResolver           *resolver,
                                    const char          *hostname,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  TestResolver *self = TEST_RESOLVER (resolver);
  GTask *task = g_task_new (resolver, cancellable, callback, user_data);
  g_autoptr(GSource) idle = g_idle_source_new ();

  /* Like GLib's own resolvers, it answers even when cancelled (GTask then says CANCELLED). */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, g_strdup (hostname), g_free);
  self->async_calls++;
  g_clear_pointer (&self->async_context, g_main_context_unref);
  self->async_context = g_main_context_ref_thread_default ();
  g_source_set_callback (idle, test_resolver_answer_cb, task, g_object_unref);
  g_source_attach (idle, self->async_context);
}

static GList *
test_resolver_lookup_by_name_finish (GResolver     *resolver,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_resolver_finalize (GObject *object)
{
  g_clear_pointer (&TEST_RESOLVER (object)->async_context, g_main_context_unref);
  G_OBJECT_CLASS (test_resolver_parent_class)->finalize (object);
}

static void
test_resolver_class_init (TestResolverClass *klass)
{
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_resolver_finalize;

  resolver_class->lookup_by_name = test_resolver_lookup_by_name;
  resolver_class->lookup_by_name_async = test_resolver_lookup_by_name_async;
  resolver_class->lookup_by_name_finish = test_resolver_lookup_by_name_finish;
}

static void
test_resolver_init (TestResolver *self)
{
}

typedef struct
{
  GResolver    *saved;
  TestResolver *resolver;
} ResolverFixture;

static void
resolver_fixture_setup (ResolverFixture *fx,
                        gconstpointer    data)
{
  fx->saved = g_resolver_get_default ();
  fx->resolver = g_object_new (TEST_TYPE_RESOLVER, NULL);
  g_resolver_set_default (G_RESOLVER (fx->resolver));
}

static void
resolver_fixture_teardown (ResolverFixture *fx,
                           gconstpointer    data)
{
  g_resolver_set_default (fx->saved);
  g_object_unref (fx->saved);
  g_assert_finalize_object (fx->resolver);
}

#define TEST_HOST_NAME "gsock-test.invalid"

/* open_async of a UDP endpoint and of a server with a host name resolves it asynchronously on
 * the endpoint's context, OPENING meanwhile, and then binds or listens there. */
static void
test_open_async_resolves_asynchronously (ResolverFixture *fx,
                                         gconstpointer    data)
{
  g_autoptr(GsockUdpEndpoint) udp = gsock_udp_endpoint_new (TEST_HOST_NAME, 0);
  g_autoptr(GsockTcpServer) server = gsock_tcp_server_new (TEST_HOST_NAME, 0);
  GsockEndpoint *endpoints[] = { GSOCK_ENDPOINT (udp), GSOCK_ENDPOINT (server) };

  for (guint i = 0; i < G_N_ELEMENTS (endpoints); i++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *local = NULL;

      gsock_endpoint_open_async (endpoints[i], NULL, store_result_cb, &result);
      g_assert_cmpint (gsock_endpoint_get_state (endpoints[i]), ==, GSOCK_STATE_OPENING);
      g_assert_true (gsock_endpoint_get_active (endpoints[i]));
      gsock_test_wait_until (result != NULL);
      g_assert_true (gsock_endpoint_open_finish (endpoints[i], result, &error));
      g_assert_no_error (error);

      g_assert_cmpuint (fx->resolver->sync_calls, ==, 0);
      g_assert_cmpuint (fx->resolver->async_calls, ==, i + 1);
      g_assert_true (fx->resolver->async_context == g_main_context_default ());
      g_assert_cmpint (gsock_endpoint_get_state (endpoints[i]), ==, GSOCK_STATE_OPEN);
      local = gsock_test_address_to_string (gsock_endpoint_get_local_address (endpoints[i]));
      g_assert_true (g_str_has_prefix (local, "127.0.0.1:"));
    }

  /* The server really listens at the resolved address. */
  {
    g_autoptr(GsockTcpClient) client = gsock_tcp_client_new ("127.0.0.1",
                                                             gsock_test_endpoint_get_port (server));
    g_autoptr(GError) error = NULL;

    gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), GSOCK_TEST_TIMEOUT_MS);
    g_assert_true (gsock_tcp_client_open (client, NULL, &error));
    g_assert_no_error (error);
    gsock_endpoint_close (GSOCK_ENDPOINT (client));
  }

  /* Opening what is open is refused without asking the resolver again. */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;

    gsock_endpoint_open_async (GSOCK_ENDPOINT (udp), NULL, store_result_cb, &result);
    gsock_test_wait_until (result != NULL);
    g_assert_false (gsock_endpoint_open_finish (GSOCK_ENDPOINT (udp), result, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
    g_assert_cmpuint (fx->resolver->async_calls, ==, 2);
    g_assert_cmpint (gsock_endpoint_get_state (GSOCK_ENDPOINT (udp)), ==, GSOCK_STATE_OPEN);
  }
  gsock_endpoint_close (GSOCK_ENDPOINT (server));
  gsock_test_wait_until (gsock_endpoint_get_state (GSOCK_ENDPOINT (server)) == GSOCK_STATE_CLOSED);
}

/* A literal address needs no resolver, and the blocking calls may block. */
static void
test_resolve_literal_and_blocking (ResolverFixture *fx,
                                   gconstpointer    data)
{
  g_autoptr(GsockUdpEndpoint) literal = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GsockUdpEndpoint) named = gsock_udp_endpoint_new (TEST_HOST_NAME, 0);
  g_autoptr(GsockTcpServer) server = gsock_tcp_server_new (TEST_HOST_NAME, 0);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  gsock_endpoint_open_async (GSOCK_ENDPOINT (literal), NULL, store_result_cb, &result);
  gsock_test_wait_until (result != NULL);
  g_assert_true (gsock_endpoint_open_finish (GSOCK_ENDPOINT (literal), result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fx->resolver->sync_calls + fx->resolver->async_calls, ==, 0);

  g_assert_true (gsock_udp_endpoint_bind (named, &error));
  g_assert_no_error (error);
  g_assert_true (gsock_tcp_server_listen (server, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fx->resolver->sync_calls, ==, 2);
  g_assert_cmpuint (fx->resolver->async_calls, ==, 0);
  gsock_endpoint_close (GSOCK_ENDPOINT (server));
}

/* Cancelling an open while its name is resolved fails it with CANCELLED, and nothing is bound
 * once the answer comes; so does closing the endpoint meanwhile. */
static void
test_open_async_cancelled_while_resolving (ResolverFixture *fx,
                                           gconstpointer    data)
{
  g_autoptr(GsockUdpEndpoint) udp = gsock_udp_endpoint_new (TEST_HOST_NAME, 0);
  g_autoptr(GsockTcpServer) server = gsock_tcp_server_new (TEST_HOST_NAME, 0);
  GsockEndpoint *endpoints[] = { GSOCK_ENDPOINT (udp), GSOCK_ENDPOINT (server) };

  for (guint i = 0; i < 2 * G_N_ELEMENTS (endpoints); i++)
    {
      GsockEndpoint *endpoint = endpoints[i % G_N_ELEMENTS (endpoints)];
      gboolean by_close = i >= G_N_ELEMENTS (endpoints);
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;
      guint asked = fx->resolver->async_calls;

      gsock_endpoint_open_async (endpoint, cancellable, store_result_cb, &result);
      g_assert_cmpint (gsock_endpoint_get_state (endpoint), ==, GSOCK_STATE_OPENING);
      if (by_close)
        gsock_endpoint_close (endpoint);
      else
        g_cancellable_cancel (cancellable);
      gsock_test_wait_until (result != NULL);
      g_assert_false (gsock_endpoint_open_finish (endpoint, result, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

      /* The resolver's answer has come, and it opened nothing. */
      g_assert_cmpuint (fx->resolver->async_calls, ==, asked + 1);
      gsock_test_run_for (NULL, 20);
      g_assert_cmpint (gsock_endpoint_get_state (endpoint), ==, GSOCK_STATE_CLOSED);
      g_assert_null (gsock_endpoint_get_local_address (endpoint));
      g_assert_false (gsock_endpoint_get_active (endpoint));
    }
  g_assert_cmpuint (fx->resolver->sync_calls, ==, 0);

  /* It opens again afterwards. */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;

    gsock_endpoint_open_async (GSOCK_ENDPOINT (udp), NULL, store_result_cb, &result);
    gsock_test_wait_until (result != NULL);
    g_assert_true (gsock_endpoint_open_finish (GSOCK_ENDPOINT (udp), result, &error));
    g_assert_no_error (error);
  }
}

/* NULL for self is refused with a critical and a default value, checked before anything is
 * computed from it (the private data's address of NULL is undefined behaviour, which UBSan
 * stops at). */
static void
test_null_self_is_refused (void)
{
  g_test_expect_message ("Gsock", G_LOG_LEVEL_CRITICAL, "*assertion*failed*");
  g_assert_null (gsock_endpoint_get_host (NULL));
  g_test_expect_message ("Gsock", G_LOG_LEVEL_CRITICAL, "*assertion*failed*");
  g_assert_cmpuint (gsock_endpoint_get_messages_received (NULL), ==, 0);
  g_test_expect_message ("Gsock", G_LOG_LEVEL_CRITICAL, "*assertion*failed*");
  g_assert_false (gsock_endpoint_get_active (NULL));
  g_test_expect_message ("Gsock", G_LOG_LEVEL_CRITICAL, "*assertion*failed*");
  g_assert_null (gsock_tcp_client_get_remote_address (NULL));
  g_test_expect_message ("Gsock", G_LOG_LEVEL_CRITICAL, "*assertion*failed*");
  g_assert_cmpuint (gsock_tcp_client_get_queued_bytes (NULL), ==, 0);
  g_test_expect_message ("Gsock", G_LOG_LEVEL_CRITICAL, "*assertion*failed*");
  g_assert_false (gsock_tcp_client_get_reconnect (NULL));
  g_test_expect_message ("Gsock", G_LOG_LEVEL_CRITICAL, "*assertion*failed*");
  g_assert_null (gsock_tcp_server_get_framer (NULL));
  g_test_expect_message ("Gsock", G_LOG_LEVEL_CRITICAL, "*assertion*failed*");
  g_assert_cmpuint (gsock_tcp_server_get_clients_rejected (NULL), ==, 0);
  g_test_expect_message ("Gsock", G_LOG_LEVEL_CRITICAL, "*assertion*failed*");
  g_assert_cmpuint (gsock_udp_endpoint_get_datagrams_dropped (NULL), ==, 0);
  g_test_assert_expected_messages ();
}

/* Port 0 gets a free port: local-port reads it (with one notify), port keeps the 0 asked for,
 * and a peer built from local-port reaches the endpoint. */
static void
test_local_port_reads_the_bound_port (void)
{
  g_autoptr(GsockTcpServer) server = gsock_tcp_server_new ("127.0.0.1", 0);
  g_autoptr(GsockUdpEndpoint) udp = gsock_udp_endpoint_new ("127.0.0.1", 0);
  GsockEndpoint *endpoints[] = { GSOCK_ENDPOINT (server), GSOCK_ENDPOINT (udp) };

  for (guint i = 0; i < G_N_ELEMENTS (endpoints); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *reply = NULL;
      guint notifies = 0;
      guint port;

      g_signal_connect (endpoints[i], "notify::local-port", G_CALLBACK (count_notify_cb),
                        &notifies);
      g_signal_connect (endpoints[i], "message-received", G_CALLBACK (echo_cb), NULL);
      g_assert_cmpuint (gsock_endpoint_get_local_port (endpoints[i]), ==, 0);

      if (GSOCK_IS_TCP_SERVER (endpoints[i]))
        g_assert_true (gsock_tcp_server_listen (server, &error));
      else
        g_assert_true (gsock_udp_endpoint_bind (udp, &error));
      g_assert_no_error (error);
      g_object_get (endpoints[i], "local-port", &port, NULL);
      g_assert_cmpuint (port, !=, 0);
      g_assert_cmpuint (port, ==, gsock_endpoint_get_local_port (endpoints[i]));
      g_assert_cmpuint (port, ==, g_inet_socket_address_get_port (
                          G_INET_SOCKET_ADDRESS (gsock_endpoint_get_local_address (endpoints[i]))));
      g_assert_cmpuint (notifies, ==, 1);
      g_assert_cmpuint (gsock_endpoint_get_port (endpoints[i]), ==, 0);

      if (GSOCK_IS_TCP_SERVER (endpoints[i]))
        {
          g_autoptr(GsockTcpClient) client = gsock_tcp_client_new ("127.0.0.1", port);

          gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), 5000);
          g_assert_true (gsock_tcp_client_open (client, NULL, &error));
          g_assert_no_error (error);
          g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "by local-port", NULL, &error));
          reply = gsock_endpoint_receive (GSOCK_ENDPOINT (client), NULL, NULL, &error);
          gsock_endpoint_close (GSOCK_ENDPOINT (client));
        }
      else
        {
          g_autoptr(GsockUdpEndpoint) client = gsock_udp_endpoint_new (NULL, 0);
          g_autoptr(GSocketAddress) target = g_inet_socket_address_new_from_string ("127.0.0.1",
                                                                                   port);

          gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), 5000);
          g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "by local-port", target,
                                              &error));
          reply = gsock_endpoint_receive (GSOCK_ENDPOINT (client), NULL, NULL, &error);
          gsock_endpoint_close (GSOCK_ENDPOINT (client));
        }
      g_assert_no_error (error);
      g_assert_cmpstr (reply, ==, "by local-port");
      gsock_endpoint_close (endpoints[i]);
    }

  /* A UDP endpoint lets its address go on close, and its port with it. */
  g_assert_cmpuint (gsock_endpoint_get_local_port (GSOCK_ENDPOINT (udp)), ==, 0);
}

/* An unknown encoding fails every kind of open at once, not every message later; an open
 * endpoint keeps its encoding when given an unknown one, and says so. */
static void
test_encoding_unknown_fails_the_open (void)
{
  g_autoptr(GsockTcpServer) server = gsock_tcp_server_new ("127.0.0.1", 0);
  g_autoptr(GsockUdpEndpoint) udp = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GsockTcpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) reported = NULL;
  GsockEndpoint *endpoints[3];

  g_assert_true (gsock_tcp_server_listen (server, &error));
  g_assert_no_error (error);
  client = gsock_tcp_client_new ("127.0.0.1", gsock_endpoint_get_local_port (GSOCK_ENDPOINT (server)));
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), 5000);
  gsock_endpoint_close (GSOCK_ENDPOINT (server));
  endpoints[0] = GSOCK_ENDPOINT (server);
  endpoints[1] = GSOCK_ENDPOINT (udp);
  endpoints[2] = GSOCK_ENDPOINT (client);

  for (guint i = 0; i < G_N_ELEMENTS (endpoints); i++)
    {
      gboolean opened;

      gsock_endpoint_set_encoding (endpoints[i], "NO-SUCH-CHARSET-GSOCK");
      g_assert_cmpstr (gsock_endpoint_get_encoding (endpoints[i]), ==, "NO-SUCH-CHARSET-GSOCK");
      if (GSOCK_IS_TCP_SERVER (endpoints[i]))
        opened = gsock_tcp_server_listen (server, &error);
      else if (GSOCK_IS_UDP_ENDPOINT (endpoints[i]))
        opened = gsock_udp_endpoint_bind (udp, &error);
      else
        opened = gsock_tcp_client_open (client, NULL, &error);
      g_assert_false (opened);
      g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_UNKNOWN_ENCODING);
      g_assert_nonnull (strstr (error->message, "NO-SUCH-CHARSET-GSOCK"));
      g_clear_error (&error);
      g_assert_cmpint (gsock_endpoint_get_state (endpoints[i]), ==, GSOCK_STATE_CLOSED);
      g_assert_null (gsock_endpoint_get_local_address (endpoints[i]));

      /* Also through open_async. */
      {
        g_autoptr(GAsyncResult) result = NULL;

        gsock_endpoint_open_async (endpoints[i], NULL, store_result_cb, &result);
        gsock_test_wait_until (result != NULL);
        g_assert_false (gsock_endpoint_open_finish (endpoints[i], result, &error));
        g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_UNKNOWN_ENCODING);
        g_clear_error (&error);
        g_assert_cmpint (gsock_endpoint_get_state (endpoints[i]), ==, GSOCK_STATE_CLOSED);
      }
      gsock_endpoint_set_encoding (endpoints[i], "GBK");
    }

  /* Open, it keeps GBK and reports the unknown name. */
  g_assert_true (gsock_udp_endpoint_bind (udp, &error));
  g_assert_no_error (error);
  g_signal_connect (udp, "error", G_CALLBACK (store_error_cb), &reported);
  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (udp), "NO-SUCH-CHARSET-GSOCK");
  g_assert_error (reported, GSOCK_ERROR, GSOCK_ERROR_UNKNOWN_ENCODING);
  g_assert_error (gsock_endpoint_get_last_error (GSOCK_ENDPOINT (udp)), GSOCK_ERROR,
                  GSOCK_ERROR_UNKNOWN_ENCODING);
  g_assert_cmpstr (gsock_endpoint_get_encoding (GSOCK_ENDPOINT (udp)), ==, "GBK");
  g_clear_error (&reported);
  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (udp), "ISO-8859-1");
  g_assert_null (reported);
  g_assert_cmpstr (gsock_endpoint_get_encoding (GSOCK_ENDPOINT (udp)), ==, "ISO-8859-1");
  gsock_endpoint_close (GSOCK_ENDPOINT (udp));
}

/* Whether this host can listen on ::1. */
static gboolean
has_ipv6_loopback (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);

  return socket != NULL && g_socket_bind (socket, address, FALSE, NULL);
}

/* An echo over a new client of @host:@port. */
static void
assert_echoes_at (const char *host,
                  guint16     port)
{
  g_autoptr(GsockTcpClient) client = gsock_tcp_client_new (host, port);
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;

  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), 5000);
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), host, NULL, &error));
  reply = gsock_endpoint_receive (GSOCK_ENDPOINT (client), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply, ==, host);
  gsock_endpoint_close (GSOCK_ENDPOINT (client));
}

/* A server given a name listens on every address it resolves to (as "localhost" may to
 * 127.0.0.1 and ::1), on one port, listening and through open_async; a port taken at one of
 * them fails the listen, leaving none listening. */
static void
test_listen_every_address_of_a_name (ResolverFixture *fx,
                                     gconstpointer    data)
{
  gboolean ipv6 = has_ipv6_loopback ();

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GsockTcpServer) server = gsock_tcp_server_new ("both-loopbacks", 0);
      g_autoptr(GError) error = NULL;
      guint16 port;

      g_signal_connect (server, "message-received", G_CALLBACK (echo_cb), NULL);
      if (i == 0)
        g_assert_true (gsock_tcp_server_listen (server, &error));
      else
        {
          g_autoptr(GAsyncResult) result = NULL;

          gsock_endpoint_open_async (GSOCK_ENDPOINT (server), NULL, store_result_cb, &result);
          gsock_test_wait_until (result != NULL);
          g_assert_true (gsock_endpoint_open_finish (GSOCK_ENDPOINT (server), result, &error));
        }
      g_assert_no_error (error);
      port = gsock_endpoint_get_local_port (GSOCK_ENDPOINT (server));
      g_assert_cmpuint (port, !=, 0);
      assert_echoes_at ("127.0.0.1", port);
      if (ipv6)
        assert_echoes_at ("::1", port);
      else
        g_test_message ("no ::1 here: the IPv6 address was left out");
      gsock_endpoint_close (GSOCK_ENDPOINT (server));
    }

  if (ipv6)
    {
      g_autoptr(GSocket) squatter = g_socket_new (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_STREAM,
                                                  G_SOCKET_PROTOCOL_TCP, NULL);
      g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
      g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
      g_autoptr(GSocketAddress) taken = NULL;
      g_autoptr(GsockTcpServer) server = NULL;
      g_autoptr(GsockTcpClient) client = NULL;
      g_autoptr(GError) error = NULL;
      guint16 port;

      g_assert_true (g_socket_bind (squatter, any_port, FALSE, &error));
      g_assert_true (g_socket_listen (squatter, &error));
      taken = g_socket_get_local_address (squatter, &error);
      g_assert_no_error (error);
      port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (taken));

      server = gsock_tcp_server_new ("both-loopbacks", port);
      g_assert_false (gsock_tcp_server_listen (server, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
      g_clear_error (&error);
      g_assert_cmpint (gsock_endpoint_get_state (GSOCK_ENDPOINT (server)), ==, GSOCK_STATE_CLOSED);

      /* 127.0.0.1 was let go again: nothing answers there. */
      client = gsock_tcp_client_new ("127.0.0.1", port);
      gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), 5000);
      g_assert_false (gsock_tcp_client_open (client, NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
      g_socket_close (squatter, NULL);
    }
}

/* A listener whose backlog is full: Linux drops further SYNs, so a connection attempt hangs.
 * NULL when this system accepts beyond the backlog. @port is set; @fillers keep it full. */
static GSocket *
full_listener (guint16    *port,
               GPtrArray  *fillers)
{
  g_autoptr(GSocket) listener = gsock_test_tcp_listen (0, port);
  g_autoptr(GSocketAddress) address = gsock_test_loopback_address (*port);
  GSocket *probe = NULL;

  for (guint i = 0; i < 4; i++)
    {
      probe = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                            NULL);
      g_assert_nonnull (probe);
      g_socket_set_blocking (probe, FALSE);
      g_socket_connect (probe, address, NULL, NULL); /* pending, or done while there is room */
      g_ptr_array_add (fillers, probe);
    }
  if (g_socket_condition_timed_wait (probe, G_IO_OUT, 300 * 1000, NULL, NULL) &&
      g_socket_check_connect_result (probe, NULL))
    return NULL;
  return g_steal_pointer (&listener);
}

/* connect-timeout bounds opening and receive-timeout receiving, each alone; timeout sets
 * both and reads the longer (0, for ever, when either is 0). */
static void
test_timeouts_connect_and_receive_apart (void)
{
  g_autoptr(GsockUdpEndpoint) udp = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GPtrArray) fillers = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  GsockEndpoint *endpoint = GSOCK_ENDPOINT (udp);
  guint connect_notifies = 0, receive_notifies = 0, timeout_notifies = 0;
  guint value = 1;
  guint16 port;

  g_signal_connect (udp, "notify::connect-timeout", G_CALLBACK (count_notify_cb),
                    &connect_notifies);
  g_signal_connect (udp, "notify::receive-timeout", G_CALLBACK (count_notify_cb),
                    &receive_notifies);
  g_signal_connect (udp, "notify::timeout", G_CALLBACK (count_notify_cb), &timeout_notifies);
  g_assert_cmpuint (gsock_endpoint_get_connect_timeout (endpoint), ==, 0);
  g_assert_cmpuint (gsock_endpoint_get_receive_timeout (endpoint), ==, 0);

  g_object_set (udp, "timeout", 500, NULL);
  g_assert_cmpuint (gsock_endpoint_get_connect_timeout (endpoint), ==, 500);
  g_assert_cmpuint (gsock_endpoint_get_receive_timeout (endpoint), ==, 500);
  g_assert_cmpuint (connect_notifies, ==, 1);
  g_assert_cmpuint (receive_notifies, ==, 1);
  g_assert_cmpuint (timeout_notifies, ==, 1);
  gsock_endpoint_set_receive_timeout (endpoint, 5000);
  g_object_get (udp, "timeout", &value, NULL);
  g_assert_cmpuint (value, ==, 5000);
  g_assert_cmpuint (timeout_notifies, ==, 2);
  g_assert_cmpuint (connect_notifies, ==, 1);
  gsock_endpoint_set_connect_timeout (endpoint, 0);
  g_assert_cmpuint (gsock_endpoint_get_timeout (endpoint), ==, 0);
  g_assert_cmpuint (timeout_notifies, ==, 3);

  /* A receive that would wait for ever under connect-timeout 0 ends after receive-timeout. */
  gsock_endpoint_set_receive_timeout (endpoint, 100);
  g_assert_true (gsock_udp_endpoint_bind (udp, &error));
  text = gsock_endpoint_receive (endpoint, NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_null (text);
  g_clear_error (&error);
  gsock_endpoint_close (endpoint);

  /* A connection attempt that would wait for ever under receive-timeout 0 ends after
   * connect-timeout. */
  listener = full_listener (&port, fillers);
  if (listener == NULL)
    {
      g_test_message ("this system accepts connections beyond the backlog: no hanging connect");
      return;
    }
  {
    g_autoptr(GsockTcpClient) client = gsock_tcp_client_new ("127.0.0.1", port);

    gsock_endpoint_set_connect_timeout (GSOCK_ENDPOINT (client), 200);
    g_assert_false (gsock_tcp_client_open (client, NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
    g_assert_nonnull (strstr (error->message, "200 ms"));
  }
}

/* A host name nothing resolves fails bind and listen, blocking or not, in the resolver's own
 * domain (G_RESOLVER_ERROR), as README says, and opens nothing. */
static void
test_unknown_host_is_a_resolver_error (ResolverFixture *fx,
                                       gconstpointer    data)
{
  g_autoptr(GsockTcpServer) server = gsock_tcp_server_new ("no-such-host", 0);
  g_autoptr(GsockUdpEndpoint) udp = gsock_udp_endpoint_new ("no-such-host", 0);
  GsockEndpoint *endpoints[] = { GSOCK_ENDPOINT (server), GSOCK_ENDPOINT (udp) };
  g_autoptr(GError) error = NULL;

  g_assert_false (gsock_tcp_server_listen (server, &error));
  g_assert_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (gsock_udp_endpoint_bind (udp, &error));
  g_assert_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND);
  g_clear_error (&error);

  for (guint i = 0; i < G_N_ELEMENTS (endpoints); i++)
    {
      g_autoptr(GAsyncResult) result = NULL;

      gsock_endpoint_open_async (endpoints[i], NULL, store_result_cb, &result);
      gsock_test_wait_until (result != NULL);
      g_assert_false (gsock_endpoint_open_finish (endpoints[i], result, &error));
      g_assert_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND);
      g_clear_error (&error);
      g_assert_cmpint (gsock_endpoint_get_state (endpoints[i]), ==, GSOCK_STATE_CLOSED);
      g_assert_null (gsock_endpoint_get_local_address (endpoints[i]));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Gsock/Endpoint/defaults", test_defaults);
  g_test_add_func ("/Gsock/Endpoint/active/opens-after-construction",
                   test_active_opens_after_construction);
  g_test_add_func ("/Gsock/Endpoint/active/failure-reports-error",
                   test_active_failure_reports_error);
  g_test_add_func ("/Gsock/Endpoint/active/bind-in-use", test_active_bind_in_use);
  g_test_add_func ("/Gsock/Endpoint/open-async/every-kind", test_open_async_every_kind);
  g_test_add_func ("/Gsock/Endpoint/open-async/cancelled", test_open_async_cancelled);
  g_test_add_func ("/Gsock/Endpoint/state/sequence", test_state_sequence);
  g_test_add_func ("/Gsock/Endpoint/inbox/keeps-unheard-datagrams",
                   test_inbox_keeps_unheard_datagrams);
  g_test_add_func ("/Gsock/Endpoint/inbox/does-not-leak-the-endpoint",
                   test_inbox_does_not_leak_the_endpoint);
  g_test_add_func ("/Gsock/Endpoint/inbox/outlives-the-connection",
                   test_inbox_outlives_the_connection);
  g_test_add_func ("/Gsock/Endpoint/inbox/is-bounded", test_inbox_is_bounded);
  g_test_add_func ("/Gsock/Endpoint/address/unix-stream", test_unix_stream);
  g_test_add_func ("/Gsock/Endpoint/encoding/unknown-fails-the-open",
                   test_encoding_unknown_fails_the_open);
  g_test_add_func ("/Gsock/Endpoint/timeouts/connect-and-receive-apart",
                   test_timeouts_connect_and_receive_apart);
  g_test_add_func ("/Gsock/Endpoint/local-port/reads-the-bound-port",
                   test_local_port_reads_the_bound_port);
  g_test_add_func ("/Gsock/Endpoint/address/unix-datagram", test_unix_datagram);
  g_test_add_func ("/Gsock/Endpoint/message-received/chain-up-udp", test_chain_up_udp);
  g_test_add_func ("/Gsock/Endpoint/message-received/chain-up-tcp-server",
                   test_chain_up_tcp_server);
  g_test_add_func ("/Gsock/Endpoint/inbox/keeps-what-comes-after-a-binding-handler-left",
                   test_inbox_after_binding_handler_left);
  g_test_add_func ("/Gsock/Endpoint/send-data/override-sees-datagram-answers",
                   test_send_data_override_udp);
  g_test_add_func ("/Gsock/Endpoint/send-data/override-sees-answers-in-a-read",
                   test_send_data_override_tcp_client);
  g_test_add ("/Gsock/Endpoint/open/unknown-host-is-a-resolver-error", ResolverFixture, NULL,
              resolver_fixture_setup, test_unknown_host_is_a_resolver_error,
              resolver_fixture_teardown);
  g_test_add ("/Gsock/Endpoint/listen/every-address-of-a-name", ResolverFixture, NULL,
              resolver_fixture_setup, test_listen_every_address_of_a_name,
              resolver_fixture_teardown);
  g_test_add ("/Gsock/Endpoint/open-async/resolves-names-asynchronously", ResolverFixture, NULL,
              resolver_fixture_setup, test_open_async_resolves_asynchronously,
              resolver_fixture_teardown);
  g_test_add ("/Gsock/Endpoint/open-async/literal-needs-no-resolver-and-blocking-calls-block",
              ResolverFixture, NULL, resolver_fixture_setup, test_resolve_literal_and_blocking,
              resolver_fixture_teardown);
  g_test_add ("/Gsock/Endpoint/open-async/cancelled-while-resolving", ResolverFixture, NULL,
              resolver_fixture_setup, test_open_async_cancelled_while_resolving,
              resolver_fixture_teardown);

  g_test_add_func ("/Gsock/Endpoint/null-self/refused-before-anything-is-computed",
                   test_null_self_is_refused);

  return g_test_run ();
}
