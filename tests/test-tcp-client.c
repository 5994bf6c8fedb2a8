/* test-tcp-client.c: GsockTcpClient against raw GSocket peers on 127.0.0.1
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>
#include <sys/socket.h>

#include <gsock/gsock.h>

#include "gsock-endpoint-private.h"
#include "gsock-test-util.h"

/* 你好 in GBK. */
static const guint8 gbk_hello[] = { 0xc4, 0xe3, 0xba, 0xc3 };

/* What a client's signals delivered. */
typedef struct
{
  GPtrArray *messages; /* GsockMessage */
  GPtrArray *errors;   /* GError */
  guint      n_disconnected;
  GError    *reason;   /* of the first disconnected emission */
  GsockState state_at_disconnect;
} Recorder;

static void
recorder_message_cb (GsockEndpoint *endpoint,
                     GsockMessage  *message,
                     Recorder      *rec)
{
  g_assert_true (gsock_message_get_endpoint (message) == endpoint);
  g_ptr_array_add (rec->messages, gsock_message_ref (message));
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
recorder_disconnected_cb (GsockTcpClient *client,
                          const GError   *reason,
                          Recorder       *rec)
{
  rec->n_disconnected++;
  if (rec->n_disconnected == 1)
    {
      rec->reason = reason != NULL ? g_error_copy (reason) : NULL;
      rec->state_at_disconnect = gsock_endpoint_get_state (GSOCK_ENDPOINT (client));
    }
}

static void
recorder_init (Recorder       *rec,
               GsockTcpClient *client)
{
  memset (rec, 0, sizeof *rec);
  rec->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) gsock_message_unref);
  rec->errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_signal_connect (client, "message-received", G_CALLBACK (recorder_message_cb), rec);
  g_signal_connect (client, "error", G_CALLBACK (recorder_error_cb), rec);
  g_signal_connect (client, "disconnected", G_CALLBACK (recorder_disconnected_cb), rec);
}

static void
recorder_clear (Recorder       *rec,
                GsockTcpClient *client)
{
  if (client != NULL)
    g_signal_handlers_disconnect_by_data (client, rec);
  g_clear_pointer (&rec->messages, g_ptr_array_unref);
  g_clear_pointer (&rec->errors, g_ptr_array_unref);
  g_clear_error (&rec->reason);
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
record_state_cb (GObject    *object,
                 GParamSpec *pspec,
                 GArray     *states)
{
  GsockState state = gsock_endpoint_get_state (GSOCK_ENDPOINT (object));

  g_array_append_val (states, state);
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

static GsockState
state_of (gpointer endpoint)
{
  return gsock_endpoint_get_state (GSOCK_ENDPOINT (endpoint));
}

static void
close_and_finalize (GsockTcpClient *client)
{
  gsock_endpoint_close (GSOCK_ENDPOINT (client));
  gsock_test_wait_until (state_of (client) == GSOCK_STATE_CLOSED);
  gsock_test_drain (NULL);
  g_assert_finalize_object (client);
}

static void
close_socket (GSocket **socket)
{
  if (*socket != NULL)
    {
      g_socket_close (*socket, NULL);
      g_clear_object (socket);
    }
}

/* Closes @socket with a reset instead of a FIN. */
static void
reset_socket (GSocket **socket)
{
  struct linger lin = { 1, 0 };

  g_assert_cmpint (setsockopt (g_socket_get_fd (*socket), SOL_SOCKET, SO_LINGER, &lin,
                               sizeof lin), ==, 0);
  close_socket (socket);
}

/* A listening raw socket that never accepts and has its backlog filled, so connecting to
 * it hangs; NULL (and the test skipped) when the kernel accepts anyway. */
typedef struct
{
  GSocket   *listener;
  GPtrArray *fillers;
  guint16    port;
} BlackHole;

static void
black_hole_init (BlackHole *hole)
{
  guint i;

  hole->listener = gsock_test_tcp_listen (0, &hole->port);
  hole->fillers = g_ptr_array_new_with_free_func (g_object_unref);
  for (i = 0; i < 4; i++)
    {
      GSocket *filler = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL);
      g_autoptr(GSocketAddress) address = gsock_test_loopback_address (hole->port);
      GError *error = NULL;

      g_socket_set_blocking (filler, FALSE);
      if (!g_socket_connect (filler, address, NULL, &error))
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
          g_clear_error (&error);
        }
      g_ptr_array_add (hole->fillers, filler);
    }
  /* Let the handshakes that can complete do so. */
  gsock_test_run_for (NULL, 100);
}

static void
black_hole_clear (BlackHole *hole)
{
  guint i;

  for (i = 0; i < hole->fillers->len; i++)
    g_socket_close (hole->fillers->pdata[i], NULL);
  g_clear_pointer (&hole->fillers, g_ptr_array_unref);
  close_socket (&hole->listener);
}

/* ---- a raw listening peer on 127.0.0.1 port 0 and a client aimed at it ---- */

typedef struct
{
  GSocket        *listener;
  guint16         port;
  GsockTcpClient *client;
  Recorder        rec;
  GSocket        *peer; /* the accepted side, once open */
} Fixture;

static void
fixture_setup (Fixture      *fx,
               gconstpointer data)
{
  fx->listener = gsock_test_tcp_listen (16, &fx->port);
  fx->client = gsock_tcp_client_new ("127.0.0.1", fx->port);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (fx->client), GSOCK_TEST_TIMEOUT_MS);
  recorder_init (&fx->rec, fx->client);
}

static void
fixture_teardown (Fixture      *fx,
                  gconstpointer data)
{
  /* Errors that end the connection are disconnect reasons, not error signals. */
  g_assert_cmpuint (fx->rec.errors->len, ==, 0);
  recorder_clear (&fx->rec, fx->client);
  close_and_finalize (g_steal_pointer (&fx->client));
  close_socket (&fx->peer);
  close_socket (&fx->listener);
}

