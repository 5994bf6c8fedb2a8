/* test-message.c: GsockMessage, one received message
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <gsock/gsock.h>

#include "gsock-message-private.h"
#include "gsock-test-util.h"

/* 你好 and 已收到 in GBK. */
static const guint8 gbk_hello[] = { 0xc4, 0xe3, 0xba, 0xc3 };
static const guint8 gbk_received[] = { 0xd2, 0xd1, 0xca, 0xd5, 0xb5, 0xbd };

/* A message holds either a GBytes it was given (gsock_message_new()) or a copy of the data in
 * its own memory (what endpoints make as they receive); the tests below run with both. */
typedef enum
{
  FROM_BYTES,
  FROM_DATA,
} Storage;

static Storage storage;

static GsockMessage *
new_message (GsockEndpoint *endpoint,
             const void    *data,
             gsize          len,
             guint16        sender_port)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, len);
  g_autoptr(GSocketAddress) sender = gsock_test_loopback_address (sender_port);

  if (storage == FROM_DATA)
    return _gsock_message_new_from_data (endpoint, data, len, sender);
  return gsock_message_new (endpoint, bytes, sender);
}

static void
test_new_holds_what_it_was_given (void)
{
  g_autoptr(GsockUdpEndpoint) endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GBytes) bytes = g_bytes_new_static ("hello", 5);
  g_autoptr(GSocketAddress) sender = gsock_test_loopback_address (4321);
  GsockMessage *message;
  GSocketAddress *got_sender;

  message = gsock_message_new (GSOCK_ENDPOINT (endpoint), bytes, sender);
  g_assert_nonnull (message);

  g_assert_true (gsock_message_get_endpoint (message) == GSOCK_ENDPOINT (endpoint));
  g_assert_true (g_bytes_equal (gsock_message_get_bytes (message), bytes));
  got_sender = gsock_message_get_sender (message);
  g_assert_true (gsock_test_address_equal (got_sender, sender));
  g_assert_cmpuint (gsock_test_address_get_port (got_sender), ==, 4321);

  gsock_message_unref (message);
}

static void
test_ref_and_unref (void)
{
  g_autoptr(GsockUdpEndpoint) endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  GsockMessage *message = new_message (GSOCK_ENDPOINT (endpoint), "x", 1, 1000);
  GBytes *bytes;

  g_assert_true (gsock_message_ref (message) == message);
  gsock_message_unref (message);
  /* Still alive after one unref: the bytes are readable. */
  bytes = gsock_message_get_bytes (message);
  gsock_test_assert_bytes (bytes, "x", 1);
  gsock_message_unref (message);
}

static void
test_is_a_boxed_type (void)
{
  g_autoptr(GsockUdpEndpoint) endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  GsockMessage *message = new_message (GSOCK_ENDPOINT (endpoint), "boxed", 5, 1000);
  GsockMessage *copy;
  GValue value = G_VALUE_INIT;

  g_assert_true (G_TYPE_IS_BOXED (GSOCK_TYPE_MESSAGE));

  copy = g_boxed_copy (GSOCK_TYPE_MESSAGE, message);
  g_assert_true (copy == message);
  g_boxed_free (GSOCK_TYPE_MESSAGE, copy);

  g_value_init (&value, GSOCK_TYPE_MESSAGE);
  g_value_set_boxed (&value, message);
  g_assert_true (g_value_get_boxed (&value) == message);
  gsock_message_unref (message);
  /* The GValue still holds a reference. */
  gsock_test_assert_bytes (gsock_message_get_bytes (g_value_get_boxed (&value)), "boxed", 5);
  g_value_unset (&value);
}

static void
test_keeps_endpoint_alive (void)
{
  GsockUdpEndpoint *endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  GsockMessage *message = new_message (GSOCK_ENDPOINT (endpoint), "x", 1, 1000);

  g_object_add_weak_pointer (G_OBJECT (endpoint), (gpointer *) &endpoint);
  g_object_unref (endpoint);
  g_assert_nonnull (endpoint);
  g_assert_true (GSOCK_IS_UDP_ENDPOINT (gsock_message_get_endpoint (message)));

  gsock_message_unref (message);
  g_assert_null (endpoint);
}

