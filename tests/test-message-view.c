/* test-message-view.c: the fast message handler and its message views
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "gsock-test-util.h"

/* What a handler saw: each message's text, in order, and on which thread. */
typedef struct
{
  GPtrArray *texts;
  GThread *thread;
  gboolean other_thread; /* a message was seen on a thread other than the first's */
  GMutex lock;
} Seen;

static void
seen_init (Seen *seen)
{
  seen->texts = g_ptr_array_new_with_free_func (g_free);
  seen->thread = NULL;
  seen->other_thread = FALSE;
  g_mutex_init (&seen->lock);
}

static void
seen_clear (Seen *seen)
{
  g_ptr_array_unref (seen->texts);
  g_mutex_clear (&seen->lock);
}

static void
seen_add (Seen         *seen,
          const guint8 *data,
          gsize         size)
{
  g_mutex_lock (&seen->lock);
  g_ptr_array_add (seen->texts, g_strndup ((const char *) data, size));
  if (seen->thread == NULL)
    seen->thread = g_thread_self ();
  else if (seen->thread != g_thread_self ())
    seen->other_thread = TRUE;
  g_mutex_unlock (&seen->lock);
}

static guint
seen_count (Seen *seen)
{
  guint n;

  g_mutex_lock (&seen->lock);
  n = seen->texts->len;
  g_mutex_unlock (&seen->lock);
  return n;
}

static void
view_seen_cb (GsockEndpoint    *endpoint,
              GsockMessageView *view,
              gpointer          user_data)
{
  gsize size;
  const guint8 *data = gsock_message_view_get_data (view, &size);

  seen_add (user_data, data, size);
}

static void
message_seen_cb (GsockEndpoint *endpoint,
                 GsockMessage  *message,
                 gpointer       user_data)
{
  gsize size;
  const guint8 *data = gsock_message_get_data (message, &size);

  seen_add (user_data, data, size);
}

/* A plain GIO connection to @port, the test's peer. */
static GSocketConnection *
connect_plain (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = gsock_test_loopback_address (port);
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  g_assert_no_error (error);
  return connection;
}

static void
write_all (GSocketConnection *connection,
           const char        *text)
{
  g_autoptr(GError) error = NULL;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  g_assert_true (g_output_stream_write_all (out, text, strlen (text), NULL, NULL, &error));
  g_assert_no_error (error);
}

/* Reads from @connection, running the default context, until @expected has come. */
static void
read_exactly (GSocketConnection *connection,
              const char        *expected)
{
  GSocket *socket = g_socket_connection_get_socket (connection);
  g_autoptr(GString) got = g_string_new (NULL);
  gsize want = strlen (expected);

  g_socket_set_blocking (socket, FALSE);
  while (got->len < want)
    {
      char buffer[4096];
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);

      if (n < 0)
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
          gsock_test_run_for (NULL, 5);
          continue;
        }
      g_assert_cmpint (n, >, 0);
      g_string_append_len (got, buffer, n);
    }
  g_assert_cmpstr (got->str, ==, expected);
}

static GsockTcpServer *
listening_server (void)
{
  GsockTcpServer *server = gsock_tcp_server_new ("127.0.0.1", 0);
  g_autoptr(GError) error = NULL;

  g_assert_true (gsock_tcp_server_listen (server, &error));
  g_assert_no_error (error);
  return server;
}

static void
close_server (GsockTcpServer *server)
{
  gsock_endpoint_close (GSOCK_ENDPOINT (server));
  gsock_test_wait_until (gsock_endpoint_get_state (GSOCK_ENDPOINT (server)) ==
                         GSOCK_STATE_CLOSED);
}

/* The handler and message-received see the same messages in the same order, lines cut across
 * writes included; the handler sees each first. */