static void
fixture_open (Fixture *fx)
{
  GError *error = NULL;

  g_assert_true (gsock_tcp_client_open (fx->client, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state_of (fx->client), ==, GSOCK_STATE_OPEN);
  fx->peer = gsock_test_tcp_accept (fx->listener);
}

static void
peer_send (Fixture    *fx,
           const char *data)
{
  gsock_test_socket_send_all (fx->peer, data, strlen (data));
}

/* Reads exactly @len bytes from the peer. */
static GBytes *
peer_read (Fixture *fx,
           gsize    len)
{
  gboolean eof = FALSE;
  GBytes *bytes = gsock_test_socket_read (fx->peer, len, 65536, &eof);

  g_assert_false (eof);
  return bytes;
}

/* ---- defaults ---- */

static void
test_defaults (void)
{
  g_autoptr(GsockTcpClient) client = g_object_new (GSOCK_TYPE_TCP_CLIENT, NULL);
  g_autoptr(GsockTcpClient) made = gsock_tcp_client_new (NULL, 4000);
  GsockEndpoint *ep = GSOCK_ENDPOINT (client);
  GsockFramer *framer;
  g_autoptr(GsockFramer) prop_framer = NULL;
  guint64 queued = 1;

  g_assert_cmpstr (gsock_endpoint_get_host (ep), ==, "127.0.0.1");
  g_assert_cmpuint (gsock_endpoint_get_port (ep), ==, 8080);
  g_assert_cmpstr (gsock_endpoint_get_encoding (ep), ==, "UTF-8");
  g_assert_cmpuint (gsock_endpoint_get_max_message_size (ep), ==, GSOCK_STREAM_MAX_MESSAGE_SIZE);
  g_assert_cmpuint (gsock_endpoint_get_timeout (ep), ==, 0);
  g_assert_cmpint (gsock_endpoint_get_state (ep), ==, GSOCK_STATE_CLOSED);
  g_assert_null (gsock_endpoint_get_local_address (ep));
  g_assert_null (gsock_tcp_client_get_remote_address (client));
  g_assert_cmpuint (gsock_tcp_client_get_queued_bytes (client), ==, 0);

  framer = gsock_tcp_client_get_framer (client);
  g_assert_true (GSOCK_IS_LINE_FRAMER (framer));
  g_assert_cmpstr (gsock_line_framer_get_delimiter (GSOCK_LINE_FRAMER (framer)), ==, "\n");
  g_object_get (client, "framer", &prop_framer, "queued-bytes", &queued, NULL);
  g_assert_true (prop_framer == framer);
  g_assert_cmpuint (queued, ==, 0);

  /* NULL host means 127.0.0.1. */
  g_assert_cmpstr (gsock_endpoint_get_host (GSOCK_ENDPOINT (made)), ==, "127.0.0.1");
  g_assert_cmpuint (gsock_endpoint_get_port (GSOCK_ENDPOINT (made)), ==, 4000);
}

static void
test_set_framer (void)
{
  g_autoptr(GsockTcpClient) client = gsock_tcp_client_new ("127.0.0.1", 1);
  g_autoptr(GsockFramer) length = gsock_length_framer_new (4);
  guint notifies = 0;

  g_signal_connect (client, "notify::framer", G_CALLBACK (count_cb), &notifies);
  gsock_tcp_client_set_framer (client, length);
  g_assert_true (gsock_tcp_client_get_framer (client) == length);
  g_assert_cmpuint (notifies, ==, 1);
  gsock_tcp_client_set_framer (client, length);
  g_assert_cmpuint (notifies, ==, 1);

  /* NULL brings back a line framer. */
  gsock_tcp_client_set_framer (client, NULL);
  g_assert_true (GSOCK_IS_LINE_FRAMER (gsock_tcp_client_get_framer (client)));
  g_assert_cmpuint (notifies, ==, 2);
}

/* ---- open ---- */

static void
test_open_connects (Fixture      *fx,
                    gconstpointer data)
{
  g_autoptr(GArray) states = g_array_new (FALSE, FALSE, sizeof (GsockState));
  g_autoptr(GSocketAddress) peer_remote = NULL;
  GSocketAddress *remote, *local;
  guint remote_notifies = 0, local_notifies = 0;
  GError *error = NULL;
  guint i;
  gboolean saw_opening = FALSE;

  g_signal_connect (fx->client, "notify::state", G_CALLBACK (record_state_cb), states);
  g_signal_connect (fx->client, "notify::remote-address", G_CALLBACK (count_cb),
                    &remote_notifies);
  g_signal_connect (fx->client, "notify::local-address", G_CALLBACK (count_cb),
                    &local_notifies);

  fixture_open (fx);

  for (i = 0; i < states->len; i++)
    if (g_array_index (states, GsockState, i) == GSOCK_STATE_OPENING)
      saw_opening = TRUE;
  g_assert_true (saw_opening);
  g_assert_cmpint (g_array_index (states, GsockState, states->len - 1), ==, GSOCK_STATE_OPEN);
  g_assert_cmpuint (remote_notifies, ==, 1);
  g_assert_cmpuint (local_notifies, ==, 1);

  remote = gsock_tcp_client_get_remote_address (fx->client);
  g_assert_nonnull (remote);
  g_assert_cmpuint (gsock_test_address_get_port (remote), ==, fx->port);
  local = gsock_endpoint_get_local_address (GSOCK_ENDPOINT (fx->client));
  g_assert_nonnull (local);

  /* The peer sees the same connection from the other end. */
  peer_remote = g_socket_get_remote_address (fx->peer, &error);
  g_assert_no_error (error);
  g_assert_true (gsock_test_address_equal (peer_remote, local));
  g_assert_cmpuint (gsock_test_endpoint_get_port (fx->client), ==,
                    gsock_test_address_get_port (peer_remote));

  g_signal_handlers_disconnect_by_data (fx->client, states);
  g_signal_handlers_disconnect_by_data (fx->client, &remote_notifies);
  g_signal_handlers_disconnect_by_data (fx->client, &local_notifies);
}

static void
test_open_twice_is_busy (Fixture      *fx,
                         gconstpointer data)
{
  GError *error = NULL;

  fixture_open (fx);
  g_assert_false (gsock_tcp_client_open (fx->client, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_clear_error (&error);
  /* The first connection is untouched. */
  g_assert_cmpint (state_of (fx->client), ==, GSOCK_STATE_OPEN);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (fx->client), "still here", NULL, &error));
  g_assert_no_error (error);
  {
    g_autoptr(GBytes) got = peer_read (fx, 11);

    gsock_test_assert_bytes (got, "still here\n", 11);
  }
}

static void
test_open_refused (void)
{
  guint16 port = gsock_test_unused_tcp_port ();
  GsockTcpClient *client = gsock_tcp_client_new ("127.0.0.1", port);
  Recorder rec;
  GError *error = NULL;

  recorder_init (&rec, client);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), GSOCK_TEST_TIMEOUT_MS);
  g_assert_false (gsock_tcp_client_open (client, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_error (&error);
  g_assert_cmpint (state_of (client), ==, GSOCK_STATE_CLOSED);
  g_assert_null (gsock_tcp_client_get_remote_address (client));
  /* No connection was made, so none ended. */
  gsock_test_drain (NULL);
  g_assert_cmpuint (rec.n_disconnected, ==, 0);

  recorder_clear (&rec, client);
  close_and_finalize (client);
}

static void
test_open_async_refused (void)
{
  guint16 port = gsock_test_unused_tcp_port ();
  GsockTcpClient *client = gsock_tcp_client_new ("127.0.0.1", port);
  g_autoptr(GAsyncResult) result = NULL;
  GError *error = NULL;

  gsock_tcp_client_open_async (client, NULL, store_result_cb, &result);
  gsock_test_wait_until (result != NULL);
  g_assert_false (gsock_tcp_client_open_finish (client, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_error (&error);
  g_assert_cmpint (state_of (client), ==, GSOCK_STATE_CLOSED);

  g_clear_object (&result);
  close_and_finalize (client);
}

static void
test_open_after_refused_can_retry (void)
{
  guint16 port;
  g_autoptr(GSocket) listener = NULL;
  GsockTcpClient *client;
  GError *error = NULL;

  port = gsock_test_unused_tcp_port ();
  client = gsock_tcp_client_new ("127.0.0.1", port);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), GSOCK_TEST_TIMEOUT_MS);
  g_assert_false (gsock_tcp_client_open (client, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_error (&error);

  /* A failed open leaves the client reusable. */
  listener = gsock_test_tcp_listen (4, &port);
  gsock_endpoint_set_port (GSOCK_ENDPOINT (client), port);
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state_of (client), ==, GSOCK_STATE_OPEN);

  close_and_finalize (client);
  g_socket_close (listener, NULL);
}

static void
test_open_times_out (void)
{
  BlackHole hole;
  GsockTcpClient *client;
  GError *error = NULL;
  gint64 start, elapsed_ms;
  gboolean opened;

  black_hole_init (&hole);
  client = gsock_tcp_client_new ("127.0.0.1", hole.port);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), 300);

  start = g_get_monotonic_time ();
  opened = gsock_tcp_client_open (client, NULL, &error);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;

  if (opened)
    {
      g_test_skip ("the kernel completed a connection to a full backlog; cannot provoke a "
                   "connect timeout here");
    }
  else
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
      g_clear_error (&error);
      g_assert_cmpint (elapsed_ms, >=, 250);
      g_assert_cmpint (elapsed_ms, <, 5000);
      g_assert_cmpint (state_of (client), ==, GSOCK_STATE_CLOSED);
    }

  close_and_finalize (client);
  black_hole_clear (&hole);
}

static void
test_open_async_connects (Fixture      *fx,
                          gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  GError *error = NULL;

  gsock_tcp_client_open_async (fx->client, NULL, store_result_cb, &result);
  g_assert_cmpint (state_of (fx->client), ==, GSOCK_STATE_OPENING);
  gsock_test_wait_until (result != NULL);
  g_assert_true (gsock_tcp_client_open_finish (fx->client, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state_of (fx->client), ==, GSOCK_STATE_OPEN);
  g_assert_cmpuint (gsock_test_address_get_port (gsock_tcp_client_get_remote_address (fx->client)),
                    ==, fx->port);

  /* And the connection carries messages. */
  fx->peer = gsock_test_tcp_accept (fx->listener);
  peer_send (fx, "welcome\n");
  gsock_test_wait_until (fx->rec.messages->len == 1);
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[0]), ==, "welcome");
}

static void
test_open_pre_cancelled (Fixture      *fx,
                         gconstpointer data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GError *error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_false (gsock_tcp_client_open (fx->client, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (state_of (fx->client), ==, GSOCK_STATE_CLOSED);
}

static void
test_open_async_cancelled (void)
{
  BlackHole hole;
  GsockTcpClient *client;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  GError *error = NULL;
  gboolean opened;

  black_hole_init (&hole);
  client = gsock_tcp_client_new ("127.0.0.1", hole.port);
  gsock_tcp_client_open_async (client, cancellable, store_result_cb, &result);
  g_timeout_add (100, cancel_cb, cancellable);
  gsock_test_wait_until (result != NULL);

  opened = gsock_tcp_client_open_finish (client, result, &error);
  if (opened)
    {
      g_test_skip ("the kernel completed a connection to a full backlog; cannot hold a "
                   "connect open to cancel it");
    }
  else
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_clear_error (&error);
      g_assert_cmpint (state_of (client), ==, GSOCK_STATE_CLOSED);
    }

  g_clear_object (&result);
  close_and_finalize (client);
  black_hole_clear (&hole);
}

static void
test_open_blocking_cancelled (void)
{
  BlackHole hole;
  GsockTcpClient *client;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GError *error = NULL;
  gboolean opened;

  black_hole_init (&hole);
  client = gsock_tcp_client_new ("127.0.0.1", hole.port);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), GSOCK_TEST_TIMEOUT_MS);
  g_timeout_add (100, cancel_cb, cancellable);
  opened = gsock_tcp_client_open (client, cancellable, &error);
  if (opened)
    {
      g_test_skip ("the kernel completed a connection to a full backlog; cannot hold a "
                   "connect open to cancel it");
      /* The timeout may still be pending: let it fire while the cancellable lives. */
      gsock_test_run_for (NULL, 150);
    }
  else
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_clear_error (&error);
      g_assert_cmpint (state_of (client), ==, GSOCK_STATE_CLOSED);
    }

  close_and_finalize (client);
  black_hole_clear (&hole);
}

/* ---- send ---- */

static void
test_send_before_open (Fixture      *fx,
                       gconstpointer data)
{
  g_autoptr(GBytes) payload = g_bytes_new_static ("x", 1);
  GError *error = NULL;

  g_assert_false (gsock_endpoint_send (GSOCK_ENDPOINT (fx->client), "too early", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_clear_error (&error);
  g_assert_false (gsock_endpoint_send_bytes (GSOCK_ENDPOINT (fx->client), payload, NULL,
                                             &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_clear_error (&error);
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (GSOCK_ENDPOINT (fx->client)), ==, 0);
}

static void
test_send_while_closing (Fixture      *fx,
                         gconstpointer data)
{
  GError *error = NULL;

  fixture_open (fx);
  gsock_endpoint_close (GSOCK_ENDPOINT (fx->client));
  g_assert_false (gsock_endpoint_send (GSOCK_ENDPOINT (fx->client), "too late", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);
}

static void
test_send_after_closed (Fixture      *fx,
                        gconstpointer data)
{
  GError *error = NULL;
  gboolean eof = FALSE;
  g_autoptr(GBytes) rest = NULL;

  fixture_open (fx);
  gsock_endpoint_close (GSOCK_ENDPOINT (fx->client));
  gsock_test_wait_until (state_of (fx->client) == GSOCK_STATE_CLOSED);
  g_assert_false (gsock_endpoint_send (GSOCK_ENDPOINT (fx->client), "too late", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);

  /* Nothing of it reached the peer, which sees an orderly end. */
  rest = gsock_test_socket_read (fx->peer, G_MAXSIZE, 4096, &eof);
  g_assert_true (eof);
  g_assert_cmpuint (g_bytes_get_size (rest), ==, 0);
}

static void
test_send_appends_delimiter (Fixture      *fx,
                             gconstpointer data)
{
  g_autoptr(GBytes) got = NULL;
  GError *error = NULL;

  fixture_open (fx);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (fx->client), "Hello Server", NULL,
                                      &error));
  g_assert_no_error (error);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (fx->client), "已收到", NULL, &error));
  g_assert_no_error (error);

  got = peer_read (fx, strlen ("Hello Server\n已收到\n"));
  gsock_test_assert_bytes (got, "Hello Server\n已收到\n", strlen ("Hello Server\n已收到\n"));
}

static void
test_send_ignores_target (Fixture      *fx,
                          gconstpointer data)
{
  g_autoptr(GSocketAddress) elsewhere = gsock_test_loopback_address (1);
  g_autoptr(GBytes) got = NULL;
  GError *error = NULL;

  fixture_open (fx);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (fx->client), "here", elsewhere, &error));
  g_assert_no_error (error);
  got = peer_read (fx, 5);
  gsock_test_assert_bytes (got, "here\n", 5);
}