static void
test_autoptr (void)
{
  GsockUdpEndpoint *endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);

  g_object_add_weak_pointer (G_OBJECT (endpoint), (gpointer *) &endpoint);
  {
    g_autoptr(GsockMessage) message = new_message (GSOCK_ENDPOINT (endpoint), "auto", 4, 1000);

    g_object_unref (endpoint);
    g_assert_nonnull (endpoint);
    gsock_test_assert_bytes (gsock_message_get_bytes (message), "auto", 4);
  }
  /* Leaving the scope dropped the message and, with it, the last endpoint reference. */
  g_assert_null (endpoint);
}

static void
test_text_utf8_is_cached (void)
{
  g_autoptr(GsockUdpEndpoint) endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  const char *utf8 = "héllo 世界";
  g_autoptr(GsockMessage) message = new_message (GSOCK_ENDPOINT (endpoint), utf8,
                                                 strlen (utf8), 1000);
  GError *error = NULL;
  const char *text;

  text = gsock_message_get_text (message, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, utf8);
  g_assert_true (gsock_message_get_text (message, &error) == text);
  g_assert_no_error (error);
  if (storage == FROM_DATA)
    {
      gsize size;

      /* Its own copy ends in a NUL: valid UTF-8 is the text as it is. */
      g_assert_true (text == (const char *) gsock_message_get_data (message, &size));
    }

  /* Cached: a later change of the endpoint's encoding does not decode it again. */
  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (endpoint), "ISO-8859-1");
  g_assert_cmpstr (gsock_message_get_text (message, &error), ==, utf8);
  g_assert_no_error (error);
}

static void
test_text_is_decoded_lazily (void)
{
  g_autoptr(GsockUdpEndpoint) endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GsockMessage) message = new_message (GSOCK_ENDPOINT (endpoint), gbk_hello,
                                                 sizeof gbk_hello, 1000);
  GError *error = NULL;

  /* Made while the endpoint said UTF-8; first asked for once it says GBK. */
  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (endpoint), "GBK");
  g_assert_cmpstr (gsock_message_get_text (message, &error), ==, "你好");
  g_assert_no_error (error);
}

static void
test_text_uses_endpoint_encoding (void)
{
  g_autoptr(GsockUdpEndpoint) endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GsockMessage) message = NULL;
  GError *error = NULL;

  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (endpoint), "GBK");
  message = new_message (GSOCK_ENDPOINT (endpoint), gbk_hello, sizeof gbk_hello, 1000);

  g_assert_cmpstr (gsock_message_get_text (message, &error), ==, "你好");
  g_assert_no_error (error);
  /* The bytes stay what came off the wire. */
  gsock_test_assert_bytes (gsock_message_get_bytes (message), gbk_hello, sizeof gbk_hello);
}

static void
test_text_latin1 (void)
{
  static const guint8 wire[] = { 'c', 'a', 'f', 0xe9 };
  g_autoptr(GsockUdpEndpoint) endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GsockMessage) message = NULL;
  GError *error = NULL;

  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (endpoint), "ISO-8859-1");
  message = new_message (GSOCK_ENDPOINT (endpoint), wire, sizeof wire, 1000);
  g_assert_cmpstr (gsock_message_get_text (message, &error), ==, "café");
  g_assert_no_error (error);
}

static void
test_text_invalid_bytes (void)
{
  static const guint8 wire[] = { 'o', 'k', 0xff, 0xfe };
  g_autoptr(GsockUdpEndpoint) endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GsockMessage) message = new_message (GSOCK_ENDPOINT (endpoint), wire, sizeof wire,
                                                 1000);
  GError *error = NULL;

  g_assert_null (gsock_message_get_text (message, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_TEXT);
  g_clear_error (&error);

  /* Asking again fails again; the bytes stay available. */
  g_assert_null (gsock_message_get_text (message, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_TEXT);
  g_clear_error (&error);
  gsock_test_assert_bytes (gsock_message_get_bytes (message), wire, sizeof wire);
}

static void
test_text_embedded_nul (void)
{
  static const guint8 wire[] = { 'a', 0x00, 'b' };
  g_autoptr(GsockUdpEndpoint) endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GsockMessage) message = new_message (GSOCK_ENDPOINT (endpoint), wire, sizeof wire,
                                                 1000);
  GError *error = NULL;

  g_assert_null (gsock_message_get_text (message, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_TEXT);
  g_clear_error (&error);
  gsock_test_assert_bytes (gsock_message_get_bytes (message), wire, sizeof wire);
}

static void
test_text_unknown_encoding (void)
{
  g_autoptr(GsockUdpEndpoint) endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GsockMessage) message = NULL;
  GError *error = NULL;

  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (endpoint), "NO-SUCH-CHARSET-GSOCK");
  message = new_message (GSOCK_ENDPOINT (endpoint), "hello", 5, 1000);
  g_assert_null (gsock_message_get_text (message, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_UNKNOWN_ENCODING);
  g_clear_error (&error);
  gsock_test_assert_bytes (gsock_message_get_bytes (message), "hello", 5);
}