static void
test_both_paths_same_messages (void)
{
  g_autoptr(GsockTcpServer) server = listening_server ();
  g_autoptr(GSocketConnection) peer = NULL;
  g_autoptr(GString) sent = g_string_new (NULL);
  Seen views, messages;

  seen_init (&views);
  seen_init (&messages);
  gsock_endpoint_set_message_handler (GSOCK_ENDPOINT (server), view_seen_cb, &views, NULL);
  g_signal_connect (server, "message-received", G_CALLBACK (message_seen_cb), &messages);

  peer = connect_plain (gsock_test_endpoint_get_port (server));
  for (guint i = 0; i < 500; i++)
    g_string_append_printf (sent, "line %u\n", i);
  /* In uneven pieces, so that lines are cut across reads. */
  for (gsize at = 0; at < sent->len;)
    {
      gsize piece = MIN (sent->len - at, 1 + (at * 7) % 997);
      g_autofree char *part = g_strndup (sent->str + at, piece);

      write_all (peer, part);
      at += piece;
    }
  gsock_test_wait_until (seen_count (&messages) == 500);

  g_assert_cmpuint (views.texts->len, ==, 500);
  for (guint i = 0; i < 500; i++)
    {
      g_autofree char *want = g_strdup_printf ("line %u", i);

      g_assert_cmpstr (views.texts->pdata[i], ==, want);
      g_assert_cmpstr (messages.texts->pdata[i], ==, want);
    }
  g_assert_cmpuint (gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (server)), ==, 500);

  close_server (server);
  seen_clear (&views);
  seen_clear (&messages);
}

/* A view's answer reaches the sender; the view says where the message came from. */
typedef struct
{
  GsockEndpoint *server;
  gboolean endpoint_is_client;
  gboolean sender_is_remote;
} ReplyCheck;

static void
reply_upper_cb (GsockEndpoint    *endpoint,
                GsockMessageView *view,
                gpointer          user_data)
{
  ReplyCheck *check = user_data;
  GsockEndpoint *from = gsock_message_view_get_endpoint (view);
  g_autoptr(GError) error = NULL;
  g_autofree char *upper = NULL;
  gsize size;
  const guint8 *data = gsock_message_view_get_data (view, &size);

  g_assert_true (endpoint == check->server);
  check->endpoint_is_client = GSOCK_IS_TCP_CLIENT (from) && from != check->server;
  check->sender_is_remote =
    gsock_test_address_equal (gsock_message_view_get_sender (view),
                              gsock_tcp_client_get_remote_address (GSOCK_TCP_CLIENT (from)));
  upper = g_ascii_strup ((const char *) data, size);
  g_assert_true (gsock_message_view_reply_data (view, (const guint8 *) upper, size, &error));
  g_assert_no_error (error);
}

static void
test_reply_from_view (void)
{
  g_autoptr(GsockTcpServer) server = listening_server ();
  g_autoptr(GSocketConnection) peer = NULL;
  ReplyCheck check = { GSOCK_ENDPOINT (server), FALSE, FALSE };

  gsock_endpoint_set_message_handler (GSOCK_ENDPOINT (server), reply_upper_cb, &check, NULL);
  peer = connect_plain (gsock_test_endpoint_get_port (server));
  write_all (peer, "hello\nworld\n");
  read_exactly (peer, "HELLO\nWORLD\n");
  g_assert_true (check.endpoint_is_client);
  g_assert_true (check.sender_is_remote);

  close_server (server);
}

/* A kept message outlives the view, and keeping twice gives the same message. */
static void
keep_cb (GsockEndpoint    *endpoint,
         GsockMessageView *view,
         gpointer          user_data)
{
  GPtrArray *kept = user_data;
  GsockMessage *message = gsock_message_view_keep (view);
  GsockMessage *again = gsock_message_view_keep (view);

  g_assert_true (message == again);
  gsock_message_unref (again);
  g_ptr_array_add (kept, message);
}