static void
test_send_gbk (Fixture      *fx,
               gconstpointer data)
{
  static const guint8 wire[] = { 0xc4, 0xe3, 0xba, 0xc3, '\n' };
  g_autoptr(GBytes) got = NULL;
  GError *error = NULL;

  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (fx->client), "GBK");
  fixture_open (fx);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (fx->client), "你好", NULL, &error));
  g_assert_no_error (error);
  got = peer_read (fx, sizeof wire);
  gsock_test_assert_bytes (got, wire, sizeof wire);

  /* And back. */
  gsock_test_socket_send_all (fx->peer, wire, sizeof wire);
  gsock_test_wait_until (fx->rec.messages->len == 1);
  gsock_test_assert_bytes (gsock_message_get_bytes (fx->rec.messages->pdata[0]), gbk_hello,
                           sizeof gbk_hello);
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[0]), ==, "你好");
}

/* A UTF-16 line ends with a UTF-16 newline: sent with one, and cut at one, not at a 0x0A byte
 * inside a character ("ਊ" is 0A 0A, "Ā" 00 01 in UTF-16LE); a CRLF line framer with
 * any-newline takes a bare newline too. Set after the client was made, before it opens. */
static void
test_send_utf16_lines (Fixture      *fx,
                       gconstpointer data)
{
  static const guint8 wire[] = { 0x60, 0x4f, 0x7d, 0x59, '\n', 0 };     /* 你好 */
  static const guint8 tricky[] = { 0x0a, 0x0a, 0x00, 0x01, '\n', 0,      /* ਊĀ */
                                   'x', 0, '\r', 0, '\n', 0 };           /* x */
  g_autoptr(GsockFramer) framer = g_object_new (GSOCK_TYPE_LINE_FRAMER, "delimiter", "\r\n",
                                                "any-newline", TRUE, NULL);
  g_autoptr(GBytes) got = NULL;
  GError *error = NULL;

  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (fx->client), "UTF-16LE");
  fixture_open (fx);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (fx->client), "你好", NULL, &error));
  g_assert_no_error (error);
  got = peer_read (fx, sizeof wire);
  gsock_test_assert_bytes (got, wire, sizeof wire);

  gsock_tcp_client_set_framer (fx->client, framer);
  g_assert_true (gsock_tcp_client_get_framer (fx->client) == framer);
  gsock_test_socket_send_all (fx->peer, tricky, sizeof tricky);
  gsock_test_wait_until (fx->rec.messages->len == 2);
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[0]), ==, "ਊĀ");
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[1]), ==, "x");
}

static void
test_send_encoding_errors (Fixture      *fx,
                           gconstpointer data)
{
  GError *error = NULL;

  fixture_open (fx);
  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (fx->client), "ISO-8859-1");
  g_assert_false (gsock_endpoint_send (GSOCK_ENDPOINT (fx->client), "已收到", NULL, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_TEXT);
  g_clear_error (&error);

  /* Caller errors leave the connection open and write nothing. */
  g_assert_cmpint (state_of (fx->client), ==, GSOCK_STATE_OPEN);
  g_assert_true (gsock_test_socket_stays_quiet (fx->peer, 100));
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (GSOCK_ENDPOINT (fx->client)), ==, 0);
}

static void
test_send_oversize (Fixture      *fx,
                    gconstpointer data)
{
  g_autoptr(GBytes) too_big = gsock_test_pattern_bytes (11);
  g_autoptr(GBytes) fits = gsock_test_pattern_bytes (10);
  g_autoptr(GBytes) got = NULL;
  GError *error = NULL;

  gsock_endpoint_set_max_message_size (GSOCK_ENDPOINT (fx->client), 10);
  fixture_open (fx);
  g_assert_false (gsock_endpoint_send_bytes (GSOCK_ENDPOINT (fx->client), too_big, NULL,
                                             &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);
  g_clear_error (&error);
  g_assert_cmpint (state_of (fx->client), ==, GSOCK_STATE_OPEN);

  g_assert_true (gsock_endpoint_send_bytes (GSOCK_ENDPOINT (fx->client), fits, NULL, &error));
  g_assert_no_error (error);
  got = peer_read (fx, 11);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), 10, g_bytes_get_data (fits, NULL), 10);
  g_assert_cmpint (((const char *) g_bytes_get_data (got, NULL))[10], ==, '\n');
}

static void
test_send_line_with_delimiter (Fixture      *fx,
                               gconstpointer data)
{
  GError *error = NULL;

  fixture_open (fx);
  g_assert_false (gsock_endpoint_send (GSOCK_ENDPOINT (fx->client), "two\nlines", NULL,
                                       &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_FRAME);
  g_clear_error (&error);
  g_assert_cmpint (state_of (fx->client), ==, GSOCK_STATE_OPEN);
  g_assert_true (gsock_test_socket_stays_quiet (fx->peer, 100));
}

/* ---- receive ---- */

static void
test_receive_splits_lines (Fixture      *fx,
                           gconstpointer data)
{
  fixture_open (fx);
  peer_send (fx, "one\ntwo\n\nthree\n");
  gsock_test_wait_until (fx->rec.messages->len == 4);
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[0]), ==, "one");
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[1]), ==, "two");
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[2]), ==, "");
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[3]), ==, "three");
  g_assert_cmpuint (gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (fx->client)), ==, 4);
}

static void
test_receive_joins_pieces (Fixture      *fx,
                           gconstpointer data)
{
  fixture_open (fx);
  peer_send (fx, "hel");
  gsock_test_run_for (NULL, 100);
  g_assert_cmpuint (fx->rec.messages->len, ==, 0);
  peer_send (fx, "lo");
  gsock_test_run_for (NULL, 50);
  g_assert_cmpuint (fx->rec.messages->len, ==, 0);
  peer_send (fx, "\nwor");
  gsock_test_wait_until (fx->rec.messages->len == 1);
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[0]), ==, "hello");
  peer_send (fx, "ld\n");
  gsock_test_wait_until (fx->rec.messages->len == 2);
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[1]), ==, "world");
}

static void
test_receive_text_and_sender (Fixture      *fx,
                              gconstpointer data)
{
  g_autoptr(GSocketAddress) sender = NULL;
  g_autofree char *text = NULL;
  GError *error = NULL;

  fixture_open (fx);
  peer_send (fx, "Hello Client\n");
  text = gsock_endpoint_receive (GSOCK_ENDPOINT (fx->client), &sender, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "Hello Client");
  g_assert_nonnull (sender);
  g_assert_cmpuint (gsock_test_address_get_port (sender), ==, fx->port);
  g_assert_cmpuint (fx->rec.messages->len, ==, 0);
}

static void
test_receive_times_out (Fixture      *fx,
                        gconstpointer data)
{
  g_autofree char *text = NULL;
  GError *error = NULL;

  fixture_open (fx);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (fx->client), 150);
  text = gsock_endpoint_receive (GSOCK_ENDPOINT (fx->client), NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&error);
  g_assert_null (text);
  g_assert_cmpint (state_of (fx->client), ==, GSOCK_STATE_OPEN);
}

typedef struct
{
  guint   notifies;
  guint64 notified_value;
  GArray *seen_in_handler; /* guint64: messages-received as each handler saw it */
} CounterWatch;

static void
counter_notify_cb (GObject      *object,
                   GParamSpec   *pspec,
                   CounterWatch *watch)
{
  watch->notifies++;
  watch->notified_value = gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (object));
}

static void
counter_message_cb (GsockEndpoint *endpoint,
                    GsockMessage  *message,
                    CounterWatch  *watch)
{
  guint64 value = gsock_endpoint_get_messages_received (endpoint);

  g_array_append_val (watch->seen_in_handler, value);
}