static void
test_text_empty (void)
{
  g_autoptr(GsockUdpEndpoint) endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GsockMessage) message = new_message (GSOCK_ENDPOINT (endpoint), "", 0, 1000);
  GError *error = NULL;

  g_assert_cmpstr (gsock_message_get_text (message, &error), ==, "");
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (gsock_message_get_bytes (message)), ==, 0);
}

static void
test_data_views_the_bytes (void)
{
  static const guint8 wire[] = { 'a', 0x00, 0xff, '\n' };
  g_autoptr(GsockUdpEndpoint) endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GsockMessage) message = new_message (GSOCK_ENDPOINT (endpoint), wire, sizeof wire,
                                                 1000);
  const guint8 *data;
  GBytes *bytes;
  gsize size = 0;

  data = gsock_message_get_data (message, &size);
  g_assert_cmpmem (data, size, wire, sizeof wire);

  /* The GBytes is made once and shares the data: no copy. */
  bytes = gsock_message_get_bytes (message);
  g_assert_true (gsock_message_get_bytes (message) == bytes);
  g_assert_true (g_bytes_get_data (bytes, NULL) == data);
  gsock_test_assert_bytes (bytes, wire, sizeof wire);
}

static void
test_data_of_empty_message (void)
{
  g_autoptr(GsockUdpEndpoint) endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  g_autoptr(GsockMessage) message = new_message (GSOCK_ENDPOINT (endpoint), "", 0, 1000);
  gsize size = 1;

  /* Not NULL, so C callers need no special case. */
  g_assert_nonnull (gsock_message_get_data (message, &size));
  g_assert_cmpuint (size, ==, 0);
}

static void
test_bytes_outlive_message (void)
{
  g_autoptr(GsockUdpEndpoint) endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  GsockMessage *message = new_message (GSOCK_ENDPOINT (endpoint), "kept", 4, 1000);
  g_autoptr(GBytes) bytes = g_bytes_ref (gsock_message_get_bytes (message));
  GError *error = NULL;

  g_assert_cmpstr (gsock_message_get_text (message, &error), ==, "kept");
  g_assert_no_error (error);
  gsock_message_unref (message);

  /* Still readable (asan and valgrind check the memory behind them). */
  gsock_test_assert_bytes (bytes, "kept", 4);
}

/* A bound UDP pair on 127.0.0.1 with the same encoding. */
typedef struct
{
  GsockUdpEndpoint *server;
  GsockUdpEndpoint *client;
  guint16           server_port;
  guint16           client_port;
} UdpPair;

static void
udp_pair_setup (UdpPair       *pair,
                gconstpointer  data)
{
  const char *encoding = data != NULL ? data : "UTF-8";
  GError *error = NULL;

  pair->server = gsock_udp_endpoint_new ("127.0.0.1", 0);
  pair->client = gsock_udp_endpoint_new ("127.0.0.1", 0);
  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (pair->server), encoding);
  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (pair->client), encoding);
  /* A blocking receive that sees nothing fails the test instead of hanging it. */
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (pair->server), GSOCK_TEST_TIMEOUT_MS);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (pair->client), GSOCK_TEST_TIMEOUT_MS);

  g_assert_true (gsock_udp_endpoint_bind (pair->server, &error));
  g_assert_no_error (error);
  g_assert_true (gsock_udp_endpoint_bind (pair->client, &error));
  g_assert_no_error (error);
  pair->server_port = gsock_test_endpoint_get_port (pair->server);
  pair->client_port = gsock_test_endpoint_get_port (pair->client);
  g_assert_cmpuint (pair->server_port, !=, 0);
  g_assert_cmpuint (pair->client_port, !=, 0);
}

static void
close_and_finalize (GsockUdpEndpoint *endpoint)
{
  gsock_endpoint_close (GSOCK_ENDPOINT (endpoint));
  gsock_test_wait_until (gsock_endpoint_get_state (GSOCK_ENDPOINT (endpoint)) ==
                         GSOCK_STATE_CLOSED);
  gsock_test_drain (NULL);
  g_assert_finalize_object (endpoint);
}