static void
test_keep_outlives_view (void)
{
  g_autoptr(GsockTcpServer) server = listening_server ();
  g_autoptr(GSocketConnection) peer = NULL;
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func ((GDestroyNotify) gsock_message_unref);
  g_autoptr(GError) error = NULL;

  gsock_endpoint_set_message_handler (GSOCK_ENDPOINT (server), keep_cb, kept, NULL);
  peer = connect_plain (gsock_test_endpoint_get_port (server));
  write_all (peer, "one\ntwo\nthree\n");
  gsock_test_wait_until (kept->len == 3);

  /* The read buffer has been reused since; the messages have their own bytes. */
  write_all (peer, "xxxxxxxxxxxxxxxxxxxxxxxx\n");
  gsock_test_wait_until (kept->len == 4);
  g_assert_cmpstr (gsock_message_get_text (kept->pdata[0], &error), ==, "one");
  g_assert_cmpstr (gsock_message_get_text (kept->pdata[1], &error), ==, "two");
  g_assert_cmpstr (gsock_message_get_text (kept->pdata[2], &error), ==, "three");
  g_assert_no_error (error);
  g_assert_true (GSOCK_IS_TCP_CLIENT (gsock_message_get_endpoint (kept->pdata[0])));
  g_assert_nonnull (gsock_message_get_sender (kept->pdata[0]));

  close_server (server);
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* A pending receive takes a message before the handler; a message the handler heard is not
 * kept for a later receive. */
static void
test_receive_first_handler_not_kept (void)
{
  g_autoptr(GsockUdpEndpoint) server = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GsockUdpEndpoint) client = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) target = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GsockMessage) received = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  Seen views;

  seen_init (&views);
  g_assert_true (gsock_udp_endpoint_bind (server, &error));
  target = gsock_test_loopback_address (gsock_test_endpoint_get_port (server));
  gsock_endpoint_set_message_handler (GSOCK_ENDPOINT (server), view_seen_cb, &views, NULL);

  gsock_endpoint_receive_async (GSOCK_ENDPOINT (server), NULL, store_result_cb,
                                &result);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "for the receive", target,
                                      &error));
  gsock_test_wait_until (result != NULL);
  received = gsock_endpoint_receive_finish (GSOCK_ENDPOINT (server), result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gsock_message_get_text (received, NULL), ==, "for the receive");
  g_assert_cmpuint (views.texts->len, ==, 0);

  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "for the handler", target,
                                      &error));
  gsock_test_wait_until (seen_count (&views) == 1);
  g_assert_cmpstr (views.texts->pdata[0], ==, "for the handler");

  gsock_endpoint_set_message_handler (GSOCK_ENDPOINT (server), NULL, NULL, NULL);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (server), 200);
  text = gsock_endpoint_receive (GSOCK_ENDPOINT (server), NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_null (text);

  seen_clear (&views);
}

/* The handler's data is freed when the handler is replaced, removed or its endpoint goes. */
static void
count_destroy (gpointer data)
{
  (*(guint *) data)++;
}

static void
nothing_cb (GsockEndpoint    *endpoint,
            GsockMessageView *view,
            gpointer          user_data)
{
}

static void
test_handler_data_destroyed (void)
{
  GsockUdpEndpoint *endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  guint first = 0, second = 0, third = 0;

  gsock_endpoint_set_message_handler (GSOCK_ENDPOINT (endpoint), nothing_cb, &first,
                                      count_destroy);
  gsock_endpoint_set_message_handler (GSOCK_ENDPOINT (endpoint), nothing_cb, &second,
                                      count_destroy);
  g_assert_cmpuint (first, ==, 1);
  g_assert_cmpuint (second, ==, 0);
  gsock_endpoint_set_message_handler (GSOCK_ENDPOINT (endpoint), NULL, NULL, NULL);
  g_assert_cmpuint (second, ==, 1);
  gsock_endpoint_set_message_handler (GSOCK_ENDPOINT (endpoint), nothing_cb, &third,
                                      count_destroy);
  g_object_unref (endpoint);
  g_assert_cmpuint (first, ==, 1);
  g_assert_cmpuint (second, ==, 1);
  g_assert_cmpuint (third, ==, 1);
}