static void
test_counters_notify_once_per_read (Fixture      *fx,
                                    gconstpointer data)
{
  CounterWatch watch = { 0, 0, g_array_new (FALSE, FALSE, sizeof (guint64)) };

  g_signal_connect (fx->client, "notify::messages-received", G_CALLBACK (counter_notify_cb),
                    &watch);
  g_signal_connect (fx->client, "message-received", G_CALLBACK (counter_message_cb), &watch);
  fixture_open (fx);
  /* One write, so (on loopback) one read. */
  peer_send (fx, "a\nb\nc\n");
  gsock_test_wait_until (watch.notifies > 0);
  gsock_test_run_for (NULL, 50);

  /* The value is current in every handler; its notification comes once, after the read. */
  g_assert_cmpuint (watch.seen_in_handler->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (g_array_index (watch.seen_in_handler, guint64, i), ==, i + 1);
  g_assert_cmpuint (watch.notifies, ==, 1);
  g_assert_cmpuint (watch.notified_value, ==, 3);

  /* The next read notifies again. */
  peer_send (fx, "d\n");
  gsock_test_wait_until (watch.notifies == 2);
  g_assert_cmpuint (watch.notified_value, ==, 4);

  g_signal_handlers_disconnect_by_data (fx->client, &watch);
  g_array_unref (watch.seen_in_handler);
}

/* ---- who hears a message: handlers come and go between the messages of one read ---- */

/* Records the first message, then disconnects itself and connects @next (if set). */
typedef struct
{
  GsockMessage *first;
  GClosure     *next;
} OneShot;

static void
one_shot_cb (GsockEndpoint *endpoint,
             GsockMessage  *message,
             OneShot       *shot)
{
  g_assert_null (shot->first);
  shot->first = gsock_message_ref (message);
  g_signal_handlers_disconnect_by_func (endpoint, one_shot_cb, shot);
  if (shot->next != NULL)
    g_signal_connect_closure (endpoint, "message-received", shot->next, FALSE);
}

/* A handler as a language binding connects one: a closure with a marshaller of its own. */
static void
binding_like_marshal (GClosure     *closure,
                      GValue       *return_value,
                      guint         n_param_values,
                      const GValue *param_values,
                      gpointer      invocation_hint,
                      gpointer      marshal_data)
{
  GPtrArray *texts = closure->data;

  g_ptr_array_add (texts, g_strdup (message_text (g_value_get_boxed (&param_values[1]))));
}

static void
open_with_one_shot (Fixture *fx,
                    OneShot *shot)
{
  g_signal_handlers_disconnect_by_func (fx->client, recorder_message_cb, &fx->rec);
  g_signal_connect (fx->client, "message-received", G_CALLBACK (one_shot_cb), shot);
  fixture_open (fx);
  /* One write, so (on loopback) one read holds all three. */
  peer_send (fx, "a\nb\nc\n");
  gsock_test_wait_until (shot->first != NULL);
  g_assert_cmpstr (message_text (shot->first), ==, "a");
}

static void
test_deliver_handler_gone_mid_read (Fixture      *fx,
                                    gconstpointer data)
{
  OneShot shot = { NULL, NULL };
  GError *error = NULL;
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;

  open_with_one_shot (fx, &shot);

  /* Nothing hears the rest: it waits for a receive, none is lost. */
  second = gsock_endpoint_receive (GSOCK_ENDPOINT (fx->client), NULL, NULL, &error);
  g_assert_no_error (error);
  third = gsock_endpoint_receive (GSOCK_ENDPOINT (fx->client), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (second, ==, "b");
  g_assert_cmpstr (third, ==, "c");
  gsock_message_unref (shot.first);
}

static void
test_deliver_handler_swapped_mid_read (Fixture      *fx,
                                       gconstpointer data)
{
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  OneShot shot = { NULL, g_closure_new_simple (sizeof (GClosure), texts) };
  g_autofree char *text = NULL;
  GError *error = NULL;

  g_closure_set_marshal (shot.next, binding_like_marshal);
  g_closure_sink (g_closure_ref (shot.next));
  open_with_one_shot (fx, &shot);

  /* The new handler hears the rest, and they are not also kept for a receive. */
  gsock_test_wait_until (texts->len == 2);
  g_assert_cmpstr (texts->pdata[0], ==, "b");
  g_assert_cmpstr (texts->pdata[1], ==, "c");
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (fx->client), 150);
  text = gsock_endpoint_receive (GSOCK_ENDPOINT (fx->client), NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&error);
  g_assert_null (text);

  g_signal_handlers_disconnect_matched (fx->client, G_SIGNAL_MATCH_CLOSURE, 0, 0, shot.next,
                                        NULL, NULL);
  g_closure_unref (shot.next);
  gsock_message_unref (shot.first);
}

static void
test_receive_async_fails_on_peer_close (Fixture      *fx,
                                        gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GsockMessage) message = NULL;
  GError *error = NULL;

  fixture_open (fx);
  gsock_endpoint_receive_async (GSOCK_ENDPOINT (fx->client), NULL, store_result_cb, &result);
  close_socket (&fx->peer);
  gsock_test_wait_until (result != NULL);
  message = gsock_endpoint_receive_finish (GSOCK_ENDPOINT (fx->client), result, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_null (message);
}

static void
test_receive_after_disconnect_fails_at_once (Fixture      *fx,
                                             gconstpointer data)
{
  g_autofree char *text = NULL;
  GError *error = NULL;
  gint64 start, elapsed_ms;

  /* The fixture's recorder listens, so nothing waits in the inbox. */
  fixture_open (fx);
  close_socket (&fx->peer);
  gsock_test_wait_until (fx->rec.n_disconnected >= 1);

  start = g_get_monotonic_time ();
  text = gsock_endpoint_receive (GSOCK_ENDPOINT (fx->client), NULL, NULL, &error);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_null (text);
  g_assert_cmpint (elapsed_ms, <, 1000);
}

static void
test_receive_invalid_text_keeps_bytes (Fixture      *fx,
                                       gconstpointer data)
{
  static const guint8 wire[] = { 'x', 0xff, 0xfe, '\n' };
  GsockMessage *message;
  GError *error = NULL;

  fixture_open (fx);
  gsock_test_socket_send_all (fx->peer, wire, sizeof wire);
  gsock_test_wait_until (fx->rec.messages->len == 1);
  message = fx->rec.messages->pdata[0];
  g_assert_null (gsock_message_get_text (message, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_TEXT);
  g_clear_error (&error);
  gsock_test_assert_bytes (gsock_message_get_bytes (message), wire, 3);
  /* A bad message is the receiver's problem, not the connection's. */
  g_assert_cmpint (state_of (fx->client), ==, GSOCK_STATE_OPEN);
  g_assert_cmpuint (fx->rec.n_disconnected, ==, 0);
}

static void
test_message_reply_goes_to_peer (Fixture      *fx,
                                 gconstpointer data)
{
  g_autoptr(GBytes) got = NULL;
  GError *error = NULL;

  fixture_open (fx);
  peer_send (fx, "ping\n");
  gsock_test_wait_until (fx->rec.messages->len == 1);
  g_assert_true (gsock_message_reply (fx->rec.messages->pdata[0], "pong", &error));
  g_assert_no_error (error);
  got = peer_read (fx, 5);
  gsock_test_assert_bytes (got, "pong\n", 5);
}

/* ---- send_data: raw bytes, framed straight into a read's answers when sent from its handler ---- */

static void
test_send_data_outside_a_read (Fixture      *fx,
                               gconstpointer data)
{
  GsockEndpoint *ep = GSOCK_ENDPOINT (fx->client);
  g_autoptr(GBytes) got = NULL;
  guint8 buffer[] = { 'a', 0xff, 'b' };
  GError *error = NULL;

  g_assert_false (gsock_endpoint_send_data (ep, buffer, sizeof buffer, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_clear_error (&error);

  fixture_open (fx);
  g_assert_true (gsock_endpoint_send_data (ep, buffer, sizeof buffer, NULL, &error));
  g_assert_no_error (error);
  /* Copied: the caller's buffer may change at once. */
  buffer[0] = 'X';
  g_assert_true (gsock_endpoint_send_data (ep, NULL, 0, NULL, &error));
  g_assert_no_error (error);
  got = peer_read (fx, 5);
  gsock_test_assert_bytes (got, "a\xff" "b\n\n", 5);
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (ep), ==, 2);

  g_assert_false (gsock_endpoint_send_data (ep, (const guint8 *) "x\ny", 3, NULL, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_FRAME);
  g_clear_error (&error);
  gsock_endpoint_set_max_message_size (ep, 2);
  g_assert_false (gsock_endpoint_send_data (ep, buffer, sizeof buffer, NULL, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);
  g_clear_error (&error);
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (ep), ==, 2);
  g_assert_true (gsock_test_socket_stays_quiet (fx->peer, 100));
}

/* Answers every message with reply_data(): the message itself, or what the test asks. */
typedef struct
{
  const char *answer;   /* NULL: echo */
  gboolean    close_first;
  GPtrArray  *errors;   /* GError */
  guint       accepted;
} DataReplier;

static void
data_replier_cb (GsockEndpoint *endpoint,
                 GsockMessage  *message,
                 DataReplier   *replier)
{
  const guint8 *data;
  gsize size;
  GError *error = NULL;

  if (replier->answer != NULL)
    {
      data = (const guint8 *) replier->answer;
      size = strlen (replier->answer);
    }
  else
    data = gsock_message_get_data (message, &size);
  if (replier->close_first)
    gsock_endpoint_close (endpoint);
  if (gsock_message_reply_data (message, data, size, &error))
    replier->accepted++;
  else
    g_ptr_array_add (replier->errors, error);
}

static void
test_reply_data_from_handler (Fixture      *fx,
                              gconstpointer data)
{
  DataReplier replier = { NULL, FALSE, NULL, 0 };
  g_autoptr(GBytes) got = NULL;

  replier.errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_signal_connect (fx->client, "message-received", G_CALLBACK (data_replier_cb), &replier);
  fixture_open (fx);
  peer_send (fx, "one\ntwo\n");
  got = peer_read (fx, 8);
  gsock_test_assert_bytes (got, "one\ntwo\n", 8);
  g_assert_cmpuint (replier.accepted, ==, 2);
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (GSOCK_ENDPOINT (fx->client)), ==, 2);

  /* The same checks as any send: a line holding the delimiter is refused, nothing goes out. */
  replier.answer = "bad\nanswer";
  peer_send (fx, "three\n");
  gsock_test_wait_until (replier.errors->len == 1);
  g_assert_error ((GError *) replier.errors->pdata[0], GSOCK_ERROR, GSOCK_ERROR_INVALID_FRAME);
  g_assert_true (gsock_test_socket_stays_quiet (fx->peer, 100));

  gsock_endpoint_set_max_message_size (GSOCK_ENDPOINT (fx->client), 4);
  replier.answer = "too long";
  peer_send (fx, "four\n");
  gsock_test_wait_until (replier.errors->len == 2);
  g_assert_error ((GError *) replier.errors->pdata[1], GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);

  /* Closing in the handler: the answer after it is refused. */
  replier.answer = NULL;
  replier.close_first = TRUE;
  peer_send (fx, "five\n");
  gsock_test_wait_until (replier.errors->len == 3);
  g_assert_error ((GError *) replier.errors->pdata[2], G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_assert_cmpuint (replier.accepted, ==, 2);
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (GSOCK_ENDPOINT (fx->client)), ==, 2);

  g_signal_handlers_disconnect_by_data (fx->client, &replier);
  g_ptr_array_unref (replier.errors);
}

/* ---- disconnection ---- */

static void
test_disconnected_on_peer_close (Fixture      *fx,
                                 gconstpointer data)
{
  fixture_open (fx);
  peer_send (fx, "last words\n");
  close_socket (&fx->peer);

  gsock_test_wait_until (fx->rec.n_disconnected >= 1);
  g_assert_cmpuint (fx->rec.n_disconnected, ==, 1);
  g_assert_no_error (fx->rec.reason);
  g_assert_cmpint (state_of (fx->client), ==, GSOCK_STATE_CLOSED);
  /* What came before the close was delivered. */
  g_assert_cmpuint (fx->rec.messages->len, ==, 1);
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[0]), ==, "last words");

  /* Exactly once, even after closing ourselves too. */
  gsock_test_run_for (NULL, 100);
  gsock_endpoint_close (GSOCK_ENDPOINT (fx->client));
  gsock_test_run_for (NULL, 50);
  g_assert_cmpuint (fx->rec.n_disconnected, ==, 1);
}

static void
test_disconnected_on_own_close (Fixture      *fx,
                                gconstpointer data)
{
  g_autoptr(GBytes) rest = NULL;
  gboolean eof = FALSE;

  fixture_open (fx);
  gsock_endpoint_close (GSOCK_ENDPOINT (fx->client));
  gsock_test_wait_until (fx->rec.n_disconnected >= 1);
  g_assert_cmpuint (fx->rec.n_disconnected, ==, 1);
  g_assert_no_error (fx->rec.reason);
  gsock_test_wait_until (state_of (fx->client) == GSOCK_STATE_CLOSED);

  rest = gsock_test_socket_read (fx->peer, G_MAXSIZE, 4096, &eof);
  g_assert_true (eof);
  g_assert_cmpuint (g_bytes_get_size (rest), ==, 0);

  gsock_endpoint_close (GSOCK_ENDPOINT (fx->client));
  gsock_test_run_for (NULL, 50);
  g_assert_cmpuint (fx->rec.n_disconnected, ==, 1);
}

static void
test_disconnected_on_reset (Fixture      *fx,
                            gconstpointer data)
{
  fixture_open (fx);
  reset_socket (&fx->peer);
  gsock_test_wait_until (fx->rec.n_disconnected >= 1);
  g_assert_cmpuint (fx->rec.n_disconnected, ==, 1);
  /* A reset is no orderly close: there is a reason. */
  g_assert_nonnull (fx->rec.reason);
  g_assert_true (fx->rec.reason->domain == G_IO_ERROR);
  g_assert_cmpint (state_of (fx->client), ==, GSOCK_STATE_CLOSED);
  gsock_test_run_for (NULL, 50);
  g_assert_cmpuint (fx->rec.n_disconnected, ==, 1);
}

static void
test_disconnected_truncated (Fixture      *fx,
                             gconstpointer data)
{
  fixture_open (fx);
  peer_send (fx, "whole\npartial");
  close_socket (&fx->peer);

  gsock_test_wait_until (fx->rec.n_disconnected >= 1);
  g_assert_cmpuint (fx->rec.n_disconnected, ==, 1);
  g_assert_error (fx->rec.reason, GSOCK_ERROR, GSOCK_ERROR_TRUNCATED);
  g_assert_cmpuint (fx->rec.messages->len, ==, 1);
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[0]), ==, "whole");
  g_assert_cmpint (state_of (fx->client), ==, GSOCK_STATE_CLOSED);
}