static void
udp_pair_teardown (UdpPair       *pair,
                   gconstpointer  data)
{
  close_and_finalize (g_steal_pointer (&pair->client));
  close_and_finalize (g_steal_pointer (&pair->server));
}

static GsockMessage *
client_sends_and_server_receives (UdpPair    *pair,
                                  const char *text)
{
  g_autoptr(GSocketAddress) target = gsock_test_loopback_address (pair->server_port);
  GError *error = NULL;
  GsockMessage *message;

  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (pair->client), text, target, &error));
  g_assert_no_error (error);
  message = gsock_endpoint_receive_message (GSOCK_ENDPOINT (pair->server), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (message);
  return message;
}

static void
test_reply_reaches_sender (UdpPair       *pair,
                           gconstpointer  data)
{
  g_autoptr(GsockMessage) message = client_sends_and_server_receives (pair, "ping");
  g_autoptr(GSocketAddress) sender = NULL;
  g_autofree char *answer = NULL;
  GError *error = NULL;

  g_assert_cmpstr (gsock_message_get_text (message, &error), ==, "ping");
  g_assert_no_error (error);
  g_assert_true (gsock_message_get_endpoint (message) == GSOCK_ENDPOINT (pair->server));
  g_assert_cmpuint (gsock_test_address_get_port (gsock_message_get_sender (message)), ==,
                    pair->client_port);

  g_assert_true (gsock_message_reply (message, "pong", &error));
  g_assert_no_error (error);

  answer = gsock_endpoint_receive (GSOCK_ENDPOINT (pair->client), &sender, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answer, ==, "pong");
  g_assert_nonnull (sender);
  g_assert_cmpuint (gsock_test_address_get_port (sender), ==, pair->server_port);
}

static void
test_reply_bytes_reaches_sender (UdpPair       *pair,
                                 gconstpointer  data)
{
  static const guint8 binary[] = { 0x00, 0xff, 0x0a, 0x01, 0x80 };
  g_autoptr(GsockMessage) message = client_sends_and_server_receives (pair, "ping");
  g_autoptr(GBytes) payload = g_bytes_new_static (binary, sizeof binary);
  g_autoptr(GsockMessage) answer = NULL;
  GError *error = NULL;

  g_assert_true (gsock_message_reply_bytes (message, payload, &error));
  g_assert_no_error (error);

  answer = gsock_endpoint_receive_message (GSOCK_ENDPOINT (pair->client), NULL, &error);
  g_assert_no_error (error);
  gsock_test_assert_bytes (gsock_message_get_bytes (answer), binary, sizeof binary);
  g_assert_true (gsock_message_get_endpoint (answer) == GSOCK_ENDPOINT (pair->client));
  g_assert_cmpuint (gsock_test_address_get_port (gsock_message_get_sender (answer)), ==,
                    pair->server_port);
}

static void
test_reply_data_reaches_sender (UdpPair       *pair,
                                gconstpointer  data)
{
  static const guint8 binary[] = { 0x00, 0xff, 0x0a };
  g_autoptr(GsockMessage) message = client_sends_and_server_receives (pair, "ping");
  g_autoptr(GsockMessage) answer = NULL;
  GError *error = NULL;

  g_assert_true (gsock_message_reply_data (message, binary, sizeof binary, &error));
  g_assert_no_error (error);
  answer = gsock_endpoint_receive_message (GSOCK_ENDPOINT (pair->client), NULL, &error);
  g_assert_no_error (error);
  gsock_test_assert_bytes (gsock_message_get_bytes (answer), binary, sizeof binary);

  /* Larger than max-message-size: refused, nothing sent. */
  gsock_endpoint_set_max_message_size (GSOCK_ENDPOINT (pair->server), 2);
  g_assert_false (gsock_message_reply_data (message, binary, sizeof binary, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);
  g_clear_error (&error);
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (GSOCK_ENDPOINT (pair->server)), ==, 1);
}

static void
test_reply_in_gbk (UdpPair       *pair,
                   gconstpointer  data)
{
  g_autoptr(GsockMessage) message = client_sends_and_server_receives (pair, "你好");
  g_autoptr(GsockMessage) answer = NULL;
  GError *error = NULL;

  gsock_test_assert_bytes (gsock_message_get_bytes (message), gbk_hello, sizeof gbk_hello);
  g_assert_cmpstr (gsock_message_get_text (message, &error), ==, "你好");
  g_assert_no_error (error);

  g_assert_true (gsock_message_reply (message, "已收到", &error));
  g_assert_no_error (error);
  answer = gsock_endpoint_receive_message (GSOCK_ENDPOINT (pair->client), NULL, &error);
  g_assert_no_error (error);
  gsock_test_assert_bytes (gsock_message_get_bytes (answer), gbk_received, sizeof gbk_received);
  g_assert_cmpstr (gsock_message_get_text (answer, &error), ==, "已收到");
  g_assert_no_error (error);
}