/* A datagram's view: its sender, and an answer back to it. */
static void
reply_udp_cb (GsockEndpoint    *endpoint,
              GsockMessageView *view,
              gpointer          user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *upper = NULL;
  gsize size;
  const guint8 *data = gsock_message_view_get_data (view, &size);

  g_assert_true (gsock_message_view_get_endpoint (view) == endpoint);
  upper = g_ascii_strup ((const char *) data, size);
  g_assert_true (gsock_message_view_reply_data (view, (const guint8 *) upper, size, &error));
  g_assert_no_error (error);
}

static void
test_udp_view_and_reply (void)
{
  g_autoptr(GsockUdpEndpoint) server = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GsockUdpEndpoint) client = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) target = NULL;
  g_autoptr(GsockMessage) answer = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (gsock_udp_endpoint_bind (server, &error));
  g_assert_true (gsock_udp_endpoint_bind (client, &error));
  target = gsock_test_loopback_address (gsock_test_endpoint_get_port (server));
  gsock_endpoint_set_message_handler (GSOCK_ENDPOINT (server), reply_udp_cb, NULL, NULL);

  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "ping", target, &error));
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), GSOCK_TEST_TIMEOUT_MS);
  answer = gsock_endpoint_receive_message (GSOCK_ENDPOINT (client), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gsock_message_get_text (answer, NULL), ==, "PING");
  g_assert_cmpuint (gsock_test_address_get_port (gsock_message_get_sender (answer)), ==,
                    gsock_test_endpoint_get_port (server));
}

/* A subclass that hears every message through handle_message. */
#define TEST_TYPE_VIEW_UDP (test_view_udp_get_type ())
G_DECLARE_FINAL_TYPE (TestViewUdp, test_view_udp, TEST, VIEW_UDP, GsockUdpEndpoint)

struct _TestViewUdp
{
  GsockUdpEndpoint parent_instance;
  Seen seen;
};

G_DEFINE_TYPE (TestViewUdp, test_view_udp, GSOCK_TYPE_UDP_ENDPOINT)

static void
test_view_udp_handle_message (GsockEndpoint    *endpoint,
                              GsockMessageView *view)
{
  gsize size;
  const guint8 *data = gsock_message_view_get_data (view, &size);

  g_assert_true (gsock_message_view_get_endpoint (view) == endpoint);
  seen_add (&TEST_VIEW_UDP (endpoint)->seen, data, size);
}

static void
test_view_udp_finalize (GObject *object)
{
  seen_clear (&TEST_VIEW_UDP (object)->seen);
  G_OBJECT_CLASS (test_view_udp_parent_class)->finalize (object);
}

static void
test_view_udp_class_init (TestViewUdpClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_view_udp_finalize;
  GSOCK_ENDPOINT_CLASS (klass)->handle_message = test_view_udp_handle_message;
}

static void
test_view_udp_init (TestViewUdp *self)
{
  seen_init (&self->seen);
}

/* The handler first, then the class's handle_message, then message-received: each sees all. */
static void
test_subclass_handle_message (void)
{
  g_autoptr(TestViewUdp) server = g_object_new (TEST_TYPE_VIEW_UDP, "host", "127.0.0.1", NULL);
  g_autoptr(GsockUdpEndpoint) client = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) target = NULL;
  g_autoptr(GError) error = NULL;
  Seen order;

  seen_init (&order);
  g_assert_true (gsock_udp_endpoint_bind (GSOCK_UDP_ENDPOINT (server), &error));
  target = gsock_test_loopback_address (gsock_test_endpoint_get_port (server));
  gsock_endpoint_set_message_handler (GSOCK_ENDPOINT (server), view_seen_cb, &order, NULL);
  g_signal_connect (server, "message-received", G_CALLBACK (message_seen_cb), &order);

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *text = g_strdup_printf ("d%u", i);

      g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), text, target, &error));
    }
  gsock_test_wait_until (seen_count (&server->seen) == 3);
  gsock_test_wait_until (seen_count (&order) == 6);
  g_assert_cmpstr (server->seen.texts->pdata[0], ==, "d0");
  g_assert_cmpstr (server->seen.texts->pdata[2], ==, "d2");
  /* The handler and the signal's, per message: d0 d0 d1 d1 d2 d2. */
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *want = g_strdup_printf ("d%u", i / 2);

      g_assert_cmpstr (order.texts->pdata[i], ==, want);
    }
  seen_clear (&order);
}