static void
test_disconnected_oversize_line (Fixture      *fx,
                                 gconstpointer data)
{
  g_autoptr(GBytes) big = gsock_test_pattern_bytes (5000);

  gsock_endpoint_set_max_message_size (GSOCK_ENDPOINT (fx->client), 1000);
  fixture_open (fx);
  gsock_test_socket_send_all (fx->peer, g_bytes_get_data (big, NULL), 5000);

  gsock_test_wait_until (fx->rec.n_disconnected >= 1);
  g_assert_cmpuint (fx->rec.n_disconnected, ==, 1);
  g_assert_error (fx->rec.reason, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);
  g_assert_cmpuint (fx->rec.messages->len, ==, 0);
  g_assert_cmpint (state_of (fx->client), ==, GSOCK_STATE_CLOSED);
}

static void
test_line_of_exactly_max_size (Fixture      *fx,
                               gconstpointer data)
{
  g_autoptr(GBytes) line = gsock_test_pattern_bytes (1000);

  gsock_endpoint_set_max_message_size (GSOCK_ENDPOINT (fx->client), 1000);
  fixture_open (fx);
  gsock_test_socket_send_all (fx->peer, g_bytes_get_data (line, NULL), 1000);
  gsock_test_socket_send_all (fx->peer, "\n", 1);

  gsock_test_wait_until (fx->rec.messages->len == 1);
  g_assert_true (g_bytes_equal (gsock_message_get_bytes (fx->rec.messages->pdata[0]), line));
  g_assert_cmpuint (fx->rec.n_disconnected, ==, 0);
}

static void
test_large_line_arrives_whole (Fixture      *fx,
                               gconstpointer data)
{
  g_autoptr(GBytes) line = gsock_test_pattern_bytes (2 * 1024 * 1024);

  gsock_endpoint_set_max_message_size (GSOCK_ENDPOINT (fx->client), 4 * 1024 * 1024);
  fixture_open (fx);
  gsock_test_socket_send_all (fx->peer, g_bytes_get_data (line, NULL), g_bytes_get_size (line));
  gsock_test_socket_send_all (fx->peer, "\nnext\n", 6);
  gsock_test_wait_until (fx->rec.messages->len >= 2);
  g_assert_cmpuint (fx->rec.messages->len, ==, 2);
  g_assert_true (g_bytes_equal (gsock_message_get_bytes (fx->rec.messages->pdata[0]), line));
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[1]), ==, "next");
}

static void
test_open_resolves_host_name (void)
{
  guint16 port;
  g_autoptr(GSocket) listener = gsock_test_tcp_listen (4, &port);
  GsockTcpClient *client = gsock_tcp_client_new ("localhost", port);
  GError *error = NULL;

  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), GSOCK_TEST_TIMEOUT_MS);
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (gsock_test_address_get_port (gsock_tcp_client_get_remote_address (client)),
                    ==, port);
  close_and_finalize (client);
  g_socket_close (listener, NULL);
}

static void
test_many_lines_in_odd_chunks (Fixture      *fx,
                               gconstpointer data)
{
  GString *stream = g_string_new (NULL);
  guint i, n = 10000;
  gsize off;

  fixture_open (fx);
  for (i = 0; i < n; i++)
    g_string_append_printf (stream, "line %05u\n", i);
  /* Chunks that cut lines anywhere. */
  for (off = 0; off < stream->len; off += 997)
    gsock_test_socket_send_all (fx->peer, stream->str + off, MIN (997, stream->len - off));
  g_string_free (stream, TRUE);

  gsock_test_wait_until (fx->rec.messages->len >= n);
  g_assert_cmpuint (fx->rec.messages->len, ==, n);
  for (i = 0; i < n; i++)
    {
      char expected[16];

      g_snprintf (expected, sizeof expected, "line %05u", i);
      g_assert_cmpstr (message_text (fx->rec.messages->pdata[i]), ==, expected);
    }
  g_assert_cmpuint (fx->rec.n_disconnected, ==, 0);
}

static void
test_send_empty_line (Fixture      *fx,
                      gconstpointer data)
{
  g_autoptr(GBytes) got = NULL;
  GError *error = NULL;

  fixture_open (fx);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (fx->client), "", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (fx->client), "x", NULL, &error));
  g_assert_no_error (error);
  got = peer_read (fx, 3);
  gsock_test_assert_bytes (got, "\nx\n", 3);
}

static void
test_close_before_open (Fixture      *fx,
                        gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  GError *error = NULL;

  gsock_endpoint_close_async (GSOCK_ENDPOINT (fx->client), NULL, store_result_cb, &result);
  gsock_test_wait_until (result != NULL);
  g_assert_true (gsock_endpoint_close_finish (GSOCK_ENDPOINT (fx->client), result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state_of (fx->client), ==, GSOCK_STATE_CLOSED);
  /* Nothing was connected, so nothing was disconnected. */
  g_assert_cmpuint (fx->rec.n_disconnected, ==, 0);

  /* And it can still be opened afterwards. */
  fixture_open (fx);
}

static void
test_length_framer_empty_message (Fixture      *fx,
                                  gconstpointer data)
{
  static const guint8 wire[] = { 0, 0, 0, 0, 0, 0, 0, 1, 'z' };
  g_autoptr(GsockFramer) framer = gsock_length_framer_new (4);

  gsock_tcp_client_set_framer (fx->client, framer);
  fixture_open (fx);
  gsock_test_socket_send_all (fx->peer, wire, sizeof wire);
  gsock_test_wait_until (fx->rec.messages->len >= 2);
  g_assert_cmpuint (g_bytes_get_size (gsock_message_get_bytes (fx->rec.messages->pdata[0])), ==,
                    0);
  gsock_test_assert_bytes (gsock_message_get_bytes (fx->rec.messages->pdata[1]), "z", 1);
}

/* ---- other framers ---- */

static void
test_length_framer_round_trip (Fixture      *fx,
                               gconstpointer data)
{
  static const guint8 payload[] = { 0x00, '\n', 0xff, 'a', 0x00, '\r' };
  static const guint8 wire[] = { 0, 0, 0, 6, 0x00, '\n', 0xff, 'a', 0x00, '\r' };
  g_autoptr(GsockFramer) framer = gsock_length_framer_new (4);
  g_autoptr(GBytes) bytes = g_bytes_new_static (payload, sizeof payload);
  g_autoptr(GBytes) got = NULL;
  GError *error = NULL;

  gsock_tcp_client_set_framer (fx->client, framer);
  fixture_open (fx);

  g_assert_true (gsock_endpoint_send_bytes (GSOCK_ENDPOINT (fx->client), bytes, NULL, &error));
  g_assert_no_error (error);
  got = peer_read (fx, sizeof wire);
  gsock_test_assert_bytes (got, wire, sizeof wire);

  /* Two frames, the second split in the middle of its prefix. */
  gsock_test_socket_send_all (fx->peer, wire, sizeof wire);
  gsock_test_socket_send_all (fx->peer, "\0\0", 2);
  gsock_test_wait_until (fx->rec.messages->len == 1);
  gsock_test_socket_send_all (fx->peer, "\0\3abc", 5);
  gsock_test_wait_until (fx->rec.messages->len == 2);
  gsock_test_assert_bytes (gsock_message_get_bytes (fx->rec.messages->pdata[0]), payload,
                           sizeof payload);
  gsock_test_assert_bytes (gsock_message_get_bytes (fx->rec.messages->pdata[1]), "abc", 3);
}

static void
check_huge_prefix (Fixture      *fx,
                   guint         prefix_size,
                   const guint8 *prefix)
{
  g_autoptr(GsockFramer) framer = gsock_length_framer_new (prefix_size);
  guint64 peak_before, peak_after;

  gsock_tcp_client_set_framer (fx->client, framer);
  fixture_open (fx);

  peak_before = gsock_test_vm_peak_kib ();
  gsock_test_socket_send_all (fx->peer, prefix, prefix_size);
  gsock_test_socket_send_all (fx->peer, "some bytes", 10);
  gsock_test_wait_until (fx->rec.n_disconnected >= 1);
  g_assert_cmpuint (fx->rec.n_disconnected, ==, 1);
  peak_after = gsock_test_vm_peak_kib ();

  g_assert_error (fx->rec.reason, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);
  g_assert_cmpuint (fx->rec.messages->len, ==, 0);
  g_assert_cmpint (state_of (fx->client), ==, GSOCK_STATE_CLOSED);
  /* Nothing of the claimed size was allocated, not even briefly. */
  if (peak_before == 0)
    g_test_message ("no VmPeak in /proc/self/status; allocation not checked");
  else
    g_assert_cmpuint (peak_after - peak_before, <, 256 * 1024);
}

static void
test_length_framer_4gib_prefix (Fixture      *fx,
                                gconstpointer data)
{
  static const guint8 prefix[] = { 0xff, 0xff, 0xff, 0xff };

  check_huge_prefix (fx, sizeof prefix, prefix);
}

static void
test_length_framer_8byte_4gib_prefix (Fixture      *fx,
                                      gconstpointer data)
{
  static const guint8 prefix[] = { 0, 0, 0, 1, 0, 0, 0, 0 };

  check_huge_prefix (fx, sizeof prefix, prefix);
}

static void
test_raw_framer (Fixture      *fx,
                 gconstpointer data)
{
  g_autoptr(GsockFramer) framer = gsock_raw_framer_new ();
  g_autoptr(GBytes) payload = g_bytes_new_static ("no\nframing", 10);
  g_autoptr(GBytes) got = NULL;
  GError *error = NULL;

  gsock_tcp_client_set_framer (fx->client, framer);
  fixture_open (fx);

  g_assert_true (gsock_endpoint_send_bytes (GSOCK_ENDPOINT (fx->client), payload, NULL, &error));
  g_assert_no_error (error);
  got = peer_read (fx, 10);
  gsock_test_assert_bytes (got, "no\nframing", 10);

  peer_send (fx, "abc\ndef");
  gsock_test_wait_until (fx->rec.messages->len >= 1);
  gsock_test_assert_bytes (gsock_message_get_bytes (fx->rec.messages->pdata[0]), "abc\ndef", 7);
  /* A raw stream has no partial messages: the peer's close is orderly. */
  close_socket (&fx->peer);
  gsock_test_wait_until (fx->rec.n_disconnected >= 1);
  g_assert_cmpuint (fx->rec.n_disconnected, ==, 1);
  g_assert_no_error (fx->rec.reason);
}

/* ---- big writes ---- */

#define BIG_SIZE (8 * 1024 * 1024)

static void
test_large_message_partial_writes (Fixture      *fx,
                                   gconstpointer data)
{
  g_autoptr(GBytes) big = gsock_test_pattern_bytes (BIG_SIZE);
  g_autoptr(GBytes) got = NULL;
  GError *error = NULL;
  gsize queued;

  gsock_endpoint_set_max_message_size (GSOCK_ENDPOINT (fx->client), 2 * BIG_SIZE);
  fixture_open (fx);

  g_assert_true (gsock_endpoint_send_bytes (GSOCK_ENDPOINT (fx->client), big, NULL, &error));
  g_assert_no_error (error);
  /* The kernel cannot take 8 MiB before the peer reads: the rest waits in the queue. */
  queued = gsock_tcp_client_get_queued_bytes (fx->client);
  g_assert_cmpuint (queued, >, 0);
  g_assert_cmpuint (queued, <=, BIG_SIZE + 1);

  /* A slow reader: 16 KiB per main loop turn. */
  got = gsock_test_socket_read (fx->peer, BIG_SIZE + 1, 16 * 1024, NULL);
  g_assert_cmpuint (g_bytes_get_size (got), ==, BIG_SIZE + 1);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), BIG_SIZE, g_bytes_get_data (big, NULL),
                   BIG_SIZE);
  g_assert_cmpint (((const char *) g_bytes_get_data (got, NULL))[BIG_SIZE], ==, '\n');

  gsock_test_wait_until (gsock_tcp_client_get_queued_bytes (fx->client) == 0);
  g_assert_cmpint (state_of (fx->client), ==, GSOCK_STATE_OPEN);
}