static void
test_reply_unrepresentable_text (UdpPair       *pair,
                                 gconstpointer  data)
{
  g_autoptr(GsockMessage) message = client_sends_and_server_receives (pair, "hi");
  g_autoptr(GsockMessage) answer = NULL;
  GError *error = NULL;

  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (pair->server), "ISO-8859-1");
  g_assert_false (gsock_message_reply (message, "已收到", &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_TEXT);
  g_clear_error (&error);

  /* The failed reply put nothing on the wire: the client times out. */
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (pair->client), 200);
  answer = gsock_endpoint_receive_message (GSOCK_ENDPOINT (pair->client), NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_null (answer);
  g_clear_error (&error);
}

typedef struct
{
  Storage storage;
  GTestFunc func;
} Variant;

static void
run_variant (gconstpointer data)
{
  const Variant *variant = data;

  storage = variant->storage;
  variant->func ();
}

/* Adds @func once for each way a message holds its bytes. */
static void
add_for_each_storage (const char *path,
                      GTestFunc   func)
{
  static const char *const names[] = { [FROM_BYTES] = "from-bytes", [FROM_DATA] = "from-data" };

  for (Storage s = FROM_BYTES; s <= FROM_DATA; s++)
    {
      g_autofree char *full = g_strdup_printf ("/Gsock/Message/%s/%s", names[s], path);
      Variant *variant = g_new (Variant, 1);

      variant->storage = s;
      variant->func = func;
      g_test_add_data_func_full (full, variant, run_variant, g_free);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gsock_test_install_watchdog ();

  g_test_add_func ("/Gsock/Message/new/holds-bytes-sender-and-endpoint",
                   test_new_holds_what_it_was_given);
  add_for_each_storage ("ref/keeps-message-alive", test_ref_and_unref);
  add_for_each_storage ("boxed/copies-by-reference", test_is_a_boxed_type);
  add_for_each_storage ("endpoint/is-kept-alive-by-message", test_keeps_endpoint_alive);
  add_for_each_storage ("autoptr/unrefs-at-end-of-scope", test_autoptr);
  add_for_each_storage ("data/views-the-bytes", test_data_views_the_bytes);
  add_for_each_storage ("data/of-empty-message-is-not-null", test_data_of_empty_message);
  add_for_each_storage ("bytes/outlive-the-message", test_bytes_outlive_message);
  add_for_each_storage ("text/decodes-utf8-once", test_text_utf8_is_cached);
  add_for_each_storage ("text/is-decoded-lazily", test_text_is_decoded_lazily);
  add_for_each_storage ("text/uses-endpoint-encoding", test_text_uses_endpoint_encoding);
  add_for_each_storage ("text/decodes-latin1", test_text_latin1);
  add_for_each_storage ("text/fails-on-invalid-bytes-keeping-bytes", test_text_invalid_bytes);
  add_for_each_storage ("text/fails-on-embedded-nul", test_text_embedded_nul);
  add_for_each_storage ("text/fails-on-unknown-encoding", test_text_unknown_encoding);
  add_for_each_storage ("text/of-empty-message-is-empty", test_text_empty);

  g_test_add ("/Gsock/Message/reply/reaches-udp-sender", UdpPair, NULL,
              udp_pair_setup, test_reply_reaches_sender, udp_pair_teardown);
  g_test_add ("/Gsock/Message/reply-bytes/reaches-udp-sender", UdpPair, NULL,
              udp_pair_setup, test_reply_bytes_reaches_sender, udp_pair_teardown);
  g_test_add ("/Gsock/Message/reply-data/reaches-udp-sender", UdpPair, NULL,
              udp_pair_setup, test_reply_data_reaches_sender, udp_pair_teardown);
  g_test_add ("/Gsock/Message/reply/encodes-in-gbk", UdpPair, "GBK",
              udp_pair_setup, test_reply_in_gbk, udp_pair_teardown);
  g_test_add ("/Gsock/Message/reply/fails-on-unencodable-text", UdpPair, NULL,
              udp_pair_setup, test_reply_unrepresentable_text, udp_pair_teardown);

  return g_test_run ();
}