/* With handler threads, the handler runs in the read on the server's thread, and
 * message-received's handlers on the threads: both see every message. */
static void
test_handler_with_handler_threads (void)
{
  g_autoptr(GsockTcpServer) server = gsock_tcp_server_new ("127.0.0.1", 0);
  g_autoptr(GSocketConnection) peer = NULL;
  g_autoptr(GError) error = NULL;
  Seen views, messages;

  seen_init (&views);
  seen_init (&messages);
  g_object_set (server, "handler-threads", 2, NULL);
  g_assert_true (gsock_tcp_server_listen (server, &error));
  gsock_endpoint_set_message_handler (GSOCK_ENDPOINT (server), view_seen_cb, &views, NULL);
  g_signal_connect (server, "message-received", G_CALLBACK (message_seen_cb), &messages);

  peer = connect_plain (gsock_test_endpoint_get_port (server));
  write_all (peer, "a\nb\nc\nd\n");
  gsock_test_wait_until (seen_count (&messages) == 4);
  g_assert_cmpuint (seen_count (&views), ==, 4);
  g_assert_true (views.thread == g_thread_self ());
  g_assert_false (views.other_thread);
  g_assert_true (messages.thread != g_thread_self ());
  g_assert_cmpstr (views.texts->pdata[3], ==, "d");

  close_server (server);
  seen_clear (&views);
  seen_clear (&messages);
}

/* A connection's own handler hears its messages before its server's. */
static void
client_handler_cb (GsockTcpServer *server,
                   GsockTcpClient *client,
                   gpointer        user_data)
{
  gsock_endpoint_set_message_handler (GSOCK_ENDPOINT (client), view_seen_cb, user_data, NULL);
}

static void
test_client_and_server_handlers (void)
{
  g_autoptr(GsockTcpServer) server = listening_server ();
  g_autoptr(GSocketConnection) peer = NULL;
  Seen order;

  seen_init (&order);
  g_signal_connect (server, "client-connected", G_CALLBACK (client_handler_cb), &order);
  gsock_endpoint_set_message_handler (GSOCK_ENDPOINT (server), view_seen_cb, &order, NULL);
  peer = connect_plain (gsock_test_endpoint_get_port (server));
  write_all (peer, "x\ny\n");
  gsock_test_wait_until (seen_count (&order) == 4);
  g_assert_cmpstr (order.texts->pdata[0], ==, "x");
  g_assert_cmpstr (order.texts->pdata[1], ==, "x");
  g_assert_cmpstr (order.texts->pdata[2], ==, "y");
  g_assert_cmpstr (order.texts->pdata[3], ==, "y");

  close_server (server);
  seen_clear (&order);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gsock_test_install_watchdog ();

  g_test_add_func ("/message-view/both-paths-same-messages", test_both_paths_same_messages);
  g_test_add_func ("/message-view/reply", test_reply_from_view);
  g_test_add_func ("/message-view/keep-outlives-view", test_keep_outlives_view);
  g_test_add_func ("/message-view/receive-first-handler-not-kept",
                   test_receive_first_handler_not_kept);
  g_test_add_func ("/message-view/handler-data-destroyed", test_handler_data_destroyed);
  g_test_add_func ("/message-view/udp-view-and-reply", test_udp_view_and_reply);
  g_test_add_func ("/message-view/subclass-handle-message", test_subclass_handle_message);
  g_test_add_func ("/message-view/handler-with-handler-threads",
                   test_handler_with_handler_threads);
  g_test_add_func ("/message-view/client-and-server-handlers", test_client_and_server_handlers);

  return g_test_run ();
}