static void
test_queued_messages_keep_order (Fixture      *fx,
                                 gconstpointer data)
{
  g_autoptr(GBytes) big = gsock_test_pattern_bytes (BIG_SIZE / 2);
  g_autoptr(GBytes) got = NULL;
  const guint8 *wire;
  GError *error = NULL;
  gsize total = BIG_SIZE / 2 + 1 + strlen ("after\n");

  gsock_endpoint_set_max_message_size (GSOCK_ENDPOINT (fx->client), BIG_SIZE);
  fixture_open (fx);
  g_assert_true (gsock_endpoint_send_bytes (GSOCK_ENDPOINT (fx->client), big, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (gsock_tcp_client_get_queued_bytes (fx->client), >, 0);
  /* A small message sent while the queue is not empty goes after it. */
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (fx->client), "after", NULL, &error));
  g_assert_no_error (error);

  got = gsock_test_socket_read (fx->peer, total, 65536, NULL);
  g_assert_cmpuint (g_bytes_get_size (got), ==, total);
  wire = g_bytes_get_data (got, NULL);
  g_assert_cmpmem (wire, BIG_SIZE / 2, g_bytes_get_data (big, NULL), BIG_SIZE / 2);
  g_assert_cmpmem (wire + BIG_SIZE / 2, total - BIG_SIZE / 2, "\nafter\n", 7);
}

static void
test_close_flushes_queue (Fixture      *fx,
                          gconstpointer data)
{
  g_autoptr(GBytes) big = gsock_test_pattern_bytes (BIG_SIZE);
  g_autoptr(GBytes) got = NULL;
  gboolean eof = FALSE;
  GError *error = NULL;

  gsock_endpoint_set_max_message_size (GSOCK_ENDPOINT (fx->client), 2 * BIG_SIZE);
  fixture_open (fx);
  g_assert_true (gsock_endpoint_send_bytes (GSOCK_ENDPOINT (fx->client), big, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (gsock_tcp_client_get_queued_bytes (fx->client), >, 0);

  gsock_endpoint_close (GSOCK_ENDPOINT (fx->client));
  /* Data is still queued, so the close cannot be over yet. */
  g_assert_cmpint (state_of (fx->client), ==, GSOCK_STATE_CLOSING);

  got = gsock_test_socket_read (fx->peer, G_MAXSIZE, 65536, &eof);
  g_assert_true (eof);
  g_assert_cmpuint (g_bytes_get_size (got), ==, BIG_SIZE + 1);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), BIG_SIZE, g_bytes_get_data (big, NULL),
                   BIG_SIZE);

  gsock_test_wait_until (state_of (fx->client) == GSOCK_STATE_CLOSED);
  g_assert_cmpuint (gsock_tcp_client_get_queued_bytes (fx->client), ==, 0);
  g_assert_cmpuint (fx->rec.n_disconnected, ==, 1);
  g_assert_no_error (fx->rec.reason);
}

typedef struct
{
  GAsyncResult   *result;
  GsockState      state;
  gsize           queued;
} CloseData;

static void
close_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  CloseData *cd = user_data;

  g_assert_null (cd->result);
  cd->result = g_object_ref (result);
  cd->state = state_of (source);
  cd->queued = gsock_tcp_client_get_queued_bytes (GSOCK_TCP_CLIENT (source));
}

static void
test_close_async_completes_after_flush (Fixture      *fx,
                                        gconstpointer data)
{
  g_autoptr(GBytes) big = gsock_test_pattern_bytes (BIG_SIZE);
  g_autoptr(GBytes) got = NULL;
  CloseData cd = { NULL, GSOCK_STATE_OPEN, 1 };
  gboolean eof = FALSE;
  GError *error = NULL;

  gsock_endpoint_set_max_message_size (GSOCK_ENDPOINT (fx->client), 2 * BIG_SIZE);
  fixture_open (fx);
  g_assert_true (gsock_endpoint_send_bytes (GSOCK_ENDPOINT (fx->client), big, NULL, &error));
  g_assert_no_error (error);

  gsock_endpoint_close_async (GSOCK_ENDPOINT (fx->client), NULL, close_done_cb, &cd);
  /* With the peer not reading, the close cannot complete. */
  gsock_test_run_for (NULL, 200);
  g_assert_null (cd.result);
  g_assert_cmpint (state_of (fx->client), ==, GSOCK_STATE_CLOSING);

  got = gsock_test_socket_read (fx->peer, G_MAXSIZE, 65536, &eof);
  g_assert_true (eof);
  g_assert_cmpuint (g_bytes_get_size (got), ==, BIG_SIZE + 1);

  gsock_test_wait_until (cd.result != NULL);
  g_assert_true (gsock_endpoint_close_finish (GSOCK_ENDPOINT (fx->client), cd.result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cd.state, ==, GSOCK_STATE_CLOSED);
  g_assert_cmpuint (cd.queued, ==, 0);
  g_clear_object (&cd.result);
}

static void
test_close_async_when_idle (Fixture      *fx,
                            gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  GError *error = NULL;

  fixture_open (fx);
  gsock_endpoint_close_async (GSOCK_ENDPOINT (fx->client), NULL, store_result_cb, &result);
  gsock_test_wait_until (result != NULL);
  g_assert_true (gsock_endpoint_close_finish (GSOCK_ENDPOINT (fx->client), result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state_of (fx->client), ==, GSOCK_STATE_CLOSED);
  g_assert_cmpuint (fx->rec.n_disconnected, ==, 1);
}

static void
test_write_failure_is_the_reason (Fixture      *fx,
                                  gconstpointer data)
{
  g_autoptr(GBytes) big = gsock_test_pattern_bytes (BIG_SIZE);
  GError *error = NULL;

  gsock_endpoint_set_max_message_size (GSOCK_ENDPOINT (fx->client), 2 * BIG_SIZE);
  fixture_open (fx);
  g_assert_true (gsock_endpoint_send_bytes (GSOCK_ENDPOINT (fx->client), big, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (gsock_tcp_client_get_queued_bytes (fx->client), >, 0);

  /* The peer goes away without reading: the queued write fails. */
  reset_socket (&fx->peer);
  gsock_test_wait_until (fx->rec.n_disconnected >= 1);
  g_assert_cmpuint (fx->rec.n_disconnected, ==, 1);
  g_assert_nonnull (fx->rec.reason);
  g_assert_true (fx->rec.reason->domain == G_IO_ERROR);
  g_assert_cmpint (state_of (fx->client), ==, GSOCK_STATE_CLOSED);
  g_assert_cmpuint (gsock_tcp_client_get_queued_bytes (fx->client), ==, 0);
}

static void
test_close_async_completes_when_flush_fails (Fixture      *fx,
                                             gconstpointer data)
{
  g_autoptr(GBytes) big = gsock_test_pattern_bytes (BIG_SIZE);
  CloseData cd = { NULL, GSOCK_STATE_OPEN, 1 };
  GError *error = NULL;

  gsock_endpoint_set_max_message_size (GSOCK_ENDPOINT (fx->client), 2 * BIG_SIZE);
  fixture_open (fx);
  g_assert_true (gsock_endpoint_send_bytes (GSOCK_ENDPOINT (fx->client), big, NULL, &error));
  g_assert_no_error (error);
  gsock_endpoint_close_async (GSOCK_ENDPOINT (fx->client), NULL, close_done_cb, &cd);
  gsock_test_run_for (NULL, 50);
  g_assert_null (cd.result);

  /* The flush can never finish now; the close must end anyway. */
  reset_socket (&fx->peer);
  gsock_test_wait_until (cd.result != NULL);
  g_assert_cmpint (cd.state, ==, GSOCK_STATE_CLOSED);
  g_assert_cmpuint (fx->rec.n_disconnected, ==, 1);
  g_assert_nonnull (fx->rec.reason);
  /* Whether the close reports the lost data is the library's choice; it must not hang. */
  if (!gsock_endpoint_close_finish (GSOCK_ENDPOINT (fx->client), cd.result, &error))
    {
      g_assert_nonnull (error);
      g_clear_error (&error);
    }
  g_clear_object (&cd.result);
}

static void
close_on_first_message_cb (GsockEndpoint *endpoint,
                           GsockMessage  *message,
                           guint         *count)
{
  (*count)++;
  gsock_endpoint_close (endpoint);
}

static void
test_close_inside_message_handler (Fixture      *fx,
                                   gconstpointer data)
{
  guint handled = 0;

  g_signal_connect (fx->client, "message-received", G_CALLBACK (close_on_first_message_cb),
                    &handled);
  fixture_open (fx);
  /* Three messages in one read; the first handler call closes the client. */
  peer_send (fx, "one\ntwo\nthree\n");
  gsock_test_wait_until (fx->rec.n_disconnected >= 1);
  gsock_test_run_for (NULL, 50);
  g_assert_cmpuint (fx->rec.n_disconnected, ==, 1);
  g_assert_no_error (fx->rec.reason);
  g_assert_cmpint (state_of (fx->client), ==, GSOCK_STATE_CLOSED);
  g_assert_cmpuint (handled, >=, 1);
  g_assert_cmpstr (message_text (fx->rec.messages->pdata[0]), ==, "one");
  g_signal_handlers_disconnect_by_data (fx->client, &handled);
}

static void
unref_on_disconnect_cb (GsockTcpClient *client,
                        const GError   *reason,
                        gboolean       *done)
{
  *done = TRUE;
  g_object_unref (client);
}

static void
test_unref_inside_disconnected_handler (void)
{
  guint16 port;
  g_autoptr(GSocket) listener = gsock_test_tcp_listen (4, &port);
  g_autoptr(GSocket) peer = NULL;
  GsockTcpClient *client = gsock_tcp_client_new ("127.0.0.1", port);
  gboolean done = FALSE;
  GError *error = NULL;

  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), GSOCK_TEST_TIMEOUT_MS);
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);
  peer = gsock_test_tcp_accept (listener);
  g_object_add_weak_pointer (G_OBJECT (client), (gpointer *) &client);
  g_signal_connect (client, "disconnected", G_CALLBACK (unref_on_disconnect_cb), &done);

  /* The usual clean-up: drop the client from its own disconnected handler. */
  g_socket_close (peer, NULL);
  gsock_test_wait_until (done);
  gsock_test_drain (NULL);
  g_assert_null (client);
  g_socket_close (listener, NULL);
}

static void
test_reply_after_disconnect (Fixture      *fx,
                             gconstpointer data)
{
  GError *error = NULL;

  fixture_open (fx);
  peer_send (fx, "question\n");
  gsock_test_wait_until (fx->rec.messages->len == 1);
  close_socket (&fx->peer);
  gsock_test_wait_until (fx->rec.n_disconnected >= 1);

  g_assert_false (gsock_message_reply (fx->rec.messages->pdata[0], "too late", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);
}

static void
test_receive_async_times_out (Fixture      *fx,
                              gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GsockMessage) message = NULL;
  GError *error = NULL;

  fixture_open (fx);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (fx->client), 100);
  gsock_endpoint_receive_async (GSOCK_ENDPOINT (fx->client), NULL, store_result_cb, &result);
  gsock_test_wait_until (result != NULL);
  message = gsock_endpoint_receive_finish (GSOCK_ENDPOINT (fx->client), result, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&error);
  g_assert_null (message);
  g_assert_cmpint (state_of (fx->client), ==, GSOCK_STATE_OPEN);
}

static void
test_close_while_opening (void)
{
  BlackHole hole;
  GsockTcpClient *client;
  g_autoptr(GAsyncResult) result = NULL;
  GError *error = NULL;
  gboolean opened;

  black_hole_init (&hole);
  client = gsock_tcp_client_new ("127.0.0.1", hole.port);
  gsock_tcp_client_open_async (client, NULL, store_result_cb, &result);
  gsock_test_run_for (NULL, 50);
  if (result != NULL)
    {
      g_assert_true (gsock_tcp_client_open_finish (client, result, &error));
      g_assert_no_error (error);
      g_test_skip ("the kernel completed a connection to a full backlog; cannot close a "
                   "client that is still connecting");
    }
  else
    {
      g_assert_cmpint (state_of (client), ==, GSOCK_STATE_OPENING);
      gsock_endpoint_close (GSOCK_ENDPOINT (client));
      gsock_test_wait_until (result != NULL);
      opened = gsock_tcp_client_open_finish (client, result, &error);
      g_assert_false (opened);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_clear_error (&error);
      gsock_test_wait_until (state_of (client) == GSOCK_STATE_CLOSED);
    }

  g_clear_object (&result);
  close_and_finalize (client);
  black_hole_clear (&hole);
}

#define TEST_TYPE_WATCHED_CLIENT (test_watched_client_get_type ())
G_DECLARE_FINAL_TYPE (TestWatchedClient, test_watched_client, TEST, WATCHED_CLIENT,
                      GsockTcpClient)

struct _TestWatchedClient
{
  GsockTcpClient parent_instance;
  guint          n_disconnected;
  gboolean       had_reason;
  guint          n_messages;
  guint          n_sends;
};

G_DEFINE_FINAL_TYPE (TestWatchedClient, test_watched_client, GSOCK_TYPE_TCP_CLIENT)

static void
test_watched_client_disconnected (GsockTcpClient *client,
                                  const GError   *reason)
{
  TestWatchedClient *self = TEST_WATCHED_CLIENT (client);

  self->n_disconnected++;
  self->had_reason = reason != NULL;
}

/* Echoes with reply_data(), which must go through the send_bytes() below. */
static void
test_watched_client_message_received (GsockEndpoint *endpoint,
                                      GsockMessage  *message)
{
  gsize size;
  const guint8 *data = gsock_message_get_data (message, &size);
  GError *error = NULL;

  TEST_WATCHED_CLIENT (endpoint)->n_messages++;
  g_assert_true (gsock_message_reply_data (message, data, size, &error));
  g_assert_no_error (error);
}

static gboolean
test_watched_client_send_bytes (GsockEndpoint  *endpoint,
                                GBytes         *payload,
                                GSocketAddress *target,
                                GError        **error)
{
  TEST_WATCHED_CLIENT (endpoint)->n_sends++;
  return GSOCK_ENDPOINT_CLASS (test_watched_client_parent_class)->send_bytes (endpoint, payload,
                                                                              target, error);
}

static void
test_watched_client_class_init (TestWatchedClientClass *klass)
{
  GSOCK_TCP_CLIENT_CLASS (klass)->disconnected = test_watched_client_disconnected;
  GSOCK_ENDPOINT_CLASS (klass)->message_received = test_watched_client_message_received;
  GSOCK_ENDPOINT_CLASS (klass)->send_bytes = test_watched_client_send_bytes;
}

static void
test_watched_client_init (TestWatchedClient *self)
{
}

static void
test_subclass_class_handlers (void)
{
  guint16 port;
  g_autoptr(GSocket) listener = gsock_test_tcp_listen (4, &port);
  g_autoptr(GSocket) peer = NULL;
  TestWatchedClient *client = g_object_new (TEST_TYPE_WATCHED_CLIENT,
                                            "host", "127.0.0.1", "port", port,
                                            "timeout", GSOCK_TEST_TIMEOUT_MS, NULL);
  g_autoptr(GBytes) echo = NULL;
  gboolean eof = FALSE;
  GError *error = NULL;

  g_assert_true (gsock_tcp_client_open (GSOCK_TCP_CLIENT (client), NULL, &error));
  g_assert_no_error (error);
  peer = gsock_test_tcp_accept (listener);
  gsock_test_socket_send_all (peer, "a\nb\n", 4);
  gsock_test_wait_until (client->n_messages == 2);
  echo = gsock_test_socket_read (peer, 4, 4, &eof);
  gsock_test_assert_bytes (echo, "a\nb\n", 4);
  /* An overridden send_bytes() sees every send, send_data()'s included. */
  g_assert_cmpuint (client->n_sends, ==, 2);
  g_socket_close (peer, NULL);
  gsock_test_wait_until (client->n_disconnected >= 1);
  gsock_test_run_for (NULL, 50);
  g_assert_cmpuint (client->n_disconnected, ==, 1);
  g_assert_false (client->had_reason);

  gsock_test_drain (NULL);
  g_assert_finalize_object (client);
  g_socket_close (listener, NULL);
}

/* ---- counters, contexts, lifetime ---- */

static void
test_counters (Fixture      *fx,
               gconstpointer data)
{
  GsockEndpoint *ep = GSOCK_ENDPOINT (fx->client);
  guint sent_notifies = 0, received_notifies = 0;
  g_autoptr(GBytes) got = NULL;
  GError *error = NULL;

  g_signal_connect (fx->client, "notify::messages-sent", G_CALLBACK (count_cb), &sent_notifies);
  g_signal_connect (fx->client, "notify::messages-received", G_CALLBACK (count_cb),
                    &received_notifies);
  fixture_open (fx);

  g_assert_true (gsock_endpoint_send (ep, "12345", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (gsock_endpoint_send (ep, "678", NULL, &error));
  g_assert_no_error (error);
  got = peer_read (fx, 10);
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (ep), ==, 2);
  g_assert_cmpuint (gsock_endpoint_get_bytes_sent (ep), >=, 8);
  g_assert_cmpuint (gsock_endpoint_get_bytes_sent (ep), <=, 10);

  peer_send (fx, "abc\ndefg\n");
  gsock_test_wait_until (fx->rec.messages->len == 2);
  g_assert_cmpuint (gsock_endpoint_get_messages_received (ep), ==, 2);
  g_assert_cmpuint (gsock_endpoint_get_bytes_received (ep), >=, 7);
  g_assert_cmpuint (gsock_endpoint_get_bytes_received (ep), <=, 9);

  g_assert_cmpuint (sent_notifies, >=, 1);
  g_assert_cmpuint (received_notifies, >=, 1);
  g_signal_handlers_disconnect_by_data (fx->client, &sent_notifies);
  g_signal_handlers_disconnect_by_data (fx->client, &received_notifies);
}

static gboolean
bytes_to_enabled (GBinding     *binding,
                  const GValue *from,
                  GValue       *to,
                  gpointer      user_data)
{
  g_value_set_boolean (to, g_value_get_uint64 (from) > 0);
  return TRUE;
}

/* Counters notify only when watched: a property binding and a handler of plain "notify"
 * (no detail) are watchers too. */
static void
test_counters_notify_bindings (Fixture      *fx,
                               gconstpointer data)
{
  GsockEndpoint *ep = GSOCK_ENDPOINT (fx->client);
  g_autoptr(GSimpleAction) shown = g_simple_action_new ("shown", NULL);
  guint any_notifies = 0;
  GError *error = NULL;

  /* bytes-sent (guint64) mirrored into a GAction's "enabled" (TRUE once non-zero). */
  g_object_bind_property_full (fx->client, "bytes-sent", shown, "enabled", G_BINDING_DEFAULT,
                               bytes_to_enabled, NULL, NULL, NULL);
  g_simple_action_set_enabled (shown, FALSE);
  g_signal_connect (fx->client, "notify", G_CALLBACK (count_cb), &any_notifies);
  fixture_open (fx);
  any_notifies = 0;

  g_assert_true (gsock_endpoint_send (ep, "12345", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_action_get_enabled (G_ACTION (shown)));
  /* At least messages-sent and bytes-sent. */
  g_assert_cmpuint (any_notifies, >=, 2);
  g_signal_handlers_disconnect_by_data (fx->client, &any_notifies);
}

static void
test_signals_on_construction_context (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  guint16 port;
  g_autoptr(GSocket) listener = gsock_test_tcp_listen (4, &port);
  g_autoptr(GSocket) peer = NULL;
  GsockTcpClient *client;
  Recorder rec;
  GError *error = NULL;

  g_main_context_push_thread_default (context);
  client = gsock_tcp_client_new ("127.0.0.1", port);
  recorder_init (&rec, client);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), GSOCK_TEST_TIMEOUT_MS);
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);
  g_main_context_pop_thread_default (context);

  peer = gsock_test_tcp_accept (listener);
  gsock_test_socket_send_all (peer, "elsewhere\n", 10);

  gsock_test_run_for (NULL, 150);
  g_assert_cmpuint (rec.messages->len, ==, 0);
  gsock_test_wait_until_full (context, GSOCK_TEST_TIMEOUT_MS, rec.messages->len == 1);
  g_assert_cmpstr (message_text (rec.messages->pdata[0]), ==, "elsewhere");

  recorder_clear (&rec, client);
  gsock_endpoint_close (GSOCK_ENDPOINT (client));
  gsock_test_wait_until_full (context, GSOCK_TEST_TIMEOUT_MS,
                              state_of (client) == GSOCK_STATE_CLOSED);
  gsock_test_drain (context);
  g_assert_finalize_object (client);
  g_socket_close (peer, NULL);
  g_socket_close (listener, NULL);
}

static void
test_dispose_closes_connection (void)
{
  guint16 port;
  g_autoptr(GSocket) listener = gsock_test_tcp_listen (4, &port);
  g_autoptr(GSocket) peer = NULL;
  g_autoptr(GBytes) rest = NULL;
  GsockTcpClient *client = gsock_tcp_client_new ("127.0.0.1", port);
  gboolean eof = FALSE;
  GError *error = NULL;

  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), GSOCK_TEST_TIMEOUT_MS);
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);
  peer = gsock_test_tcp_accept (listener);

  /* Dropped while open: nothing keeps it alive, and the connection ends. */
  g_assert_finalize_object (client);
  rest = gsock_test_socket_read (peer, G_MAXSIZE, 4096, &eof);
  g_assert_true (eof);
  g_socket_close (peer, NULL);
  g_socket_close (listener, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gsock_test_install_watchdog ();

#define ADD(path, func) \
  g_test_add ("/Gsock/TcpClient/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  g_test_add_func ("/Gsock/TcpClient/defaults/use-a-line-framer", test_defaults);
  g_test_add_func ("/Gsock/TcpClient/framer/notifies-and-null-restores-lines", test_set_framer);
  ADD ("open/connects-and-sets-addresses", test_open_connects);
  ADD ("open/twice-is-busy", test_open_twice_is_busy);
  g_test_add_func ("/Gsock/TcpClient/open/fails-when-refused", test_open_refused);
  g_test_add_func ("/Gsock/TcpClient/open/can-retry-after-failure",
                   test_open_after_refused_can_retry);
  g_test_add_func ("/Gsock/TcpClient/open/times-out", test_open_times_out);
  ADD ("open/honours-cancelled-cancellable", test_open_pre_cancelled);
  g_test_add_func ("/Gsock/TcpClient/open/can-be-cancelled-while-connecting",
                   test_open_blocking_cancelled);
  ADD ("open-async/connects", test_open_async_connects);
  g_test_add_func ("/Gsock/TcpClient/open-async/fails-when-refused", test_open_async_refused);
  g_test_add_func ("/Gsock/TcpClient/open-async/can-be-cancelled", test_open_async_cancelled);
  ADD ("send/fails-before-open", test_send_before_open);
  ADD ("send/fails-while-closing", test_send_while_closing);
  ADD ("send/fails-once-closed", test_send_after_closed);
  ADD ("send/appends-delimiter", test_send_appends_delimiter);
  ADD ("send/ignores-target", test_send_ignores_target);
  ADD ("send/encodes-gbk", test_send_gbk);
  ADD ("send/utf16-lines-end-with-a-utf16-newline", test_send_utf16_lines);
  ADD ("send/fails-on-encoding-errors", test_send_encoding_errors);
  ADD ("send/fails-on-oversize-payload", test_send_oversize);
  ADD ("send/fails-on-line-containing-delimiter", test_send_line_with_delimiter);
  ADD ("receive/splits-lines", test_receive_splits_lines);
  ADD ("receive/joins-pieces-of-a-line", test_receive_joins_pieces);
  ADD ("receive/returns-text-and-sender", test_receive_text_and_sender);
  ADD ("receive/times-out", test_receive_times_out);
  ADD ("receive-async/fails-when-peer-closes", test_receive_async_fails_on_peer_close);
  ADD ("counters/notify-once-per-read", test_counters_notify_once_per_read);
  ADD ("deliver/handler-gone-mid-read-leaves-the-rest-for-receive",
       test_deliver_handler_gone_mid_read);
  ADD ("deliver/handler-swapped-mid-read-hears-the-rest", test_deliver_handler_swapped_mid_read);
  ADD ("receive/fails-at-once-after-disconnect", test_receive_after_disconnect_fails_at_once);
  ADD ("receive/delivers-invalid-text-with-bytes", test_receive_invalid_text_keeps_bytes);
  ADD ("reply/goes-to-the-peer", test_message_reply_goes_to_peer);
  ADD ("send-data/outside-a-read-copies-and-checks", test_send_data_outside_a_read);
  ADD ("reply-data/from-handler-is-framed-and-checked", test_reply_data_from_handler);
  ADD ("disconnected/fires-once-on-peer-close", test_disconnected_on_peer_close);
  ADD ("disconnected/fires-once-on-own-close", test_disconnected_on_own_close);
  ADD ("disconnected/has-reason-on-reset", test_disconnected_on_reset);
  ADD ("disconnected/is-truncated-when-peer-closes-mid-message", test_disconnected_truncated);
  ADD ("disconnected/is-too-large-on-oversize-line", test_disconnected_oversize_line);
  ADD ("receive/accepts-line-of-exactly-max-size", test_line_of_exactly_max_size);
  ADD ("receive/large-line-arrives-whole", test_large_line_arrives_whole);
  g_test_add_func ("/Gsock/TcpClient/open/resolves-host-name", test_open_resolves_host_name);
  ADD ("receive/many-lines-in-odd-chunks-arrive-in-order", test_many_lines_in_odd_chunks);
  ADD ("send/empty-text-is-an-empty-line", test_send_empty_line);
  ADD ("close-async/before-open-completes", test_close_before_open);
  ADD ("length-framer/delivers-empty-message", test_length_framer_empty_message);
  ADD ("length-framer/round-trips-binary", test_length_framer_round_trip);
  ADD ("length-framer/rejects-4gib-prefix-without-allocating",
       test_length_framer_4gib_prefix);
  ADD ("length-framer/rejects-8-byte-4gib-prefix-without-allocating",
       test_length_framer_8byte_4gib_prefix);
  ADD ("raw-framer/passes-bytes-through", test_raw_framer);
  ADD ("large-message/is-queued-and-arrives-intact", test_large_message_partial_writes);
  ADD ("large-message/keeps-later-messages-in-order", test_queued_messages_keep_order);
  ADD ("close/flushes-queue-before-eof", test_close_flushes_queue);
  ADD ("close-async/completes-after-flush", test_close_async_completes_after_flush);
  ADD ("close-async/completes-when-idle", test_close_async_when_idle);
  ADD ("disconnected/write-failure-is-the-reason", test_write_failure_is_the_reason);
  ADD ("close-async/completes-when-flush-fails", test_close_async_completes_when_flush_fails);
  ADD ("close/inside-message-handler-is-safe", test_close_inside_message_handler);
  g_test_add_func ("/Gsock/TcpClient/disconnected/handler-may-drop-last-reference",
                   test_unref_inside_disconnected_handler);
  ADD ("reply/fails-after-disconnect", test_reply_after_disconnect);
  ADD ("receive-async/times-out", test_receive_async_times_out);
  g_test_add_func ("/Gsock/TcpClient/open-async/is-cancelled-by-close",
                   test_close_while_opening);
  g_test_add_func ("/Gsock/TcpClient/subclass/class-handlers-run-and-sends-are-overridden",
                   test_subclass_class_handlers);
  ADD ("counters/move-and-notify", test_counters);
  ADD ("counters/notify-bindings-and-plain-notify-handlers", test_counters_notify_bindings);
  g_test_add_func ("/Gsock/TcpClient/context/signals-on-construction-context",
                   test_signals_on_construction_context);
  g_test_add_func ("/Gsock/TcpClient/dispose/ends-connection-without-close",
                   test_dispose_closes_connection);

#undef ADD

  return g_test_run ();
}
