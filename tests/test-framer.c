/* test-framer.c: GsockFramer and the line, length and raw framers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <gsock/gsock.h>

#include "gsock-framer-private.h"
#include "gsock-line-framer-private.h"
#include "gsock-test-util.h"

#define MAX_SIZE 1024

/* Helpers */

/* Builds a GPtrArray of GBytes from NULL-terminated strings. */
static GPtrArray *
messages_from_strings (const char *const *strings)
{
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (gsize i = 0; strings[i] != NULL; i++)
    g_ptr_array_add (messages, g_bytes_new (strings[i], strlen (strings[i])));

  return messages;
}

static void
assert_bytes_equal (GBytes     *bytes,
                    const void *expected,
                    gsize       expected_len)
{
  gsize len;
  const void *data;

  g_assert_nonnull (bytes);
  data = g_bytes_get_data (bytes, &len);
  g_assert_cmpmem (data, len, expected, expected_len);
}

static void
assert_messages_equal (GPtrArray *got,
                       GPtrArray *expected)
{
  g_assert_cmpuint (got->len, ==, expected->len);
  for (guint i = 0; i < got->len; i++)
    {
      gsize expected_len;
      const void *expected_data = g_bytes_get_data (expected->pdata[i], &expected_len);

      assert_bytes_equal (got->pdata[i], expected_data, expected_len);
    }
}

/* Encodes every message and concatenates the wire bytes. */
static GBytes *
encode_all (GsockFramer *framer,
            GPtrArray   *messages,
            gsize        max_size)
{
  g_autoptr (GByteArray) stream = g_byte_array_new ();

  for (guint i = 0; i < messages->len; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) wire = NULL;
      gsize len;
      const guint8 *data;

      wire = gsock_framer_encode (framer, messages->pdata[i], max_size, &error);
      g_assert_no_error (error);
      g_assert_nonnull (wire);
      data = g_bytes_get_data (wire, &len);
      g_byte_array_append (stream, data, len);
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&stream));
}

/* Decodes every complete message in @buffer, as a connection does after each read, and
 * removes the bytes consumed. */
static void
drain (GsockFramer *framer,
       GByteArray  *buffer,
       gsize        max_size,
       GPtrArray   *messages)
{
  for (;;)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) message = NULL;
      gsize consumed = G_MAXSIZE;

      message = gsock_framer_decode (framer, buffer->data, buffer->len, max_size, &consumed,
                                     &error);
      g_assert_no_error (error);
      if (message == NULL)
        {
          g_assert_cmpuint (consumed, ==, 0);
          return;
        }
      g_assert_cmpuint (consumed, >, 0);
      g_assert_cmpuint (consumed, <=, buffer->len);
      g_assert_cmpuint (g_bytes_get_size (message), <=, max_size);
      g_byte_array_remove_range (buffer, 0, consumed);
      g_ptr_array_add (messages, g_steal_pointer (&message));
    }
}

/* Feeds @stream to @framer in pieces that end at each offset of @cuts (ascending, the last
 * one the stream's length) and returns every message decoded. Nothing may be left over. */
static GPtrArray *
decode_in_pieces (GsockFramer *framer,
                  GBytes      *stream,
                  gsize        max_size,
                  const gsize *cuts,
                  gsize        n_cuts)
{
  g_autoptr (GByteArray) buffer = g_byte_array_new ();
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gsize stream_len;
  const guint8 *stream_data = g_bytes_get_data (stream, &stream_len);
  gsize start = 0;

  for (gsize i = 0; i < n_cuts; i++)
    {
      g_assert_cmpuint (cuts[i], >=, start);
      g_assert_cmpuint (cuts[i], <=, stream_len);
      g_byte_array_append (buffer, stream_data + start, cuts[i] - start);
      start = cuts[i];
      drain (framer, buffer, max_size, messages);
    }

  g_assert_cmpuint (start, ==, stream_len);
  g_assert_cmpuint (buffer->len, ==, 0);
  return messages;
}

/* Encodes @expected, then decodes the stream fed one byte at a time, and cut in two at every
 * offset; every way must give @expected back. */
static void
assert_split_at_every_byte (GsockFramer *framer,
                            GPtrArray   *expected,
                            gsize        max_size)
{
  g_autoptr (GBytes) stream = encode_all (framer, expected, max_size);
  gsize stream_len = g_bytes_get_size (stream);
  g_autofree gsize *cuts = g_new (gsize, stream_len + 1);

  for (gsize i = 0; i < stream_len; i++)
    cuts[i] = i + 1;
  {
    g_autoptr (GPtrArray) got = decode_in_pieces (framer, stream, max_size, cuts, stream_len);
    assert_messages_equal (got, expected);
  }

  for (gsize split = 0; split <= stream_len; split++)
    {
      g_autoptr (GPtrArray) got = NULL;
      gsize two_cuts[2] = { split, stream_len };

      got = decode_in_pieces (framer, stream, max_size, two_cuts, 2);
      assert_messages_equal (got, expected);
    }
}

/* Decodes @len bytes of @data with one call and expects "need more bytes". */
static void
assert_needs_more (GsockFramer  *framer,
                   const guint8 *data,
                   gsize         len,
                   gsize         max_size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) message = NULL;
  gsize consumed = G_MAXSIZE;

  message = gsock_framer_decode (framer, data, len, max_size, &consumed, &error);
  g_assert_no_error (error);
  g_assert_null (message);
  g_assert_cmpuint (consumed, ==, 0);
}

/* Decodes @len bytes of @data with one call and expects @code in the GSOCK_ERROR domain. */
static void
assert_decode_error (GsockFramer  *framer,
                     const guint8 *data,
                     gsize         len,
                     gsize         max_size,
                     GQuark        domain,
                     int           code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) message = NULL;
  gsize consumed = G_MAXSIZE;

  message = gsock_framer_decode (framer, data, len, max_size, &consumed, &error);
  g_assert_error (error, domain, code);
  g_assert_null (message);
  g_assert_cmpuint (consumed, ==, 0);
}

static void
assert_encode_error (GsockFramer *framer,
                     GBytes      *payload,
                     gsize        max_size,
                     GQuark       domain,
                     int          code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) wire = NULL;

  wire = gsock_framer_encode (framer, payload, max_size, &error);
  g_assert_error (error, domain, code);
  g_assert_null (wire);
}

/* A custom framer: the first byte is the length of the message. */

G_DECLARE_FINAL_TYPE (TestByteFramer, test_byte_framer, TEST, BYTE_FRAMER, GsockFramer)

struct _TestByteFramer
{
  GsockFramer parent_instance;
};

G_DEFINE_FINAL_TYPE (TestByteFramer, test_byte_framer, GSOCK_TYPE_FRAMER)

static GBytes *
test_byte_framer_encode (GsockFramer *framer,
                         GBytes      *payload,
                         gsize        max_size,
                         GError     **error)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (payload, &len);
  guint8 *wire;

  if (len > G_MAXUINT8)
    {
      g_set_error_literal (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE,
                           "Too long for a one-byte length");
      return NULL;
    }

  wire = g_malloc (len + 1);
  wire[0] = (guint8) len;
  if (len > 0)
    memcpy (wire + 1, data, len);
  return g_bytes_new_take (wire, len + 1);
}

static GBytes *
test_byte_framer_decode (GsockFramer  *framer,
                         const guint8 *data,
                         gsize         len,
                         gsize         max_size,
                         gsize        *consumed,
                         GError      **error)
{
  if (len < 1)
    return NULL;
  if (data[0] > max_size)
    {
      g_set_error_literal (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE, "Too large");
      return NULL;
    }
  if (len < 1 + (gsize) data[0])
    return NULL;

  *consumed = 1 + data[0];
  return g_bytes_new (data + 1, data[0]);
}

static void
test_byte_framer_class_init (TestByteFramerClass *klass)
{
  GsockFramerClass *framer_class = GSOCK_FRAMER_CLASS (klass);

  framer_class->encode = test_byte_framer_encode;
  framer_class->decode = test_byte_framer_decode;
}

static void
test_byte_framer_init (TestByteFramer *self)
{
}

/* The same framing written with decode_bytes(), as a binding writes it: the message is cut
 * out of the input it is given (a reference to it), and a mode makes it fail without an
 * error, as PyGObject's zeroed result for an exception does. */

G_DECLARE_FINAL_TYPE (TestBytesFramer, test_bytes_framer, TEST, BYTES_FRAMER, GsockFramer)

struct _TestBytesFramer
{
  GsockFramer parent_instance;

  gboolean fail_without_error;
};

G_DEFINE_FINAL_TYPE (TestBytesFramer, test_bytes_framer, GSOCK_TYPE_FRAMER)

static gboolean
test_bytes_framer_decode_bytes (GsockFramer  *framer,
                                GBytes       *input,
                                gsize         max_size,
                                GBytes      **message,
                                gsize        *consumed,
                                GError      **error)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (input, &len);

  *message = NULL;
  *consumed = 0;
  if (TEST_BYTES_FRAMER (framer)->fail_without_error)
    return FALSE;
  if (len >= 1 && data[0] > max_size)
    {
      g_set_error_literal (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE, "Too large");
      return FALSE;
    }
  if (len >= 1 && len >= 1 + (gsize) data[0])
    {
      *message = g_bytes_new_from_bytes (input, 1, data[0]);
      *consumed = 1 + data[0];
    }
  return TRUE;
}

static void
test_bytes_framer_class_init (TestBytesFramerClass *klass)
{
  GsockFramerClass *framer_class = GSOCK_FRAMER_CLASS (klass);

  framer_class->encode = test_byte_framer_encode;
  framer_class->decode_bytes = test_bytes_framer_decode_bytes;
}

static void
test_bytes_framer_init (TestBytesFramer *self)
{
}

/* A framer with the bug its mode names, to check what the wrappers catch. */

typedef enum {
  BUG_CONSUMES_TOO_MUCH,
  BUG_MESSAGE_TOO_LARGE,
  BUG_MESSAGE_WITHOUT_CONSUMING,
  BUG_ERROR_AND_MESSAGE,
  BUG_ENCODE_RETURNS_NOTHING,
  BUG_SKIPS_ONE_BYTE, /* not a bug: skipping bytes is allowed */
} Bug;

G_DECLARE_FINAL_TYPE (TestBuggyFramer, test_buggy_framer, TEST, BUGGY_FRAMER, GsockFramer)

struct _TestBuggyFramer
{
  GsockFramer parent_instance;

  Bug bug;
};

G_DEFINE_FINAL_TYPE (TestBuggyFramer, test_buggy_framer, GSOCK_TYPE_FRAMER)

static GBytes *
test_buggy_framer_encode (GsockFramer *framer,
                          GBytes      *payload,
                          gsize        max_size,
                          GError     **error)
{
  return NULL;
}

static GBytes *
test_buggy_framer_decode (GsockFramer  *framer,
                          const guint8 *data,
                          gsize         len,
                          gsize         max_size,
                          gsize        *consumed,
                          GError      **error)
{
  TestBuggyFramer *self = TEST_BUGGY_FRAMER (framer);

  switch (self->bug)
    {
    case BUG_CONSUMES_TOO_MUCH:
      *consumed = len + 1;
      return g_bytes_new (data, len);

    case BUG_MESSAGE_TOO_LARGE:
      *consumed = len;
      return g_bytes_new (data, len);

    case BUG_MESSAGE_WITHOUT_CONSUMING:
      *consumed = 0;
      return g_bytes_new (NULL, 0);

    case BUG_ERROR_AND_MESSAGE:
      *consumed = len;
      g_set_error_literal (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_FRAME, "Bad frame");
      return g_bytes_new (data, len);

    case BUG_SKIPS_ONE_BYTE:
      *consumed = 1;
      return NULL;

    case BUG_ENCODE_RETURNS_NOTHING:
    default:
      return NULL;
    }
}

static void
test_buggy_framer_class_init (TestBuggyFramerClass *klass)
{
  GsockFramerClass *framer_class = GSOCK_FRAMER_CLASS (klass);

  framer_class->encode = test_buggy_framer_encode;
  framer_class->decode = test_buggy_framer_decode;
}

static void
test_buggy_framer_init (TestBuggyFramer *self)
{
}

static GsockFramer *
test_buggy_framer_new (Bug bug)
{
  TestBuggyFramer *self = g_object_new (test_buggy_framer_get_type (), NULL);

  self->bug = bug;
  return GSOCK_FRAMER (self);
}

/* A framer that implements neither virtual method. */

G_DECLARE_FINAL_TYPE (TestEmptyFramer, test_empty_framer, TEST, EMPTY_FRAMER, GsockFramer)

struct _TestEmptyFramer
{
  GsockFramer parent_instance;
};

G_DEFINE_FINAL_TYPE (TestEmptyFramer, test_empty_framer, GSOCK_TYPE_FRAMER)

static void
test_empty_framer_class_init (TestEmptyFramerClass *klass)
{
}

static void
test_empty_framer_init (TestEmptyFramer *self)
{
}

/* GsockFramer */

static void
test_framer_is_abstract (void)
{
  g_assert_true (G_TYPE_IS_ABSTRACT (GSOCK_TYPE_FRAMER));
  g_assert_false (G_TYPE_IS_FINAL (GSOCK_TYPE_FRAMER));
  g_assert_true (g_type_is_a (GSOCK_TYPE_LINE_FRAMER, GSOCK_TYPE_FRAMER));
  g_assert_true (g_type_is_a (GSOCK_TYPE_LENGTH_FRAMER, GSOCK_TYPE_FRAMER));
  g_assert_true (g_type_is_a (GSOCK_TYPE_RAW_FRAMER, GSOCK_TYPE_FRAMER));
  g_assert_true (G_TYPE_IS_FINAL (GSOCK_TYPE_LINE_FRAMER));
  g_assert_true (G_TYPE_IS_FINAL (GSOCK_TYPE_LENGTH_FRAMER));
  g_assert_true (G_TYPE_IS_FINAL (GSOCK_TYPE_RAW_FRAMER));
}

static void
test_framer_custom_subclass (void)
{
  GsockFramer *framer = g_object_new (test_byte_framer_get_type (), NULL);
  const char *strings[] = { "first", "", "third message", NULL };
  g_autoptr (GPtrArray) expected = messages_from_strings (strings);
  static const guint8 wire[] = { 2, 'h', 'i', 0, 3, 'a' };
  g_autoptr (GBytes) message = NULL;
  g_autoptr (GError) error = NULL;
  gsize consumed = 0;

  assert_split_at_every_byte (framer, expected, MAX_SIZE);

  message = gsock_framer_decode (framer, wire, sizeof wire, MAX_SIZE, &consumed, &error);
  g_assert_no_error (error);
  assert_bytes_equal (message, "hi", 2);
  g_assert_cmpuint (consumed, ==, 3);
  g_clear_pointer (&message, g_bytes_unref);

  message = gsock_framer_decode (framer, wire + 3, sizeof wire - 3, MAX_SIZE, &consumed, &error);
  g_assert_no_error (error);
  assert_bytes_equal (message, "", 0);
  g_assert_cmpuint (consumed, ==, 1);

  assert_needs_more (framer, wire + 4, sizeof wire - 4, MAX_SIZE);
  assert_decode_error (framer, wire + 4, sizeof wire - 4, 2, GSOCK_ERROR,
                       GSOCK_ERROR_MESSAGE_TOO_LARGE);

  g_assert_finalize_object (framer);
}

/* A framer written with decode_bytes() decodes through decode() as one written with decode()
 * does, and decode_bytes() calls either kind. */
static void
test_framer_decode_bytes_subclass (void)
{
  GsockFramer *framer = g_object_new (test_bytes_framer_get_type (), NULL);
  GsockFramer *byte_framer = g_object_new (test_byte_framer_get_type (), NULL);
  const char *strings[] = { "first", "", "third message", NULL };
  g_autoptr (GPtrArray) expected = messages_from_strings (strings);
  static const guint8 wire[] = { 2, 'h', 'i', 0, 3, 'a' };
  guint8 buffer[sizeof wire];
  GsockFramer *framers[] = { framer, byte_framer };
  g_autoptr (GBytes) message = NULL;
  g_autoptr (GError) error = NULL;
  gsize consumed = 0;

  assert_split_at_every_byte (framer, expected, MAX_SIZE);

  /* The message refers to decode_bytes()'s input, which is a copy: the caller's buffer may
   * change under it, as a connection's read buffer does. */
  memcpy (buffer, wire, sizeof wire);
  message = gsock_framer_decode (framer, buffer, sizeof buffer, MAX_SIZE, &consumed, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (consumed, ==, 3);
  memset (buffer, 'X', sizeof buffer);
  assert_bytes_equal (message, "hi", 2);
  g_clear_pointer (&message, g_bytes_unref);

  assert_needs_more (framer, wire + 4, sizeof wire - 4, MAX_SIZE);
  assert_decode_error (framer, wire + 4, sizeof wire - 4, 2, GSOCK_ERROR,
                       GSOCK_ERROR_MESSAGE_TOO_LARGE);

  for (gsize i = 0; i < G_N_ELEMENTS (framers); i++)
    {
      g_autoptr (GBytes) input = g_bytes_new_static (wire, sizeof wire);
      g_autoptr (GBytes) rest = g_bytes_new_static (wire + 4, sizeof wire - 4);

      consumed = G_MAXSIZE;
      g_assert_true (gsock_framer_decode_bytes (framers[i], input, MAX_SIZE, &message,
                                                &consumed, &error));
      g_assert_no_error (error);
      assert_bytes_equal (message, "hi", 2);
      g_assert_cmpuint (consumed, ==, 3);
      g_clear_pointer (&message, g_bytes_unref);

      consumed = G_MAXSIZE;
      g_assert_true (gsock_framer_decode_bytes (framers[i], rest, MAX_SIZE, &message, &consumed,
                                                &error));
      g_assert_no_error (error);
      g_assert_null (message);
      g_assert_cmpuint (consumed, ==, 0);

      g_assert_false (gsock_framer_decode_bytes (framers[i], rest, 2, &message, &consumed,
                                                 &error));
      g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);
      g_assert_null (message);
      g_assert_cmpuint (consumed, ==, 0);
      g_clear_error (&error);
    }

  /* And the built-in framers, through their fast path. */
  {
    g_autoptr (GsockFramer) line = gsock_line_framer_new (NULL);
    g_autoptr (GBytes) input = g_bytes_new_static ("one\ntw", 6);

    g_assert_true (gsock_framer_decode_bytes (line, input, MAX_SIZE, &message, &consumed,
                                              &error));
    g_assert_no_error (error);
    assert_bytes_equal (message, "one", 3);
    g_assert_cmpuint (consumed, ==, 4);
    g_clear_pointer (&message, g_bytes_unref);
  }

  g_assert_finalize_object (byte_framer);
  g_assert_finalize_object (framer);
}

/* Issue 12: a decode_bytes() that fails without setting an error (what PyGObject makes of an
 * exception other than GLib.Error) fails the decode, where "no message, nothing consumed"
 * would wait for more bytes for ever. */
static void
test_framer_decode_bytes_fails_without_error (void)
{
  TestBytesFramer *framer = g_object_new (test_bytes_framer_get_type (), NULL);
  static const guint8 wire[] = { 2, 'h', 'i' };
  g_autoptr (GBytes) input = g_bytes_new_static (wire, sizeof wire);
  g_autoptr (GBytes) message = NULL;
  g_autoptr (GError) error = NULL;
  gsize consumed = G_MAXSIZE;

  framer->fail_without_error = TRUE;
  assert_decode_error (GSOCK_FRAMER (framer), wire, sizeof wire, MAX_SIZE, GSOCK_ERROR,
                       GSOCK_ERROR_FAILED);
  g_assert_false (gsock_framer_decode_bytes (GSOCK_FRAMER (framer), input, MAX_SIZE, &message,
                                             &consumed, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "decode_bytes() failed without an error"));
  g_assert_null (message);
  g_assert_cmpuint (consumed, ==, 0);

  g_assert_finalize_object (framer);
}

static void
client_disconnected_cb (GsockEndpoint *endpoint,
                        GError        *reason,
                        GError       **reason_out)
{
  g_assert_null (*reason_out);
  g_assert_nonnull (reason);
  *reason_out = g_error_copy (reason);
}

/* Over loopback: the connection whose framer fails that way closes, with that error as its
 * disconnected reason, and the peer sees the end. */
static void
test_framer_decode_bytes_failure_closes_connection (void)
{
  g_autoptr (GsockTcpServer) server = gsock_tcp_server_new ("127.0.0.1", 0);
  g_autoptr (GsockTcpClient) client = NULL;
  g_autoptr (TestBytesFramer) framer = g_object_new (test_bytes_framer_get_type (), NULL);
  g_autoptr (GError) reason = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GsockTcpClient) peer = NULL;

  g_assert_true (gsock_tcp_server_listen (server, &error));
  g_assert_no_error (error);
  client = gsock_tcp_client_new ("127.0.0.1", gsock_test_endpoint_get_port (server));
  gsock_tcp_client_set_framer (client, GSOCK_FRAMER (framer));
  g_signal_connect (client, "disconnected", G_CALLBACK (client_disconnected_cb), &reason);
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);
  gsock_test_wait_until (g_list_model_get_n_items (gsock_tcp_server_get_clients (server)) == 1);
  peer = g_list_model_get_item (gsock_tcp_server_get_clients (server), 0);

  framer->fail_without_error = TRUE;
  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (peer), "hello", NULL, &error));
  g_assert_no_error (error);
  gsock_test_wait_until (reason != NULL);
  g_assert_error (reason, GSOCK_ERROR, GSOCK_ERROR_FAILED);
  g_assert_nonnull (strstr (reason->message, "decode_bytes() failed without an error"));
  gsock_test_wait_until (gsock_endpoint_get_state (GSOCK_ENDPOINT (client)) == GSOCK_STATE_CLOSED);
  gsock_test_wait_until (g_list_model_get_n_items (gsock_tcp_server_get_clients (server)) == 0);

  gsock_endpoint_close (GSOCK_ENDPOINT (server));
}

static void
test_framer_buggy_consumes_too_much (void)
{
  GsockFramer *framer = test_buggy_framer_new (BUG_CONSUMES_TOO_MUCH);
  static const guint8 data[] = "abc";

  assert_decode_error (framer, data, 3, MAX_SIZE, GSOCK_ERROR, GSOCK_ERROR_FAILED);
  assert_decode_error (framer, NULL, 0, MAX_SIZE, GSOCK_ERROR, GSOCK_ERROR_FAILED);

  g_assert_finalize_object (framer);
}

static void
test_framer_buggy_message_too_large (void)
{
  GsockFramer *framer = test_buggy_framer_new (BUG_MESSAGE_TOO_LARGE);
  static const guint8 data[] = "abcdef";
  g_autoptr (GBytes) message = NULL;
  g_autoptr (GError) error = NULL;
  gsize consumed = 0;

  assert_decode_error (framer, data, 6, 5, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);

  /* Within the limit, the same framer works. */
  message = gsock_framer_decode (framer, data, 6, 6, &consumed, &error);
  g_assert_no_error (error);
  assert_bytes_equal (message, "abcdef", 6);
  g_assert_cmpuint (consumed, ==, 6);

  g_assert_finalize_object (framer);
}

static void
test_framer_buggy_message_without_consuming (void)
{
  GsockFramer *framer = test_buggy_framer_new (BUG_MESSAGE_WITHOUT_CONSUMING);
  static const guint8 data[] = "abc";

  assert_decode_error (framer, data, 3, MAX_SIZE, GSOCK_ERROR, GSOCK_ERROR_FAILED);

  g_assert_finalize_object (framer);
}

static void
test_framer_buggy_error_and_message (void)
{
  GsockFramer *framer = test_buggy_framer_new (BUG_ERROR_AND_MESSAGE);
  static const guint8 data[] = "abc";

  /* The error wins; the message is dropped and nothing is consumed. */
  assert_decode_error (framer, data, 3, MAX_SIZE, GSOCK_ERROR, GSOCK_ERROR_INVALID_FRAME);

  g_assert_finalize_object (framer);
}

static void
test_framer_buggy_encode_returns_nothing (void)
{
  GsockFramer *framer = test_buggy_framer_new (BUG_ENCODE_RETURNS_NOTHING);
  g_autoptr (GBytes) payload = g_bytes_new_static ("abc", 3);

  assert_encode_error (framer, payload, MAX_SIZE, GSOCK_ERROR, GSOCK_ERROR_FAILED);

  g_assert_finalize_object (framer);
}

static void
test_framer_skipping_bytes_is_allowed (void)
{
  GsockFramer *framer = test_buggy_framer_new (BUG_SKIPS_ONE_BYTE);
  static const guint8 data[] = "abc";
  g_autoptr (GBytes) message = NULL;
  g_autoptr (GError) error = NULL;
  gsize consumed = 0;

  message = gsock_framer_decode (framer, data, 3, MAX_SIZE, &consumed, &error);
  g_assert_no_error (error);
  g_assert_null (message);
  g_assert_cmpuint (consumed, ==, 1);

  g_assert_finalize_object (framer);
}

static void
test_framer_missing_vfuncs (void)
{
  GsockFramer *framer = g_object_new (test_empty_framer_get_type (), NULL);
  g_autoptr (GBytes) payload = g_bytes_new_static ("abc", 3);
  static const guint8 data[] = "abc";

  assert_encode_error (framer, payload, MAX_SIZE, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  assert_decode_error (framer, data, 3, MAX_SIZE, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);

  g_assert_finalize_object (framer);
}

static void
test_framer_encode_checks_max_size (void)
{
  /* The wrapper refuses an oversize payload before the subclass sees it. */
  GsockFramer *framer = g_object_new (test_byte_framer_get_type (), NULL);
  g_autoptr (GBytes) payload = g_bytes_new_static ("abcdef", 6);
  g_autoptr (GBytes) wire = NULL;
  g_autoptr (GError) error = NULL;

  assert_encode_error (framer, payload, 5, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);

  wire = gsock_framer_encode (framer, payload, 6, &error);
  g_assert_no_error (error);
  assert_bytes_equal (wire, "\6abcdef", 7);

  g_assert_finalize_object (framer);
}

/* GsockLineFramer */

static void
test_line_framer_delimiter (void)
{
  struct
  {
    const char *given;
    const char *expected;
  } cases[] = {
    { NULL, "\n" },
    { "", "\n" },
    { "\n", "\n" },
    { "\r\n", "\r\n" },
    { "--END--", "--END--" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GsockFramer *framer = gsock_line_framer_new (cases[i].given);
      g_autofree char *delimiter = NULL;

      g_assert_true (GSOCK_IS_LINE_FRAMER (framer));
      g_assert_cmpstr (gsock_line_framer_get_delimiter (GSOCK_LINE_FRAMER (framer)), ==,
                       cases[i].expected);
      g_object_get (framer, "delimiter", &delimiter, NULL);
      g_assert_cmpstr (delimiter, ==, cases[i].expected);

      g_assert_finalize_object (framer);
    }

  {
    GsockFramer *framer = g_object_new (GSOCK_TYPE_LINE_FRAMER, NULL);

    g_assert_cmpstr (gsock_line_framer_get_delimiter (GSOCK_LINE_FRAMER (framer)), ==, "\n");
    g_assert_finalize_object (framer);
  }
}

static void
test_line_framer_round_trip (void)
{
  GsockFramer *framer = gsock_line_framer_new (NULL);
  g_autoptr (GBytes) payload = g_bytes_new_static ("hello world", 11);
  g_autoptr (GBytes) wire = NULL;
  g_autoptr (GBytes) message = NULL;
  g_autoptr (GError) error = NULL;
  gsize consumed = 0;
  gsize wire_len;
  const guint8 *wire_data;

  wire = gsock_framer_encode (framer, payload, MAX_SIZE, &error);
  g_assert_no_error (error);
  assert_bytes_equal (wire, "hello world\n", 12);

  wire_data = g_bytes_get_data (wire, &wire_len);
  message = gsock_framer_decode (framer, wire_data, wire_len, MAX_SIZE, &consumed, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (message, payload));
  g_assert_cmpuint (consumed, ==, wire_len);

  g_assert_finalize_object (framer);
}

static void
test_line_framer_split_at_every_byte (void)
{
  GsockFramer *framer = gsock_line_framer_new (NULL);
  const char *strings[] = { "hello", "", "a longer line, with spaces", "", "", "x", NULL };
  g_autoptr (GPtrArray) expected = messages_from_strings (strings);

  assert_split_at_every_byte (framer, expected, MAX_SIZE);

  g_assert_finalize_object (framer);
}

static void
test_line_framer_crlf_split_inside_delimiter (void)
{
  GsockFramer *framer = gsock_line_framer_new ("\r\n");
  const char *strings[] = { "EHLO example.com", "a\rb", "c\nd", "", "QUIT\r", NULL };
  g_autoptr (GPtrArray) expected = messages_from_strings (strings);
  static const char wire[] = "one\r\ntwo";
  g_autoptr (GBytes) message = NULL;
  g_autoptr (GError) error = NULL;
  gsize consumed = 0;

  /* "QUIT\r" ends with half the delimiter and still frames: "QUIT\r\r\n". */
  assert_split_at_every_byte (framer, expected, MAX_SIZE);

  /* Up to the "\r", the line is not finished. */
  assert_needs_more (framer, (const guint8 *) wire, 3, MAX_SIZE);
  assert_needs_more (framer, (const guint8 *) wire, 4, MAX_SIZE);

  message = gsock_framer_decode (framer, (const guint8 *) wire, 5, MAX_SIZE, &consumed, &error);
  g_assert_no_error (error);
  assert_bytes_equal (message, "one", 3);
  g_assert_cmpuint (consumed, ==, 5);
  g_clear_pointer (&message, g_bytes_unref);

  /* Only the first line is taken. */
  message = gsock_framer_decode (framer, (const guint8 *) wire, strlen (wire), MAX_SIZE,
                                 &consumed, &error);
  g_assert_no_error (error);
  assert_bytes_equal (message, "one", 3);
  g_assert_cmpuint (consumed, ==, 5);

  g_assert_finalize_object (framer);
}

static void
test_line_framer_empty_lines (void)
{
  GsockFramer *framer = gsock_line_framer_new (NULL);
  static const guint8 wire[] = "\n\n";
  g_autoptr (GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr (GBytes) encoded = NULL;
  g_autoptr (GBytes) message = NULL;
  g_autoptr (GError) error = NULL;
  gsize consumed = 0;

  message = gsock_framer_decode (framer, wire, 2, MAX_SIZE, &consumed, &error);
  g_assert_no_error (error);
  assert_bytes_equal (message, "", 0);
  g_assert_cmpuint (consumed, ==, 1);

  encoded = gsock_framer_encode (framer, empty, MAX_SIZE, &error);
  g_assert_no_error (error);
  assert_bytes_equal (encoded, "\n", 1);

  /* Nothing buffered: nothing to decode. */
  assert_needs_more (framer, NULL, 0, MAX_SIZE);

  /* An empty line fits a maximum size of 0. */
  g_clear_pointer (&message, g_bytes_unref);
  message = gsock_framer_decode (framer, wire, 2, 0, &consumed, &error);
  g_assert_no_error (error);
  assert_bytes_equal (message, "", 0);

  g_assert_finalize_object (framer);
}

static void
test_line_framer_too_long_without_delimiter (void)
{
  GsockFramer *framer = gsock_line_framer_new (NULL);
  GsockFramer *crlf_framer = gsock_line_framer_new ("\r\n");
  static const guint8 line[] = "0123456789ABC\r\n";
  g_autoptr (GBytes) message = NULL;
  g_autoptr (GError) error = NULL;
  gsize consumed = 0;

  /* Up to max_size bytes, the delimiter may still come; one more and the line cannot fit. */
  assert_needs_more (framer, line, 10, 10);
  assert_decode_error (framer, line, 11, 10, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);
  assert_decode_error (framer, line, 13, 10, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);
  assert_decode_error (framer, line, 1, 0, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);

  /* The error names the limit. */
  message = gsock_framer_decode (framer, line, 11, 10, &consumed, &error);
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "10 bytes"));
  g_assert_null (message);
  g_clear_error (&error);

  /* With "\r\n", max_size bytes and a "\r" may still be a line of max_size bytes. */
  assert_needs_more (crlf_framer, (const guint8 *) "0123456789\r", 11, 10);
  message = gsock_framer_decode (crlf_framer, (const guint8 *) "0123456789\r\n", 12, 10,
                                 &consumed, &error);
  g_assert_no_error (error);
  assert_bytes_equal (message, "0123456789", 10);
  g_assert_cmpuint (consumed, ==, 12);
  assert_decode_error (crlf_framer, (const guint8 *) "0123456789\rX", 12, 10, GSOCK_ERROR,
                       GSOCK_ERROR_MESSAGE_TOO_LARGE);

  /* A complete line longer than max_size is refused too. */
  assert_decode_error (crlf_framer, line, sizeof line - 1, 10, GSOCK_ERROR,
                       GSOCK_ERROR_MESSAGE_TOO_LARGE);

  g_assert_finalize_object (framer);
  g_assert_finalize_object (crlf_framer);
}

static void
test_line_framer_encode_delimiter_in_payload (void)
{
  GsockFramer *framer = gsock_line_framer_new (NULL);
  GsockFramer *crlf_framer = gsock_line_framer_new ("\r\n");
  GsockFramer *blank_line_framer = gsock_line_framer_new ("\n\n");
  g_autoptr (GBytes) two_lines = g_bytes_new_static ("one\ntwo", 7);
  g_autoptr (GBytes) crlf_inside = g_bytes_new_static ("one\r\ntwo", 8);
  g_autoptr (GBytes) ends_with_newline = g_bytes_new_static ("para\n", 5);
  g_autoptr (GBytes) wire = NULL;
  g_autoptr (GError) error = NULL;

  assert_encode_error (framer, two_lines, MAX_SIZE, GSOCK_ERROR, GSOCK_ERROR_INVALID_FRAME);
  assert_encode_error (crlf_framer, crlf_inside, MAX_SIZE, GSOCK_ERROR,
                       GSOCK_ERROR_INVALID_FRAME);

  /* A lone "\n" is fine with "\r\n" lines. */
  wire = gsock_framer_encode (crlf_framer, two_lines, MAX_SIZE, &error);
  g_assert_no_error (error);
  assert_bytes_equal (wire, "one\ntwo\r\n", 9);

  /* "para\n" + "\n\n" would be read back as "para": refused as well. */
  assert_encode_error (blank_line_framer, ends_with_newline, MAX_SIZE, GSOCK_ERROR,
                       GSOCK_ERROR_INVALID_FRAME);

  g_assert_finalize_object (framer);
  g_assert_finalize_object (crlf_framer);
  g_assert_finalize_object (blank_line_framer);
}

static void
test_line_framer_encode_too_large (void)
{
  GsockFramer *framer = gsock_line_framer_new (NULL);
  g_autoptr (GBytes) payload = g_bytes_new_static ("0123456789", 10);
  g_autoptr (GBytes) wire = NULL;
  g_autoptr (GError) error = NULL;

  assert_encode_error (framer, payload, 9, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);

  wire = gsock_framer_encode (framer, payload, 10, &error);
  g_assert_no_error (error);
  assert_bytes_equal (wire, "0123456789\n", 11);

  g_assert_finalize_object (framer);
}

/* GsockLengthFramer */

static const guint prefix_sizes[] = { 1, 2, 4, 8 };

static void
test_length_framer_prefix_size (void)
{
  struct
  {
    guint given;
    guint expected;
  } property_cases[] = {
    { 1, 1 }, { 2, 2 }, { 3, 4 }, { 4, 4 }, { 5, 8 }, { 7, 8 }, { 8, 8 },
  };
  GsockFramer *framer;

  for (gsize i = 0; i < G_N_ELEMENTS (prefix_sizes); i++)
    {
      guint prefix_size = 0;

      framer = gsock_length_framer_new (prefix_sizes[i]);
      g_assert_true (GSOCK_IS_LENGTH_FRAMER (framer));
      g_assert_cmpuint (gsock_length_framer_get_prefix_size (GSOCK_LENGTH_FRAMER (framer)), ==,
                        prefix_sizes[i]);
      g_object_get (framer, "prefix-size", &prefix_size, NULL);
      g_assert_cmpuint (prefix_size, ==, prefix_sizes[i]);
      g_assert_finalize_object (framer);
    }

  framer = g_object_new (GSOCK_TYPE_LENGTH_FRAMER, NULL);
  g_assert_cmpuint (gsock_length_framer_get_prefix_size (GSOCK_LENGTH_FRAMER (framer)), ==, 4);
  g_assert_finalize_object (framer);

  /* Through the property, sizes in between round up. */
  for (gsize i = 0; i < G_N_ELEMENTS (property_cases); i++)
    {
      framer = g_object_new (GSOCK_TYPE_LENGTH_FRAMER,
                             "prefix-size", property_cases[i].given,
                             NULL);
      g_assert_cmpuint (gsock_length_framer_get_prefix_size (GSOCK_LENGTH_FRAMER (framer)), ==,
                        property_cases[i].expected);
      g_assert_finalize_object (framer);
    }
}

static void
test_length_framer_invalid_prefix_size (void)
{
  guint invalid[] = { 0, 3, 5, 16 };

  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      GsockFramer *framer;

      g_test_expect_message ("Gsock", G_LOG_LEVEL_CRITICAL, "*is_valid_prefix_size*");
      framer = gsock_length_framer_new (invalid[i]);
      g_test_assert_expected_messages ();
      g_assert_null (framer);
    }
}

static void
test_length_framer_round_trip (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (prefix_sizes); i++)
    {
      GsockFramer *framer = gsock_length_framer_new (prefix_sizes[i]);
      static const guint8 binary[] = { 0, '\n', 0xff, 0, 'x' };
      g_autoptr (GBytes) payload = g_bytes_new_static (binary, sizeof binary);
      g_autoptr (GBytes) wire = NULL;
      g_autoptr (GBytes) message = NULL;
      g_autoptr (GError) error = NULL;
      gsize consumed = 0;
      gsize wire_len;
      const guint8 *wire_data;

      wire = gsock_framer_encode (framer, payload, MAX_SIZE, &error);
      g_assert_no_error (error);
      wire_data = g_bytes_get_data (wire, &wire_len);
      g_assert_cmpuint (wire_len, ==, prefix_sizes[i] + sizeof binary);
      g_assert_cmpmem (wire_data + prefix_sizes[i], sizeof binary, binary, sizeof binary);

      message = gsock_framer_decode (framer, wire_data, wire_len, MAX_SIZE, &consumed, &error);
      g_assert_no_error (error);
      g_assert_true (g_bytes_equal (message, payload));
      g_assert_cmpuint (consumed, ==, wire_len);

      g_assert_finalize_object (framer);
    }
}

static void
test_length_framer_big_endian (void)
{
  g_autofree guint8 *data = g_malloc0 (0x0102);
  g_autoptr (GBytes) payload = g_bytes_new_take (g_steal_pointer (&data), 0x0102);
  static const guint8 expected_prefix[][8] = {
    { 0 },
    { 0x01, 0x02 },
    { 0x00, 0x00, 0x01, 0x02 },
    { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02 },
  };

  for (gsize i = 1; i < G_N_ELEMENTS (prefix_sizes); i++)
    {
      GsockFramer *framer = gsock_length_framer_new (prefix_sizes[i]);
      g_autoptr (GBytes) wire = NULL;
      g_autoptr (GError) error = NULL;
      const guint8 *wire_data;

      wire = gsock_framer_encode (framer, payload, MAX_SIZE, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (g_bytes_get_size (wire), ==, prefix_sizes[i] + 0x0102);
      wire_data = g_bytes_get_data (wire, NULL);
      g_assert_cmpmem (wire_data, prefix_sizes[i], expected_prefix[i], prefix_sizes[i]);

      g_assert_finalize_object (framer);
    }
}

static void
test_length_framer_split_at_every_byte (void)
{
  const char *strings[] = { "hello", "", "with\nnewline", "", "x", NULL };

  for (gsize i = 0; i < G_N_ELEMENTS (prefix_sizes); i++)
    {
      GsockFramer *framer = gsock_length_framer_new (prefix_sizes[i]);
      g_autoptr (GPtrArray) expected = messages_from_strings (strings);

      g_ptr_array_add (expected, g_bytes_new ("\0\0\xff", 3));
      assert_split_at_every_byte (framer, expected, MAX_SIZE);

      g_assert_finalize_object (framer);
    }
}

static void
test_length_framer_empty_messages (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (prefix_sizes); i++)
    {
      GsockFramer *framer = gsock_length_framer_new (prefix_sizes[i]);
      static const guint8 zeros[8] = { 0 };
      g_autoptr (GBytes) empty = g_bytes_new (NULL, 0);
      g_autoptr (GBytes) wire = NULL;
      g_autoptr (GBytes) message = NULL;
      g_autoptr (GError) error = NULL;
      gsize consumed = 0;

      wire = gsock_framer_encode (framer, empty, MAX_SIZE, &error);
      g_assert_no_error (error);
      assert_bytes_equal (wire, zeros, prefix_sizes[i]);

      assert_needs_more (framer, zeros, prefix_sizes[i] - 1, MAX_SIZE);
      message = gsock_framer_decode (framer, zeros, prefix_sizes[i], 0, &consumed, &error);
      g_assert_no_error (error);
      assert_bytes_equal (message, "", 0);
      g_assert_cmpuint (consumed, ==, prefix_sizes[i]);

      g_assert_finalize_object (framer);
    }
}

static void
test_length_framer_4_gib_prefix (void)
{
  GsockFramer *framer = gsock_length_framer_new (4);
  static const guint8 prefix[] = { 0xff, 0xff, 0xff, 0xff };

  /* Refused as soon as the prefix is complete, with nothing of 4 GiB allocated. */
  for (gsize len = 0; len < sizeof prefix; len++)
    assert_needs_more (framer, prefix, len, MAX_SIZE);
  assert_decode_error (framer, prefix, sizeof prefix, MAX_SIZE, GSOCK_ERROR,
                       GSOCK_ERROR_MESSAGE_TOO_LARGE);
  assert_decode_error (framer, prefix, sizeof prefix, G_MAXUINT32 - 1, GSOCK_ERROR,
                       GSOCK_ERROR_MESSAGE_TOO_LARGE);

  g_assert_finalize_object (framer);
}

static void
test_length_framer_2_64_prefix (void)
{
  GsockFramer *framer = gsock_length_framer_new (8);
  static const guint8 prefix[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

  for (gsize len = 0; len < sizeof prefix; len++)
    assert_needs_more (framer, prefix, len, MAX_SIZE);
  assert_decode_error (framer, prefix, sizeof prefix, MAX_SIZE, GSOCK_ERROR,
                       GSOCK_ERROR_MESSAGE_TOO_LARGE);
  assert_decode_error (framer, prefix, sizeof prefix, G_MAXSIZE - 1, GSOCK_ERROR,
                       GSOCK_ERROR_MESSAGE_TOO_LARGE);

  g_assert_finalize_object (framer);
}

static void
test_length_framer_prefix_over_max_size (void)
{
  GsockFramer *framer = gsock_length_framer_new (2);
  static const guint8 eleven[] = { 0x00, 0x0b, 'h', 'e', 'l', 'l', 'o' };
  static const guint8 ten[] = { 0x00, 0x0a, '0', '1', '2', '3', '4', '5', '6', '7', '8', '9' };
  g_autoptr (GBytes) message = NULL;
  g_autoptr (GError) error = NULL;
  gsize consumed = 0;

  assert_decode_error (framer, eleven, 2, 10, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);
  assert_decode_error (framer, eleven, sizeof eleven, 10, GSOCK_ERROR,
                       GSOCK_ERROR_MESSAGE_TOO_LARGE);

  /* Exactly max_size is fine, once it has all arrived. */
  for (gsize len = 0; len < sizeof ten; len++)
    assert_needs_more (framer, ten, len, 10);
  message = gsock_framer_decode (framer, ten, sizeof ten, 10, &consumed, &error);
  g_assert_no_error (error);
  assert_bytes_equal (message, "0123456789", 10);
  g_assert_cmpuint (consumed, ==, sizeof ten);

  g_assert_finalize_object (framer);
}

static void
test_length_framer_encode_too_large_for_prefix (void)
{
  GsockFramer *framer1 = gsock_length_framer_new (1);
  GsockFramer *framer2 = gsock_length_framer_new (2);
  g_autoptr (GBytes) payload255 = g_bytes_new_take (g_malloc0 (255), 255);
  g_autoptr (GBytes) payload256 = g_bytes_new_take (g_malloc0 (256), 256);
  g_autoptr (GBytes) payload65535 = g_bytes_new_take (g_malloc0 (65535), 65535);
  g_autoptr (GBytes) payload65536 = g_bytes_new_take (g_malloc0 (65536), 65536);
  g_autoptr (GBytes) wire = NULL;
  g_autoptr (GError) error = NULL;

  wire = gsock_framer_encode (framer1, payload255, G_MAXSIZE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (wire), ==, 256);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (wire, NULL))[0], ==, 255);
  g_clear_pointer (&wire, g_bytes_unref);
  assert_encode_error (framer1, payload256, G_MAXSIZE, GSOCK_ERROR,
                       GSOCK_ERROR_MESSAGE_TOO_LARGE);

  wire = gsock_framer_encode (framer2, payload65535, G_MAXSIZE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (wire), ==, 65537);
  assert_encode_error (framer2, payload65536, G_MAXSIZE, GSOCK_ERROR,
                       GSOCK_ERROR_MESSAGE_TOO_LARGE);

  g_assert_finalize_object (framer1);
  g_assert_finalize_object (framer2);
}

static void
test_length_framer_encode_too_large (void)
{
  GsockFramer *framer = gsock_length_framer_new (4);
  g_autoptr (GBytes) payload = g_bytes_new_static ("0123456789", 10);

  assert_encode_error (framer, payload, 9, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);

  g_assert_finalize_object (framer);
}

/* GsockRawFramer */

static void
test_raw_framer_round_trip (void)
{
  GsockFramer *framer = gsock_raw_framer_new ();
  static const guint8 binary[] = { 'a', 0, '\n', 0xff };
  g_autoptr (GBytes) payload = g_bytes_new_static (binary, sizeof binary);
  g_autoptr (GBytes) wire = NULL;
  g_autoptr (GBytes) message = NULL;
  g_autoptr (GError) error = NULL;
  gsize consumed = 0;

  g_assert_true (GSOCK_IS_RAW_FRAMER (framer));

  wire = gsock_framer_encode (framer, payload, MAX_SIZE, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (wire, payload));

  message = gsock_framer_decode (framer, binary, sizeof binary, MAX_SIZE, &consumed, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (message, payload));
  g_assert_cmpuint (consumed, ==, sizeof binary);

  g_assert_finalize_object (framer);
}

static void
test_raw_framer_split_at_every_byte (void)
{
  /* Raw framing keeps no boundaries: each piece comes out as it went in, so only the
   * concatenation is compared. */
  GsockFramer *framer = gsock_raw_framer_new ();
  const char *strings[] = { "hello", "", "world", NULL };
  g_autoptr (GPtrArray) messages = messages_from_strings (strings);
  g_autoptr (GBytes) stream = encode_all (framer, messages, MAX_SIZE);
  gsize stream_len = g_bytes_get_size (stream);

  g_assert_cmpuint (stream_len, ==, 10);

  for (gsize split = 0; split <= stream_len; split++)
    {
      gsize cuts[2] = { split, stream_len };
      g_autoptr (GPtrArray) got = decode_in_pieces (framer, stream, 3, cuts, 2);
      g_autoptr (GByteArray) joined = g_byte_array_new ();

      for (guint i = 0; i < got->len; i++)
        {
          gsize len;
          const guint8 *data = g_bytes_get_data (got->pdata[i], &len);

          g_assert_cmpuint (len, >, 0);
          g_assert_cmpuint (len, <=, 3);
          g_byte_array_append (joined, data, len);
        }
      g_assert_cmpmem (joined->data, joined->len, "helloworld", 10);
    }

  g_assert_finalize_object (framer);
}

static void
test_raw_framer_caps_at_max_size (void)
{
  GsockFramer *framer = gsock_raw_framer_new ();
  static const guint8 data[] = "0123456789";
  gsize offset = 0;
  const char *expected[] = { "0123", "4567", "89" };

  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr (GBytes) message = NULL;
      g_autoptr (GError) error = NULL;
      gsize consumed = 0;

      message = gsock_framer_decode (framer, data + offset, 10 - offset, 4, &consumed, &error);
      g_assert_no_error (error);
      assert_bytes_equal (message, expected[i], strlen (expected[i]));
      g_assert_cmpuint (consumed, ==, strlen (expected[i]));
      offset += consumed;
    }
  g_assert_cmpuint (offset, ==, 10);

  g_assert_finalize_object (framer);
}

static void
test_raw_framer_empty_input (void)
{
  GsockFramer *framer = gsock_raw_framer_new ();
  static const guint8 data[] = "x";
  g_autoptr (GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr (GBytes) wire = NULL;
  g_autoptr (GError) error = NULL;

  assert_needs_more (framer, NULL, 0, MAX_SIZE);
  assert_needs_more (framer, data, 0, MAX_SIZE);

  wire = gsock_framer_encode (framer, empty, MAX_SIZE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (wire), ==, 0);

  /* With a maximum of 0 bytes, nothing can ever be delivered. */
  assert_decode_error (framer, data, 1, 0, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);

  g_assert_finalize_object (framer);
}

static void
test_raw_framer_encode_too_large (void)
{
  GsockFramer *framer = gsock_raw_framer_new ();
  g_autoptr (GBytes) payload = g_bytes_new_static ("0123456789", 10);

  assert_encode_error (framer, payload, 9, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);

  g_assert_finalize_object (framer);
}

/* A batch buffer counts in guint: a frame that would not fit is refused, not truncated. The
 * buffer claims to be nearly full without holding the memory; nothing may be written. */
static void
test_append_refuses_frame_past_guint (void)
{
  GsockFramer *framers[] = {
    gsock_line_framer_new (NULL),
    gsock_length_framer_new (4),
    gsock_raw_framer_new (),
  };
  const guint8 *payload = (const guint8 *) "0123456789";

  for (guint i = 0; i < G_N_ELEMENTS (framers); i++)
    {
      g_autoptr(GByteArray) out = g_byte_array_new ();
      GError *error = NULL;

      out->len = G_MAXUINT - 5;
      g_assert_false (_gsock_framer_append (framers[i], payload, 10, NULL, 1024, out, &error));
      g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);
      g_assert_cmpuint (out->len, ==, G_MAXUINT - 5);
      out->len = 0;
      g_clear_error (&error);

      /* With room, the same frame goes in. */
      g_assert_true (_gsock_framer_append (framers[i], payload, 10, NULL, 1024, out, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (out->len, >=, 10);
      g_object_unref (framers[i]);
    }
}

/* Cutting as a connection does (gsock-stream.c's take_input): the start of an incomplete
 * message is kept between reads, with how much of it the framer searched already, and that
 * is passed back to _gsock_framer_cut() as the resume hint. */

typedef struct
{
  GsockFramer *framer;
  gsize max_size;
  GByteArray *buffer;   /* the incomplete message kept between reads */
  gsize scanned;        /* of buffer, what the framer searched and found no message in */
  GPtrArray *messages;
  GError *error;
} Cutter;

static void
cutter_init (Cutter      *cutter,
             GsockFramer *framer,
             gsize        max_size)
{
  cutter->framer = framer;
  cutter->max_size = max_size;
  cutter->buffer = g_byte_array_new ();
  cutter->scanned = 0;
  cutter->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  cutter->error = NULL;
}

static void
cutter_clear (Cutter *cutter)
{
  g_clear_pointer (&cutter->buffer, g_byte_array_unref);
  g_clear_pointer (&cutter->messages, g_ptr_array_unref);
  g_clear_error (&cutter->error);
}

/* One read of @len bytes: cuts every complete message; FALSE once the stream has failed. */
static gboolean
cutter_feed (Cutter       *cutter,
             const guint8 *data,
             gsize         len)
{
  gsize scanned = cutter->scanned;
  gsize used = 0;

  g_assert_null (cutter->error);
  g_byte_array_append (cutter->buffer, data, len);
  while (used < cutter->buffer->len)
    {
      GsockFrame frame;
      gboolean found;

      found = _gsock_framer_cut (cutter->framer, cutter->buffer->data + used,
                                 cutter->buffer->len - used, cutter->max_size, scanned,
                                 &frame, &cutter->error);
      if (cutter->error != NULL)
        {
          g_assert_false (found);
          return FALSE;
        }
      if (!found && frame.consumed == 0)
        break;
      g_assert_cmpuint (frame.consumed, <=, cutter->buffer->len - used);
      used += frame.consumed;
      scanned = 0;
      if (found)
        {
          g_assert_cmpuint (frame.size, <=, cutter->max_size);
          g_ptr_array_add (cutter->messages, g_bytes_new (frame.payload, frame.size));
          g_clear_pointer (&frame.bytes, g_bytes_unref);
        }
    }
  g_byte_array_remove_range (cutter->buffer, 0, used);
  cutter->scanned = cutter->buffer->len;
  return TRUE;
}

/* Cuts @wire in one piece with the public decode (no hint at all): the reference. */
static void
cut_whole (GsockFramer  *framer,
           const guint8 *wire,
           gsize         len,
           gsize         max_size,
           GPtrArray    *messages,
           gsize        *left,
           GError      **error)
{
  gsize used = 0;

  while (used < len)
    {
      GBytes *message;
      gsize consumed = 0;

      message = gsock_framer_decode (framer, wire + used, len - used, max_size, &consumed,
                                     error);
      if (message == NULL && consumed == 0)
        break;
      used += consumed;
      if (message != NULL)
        g_ptr_array_add (messages, message);
    }
  *left = len - used;
}

/* Feeds @wire in reads of the sizes @next_chunk picks and checks that the messages, the error
 * and what is left over are those of cutting it whole. */
static void
assert_cut_in_reads_as_whole (GsockFramer  *framer,
                              const guint8 *wire,
                              gsize         len,
                              gsize         max_size,
                              gsize       (*next_chunk) (void))
{
  g_autoptr (GPtrArray) whole = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr (GError) whole_error = NULL;
  gsize whole_left = 0;
  Cutter cutter;
  gsize fed = 0;

  cut_whole (framer, wire, len, max_size, whole, &whole_left, &whole_error);

  cutter_init (&cutter, framer, max_size);
  while (fed < len)
    {
      gsize n = next_chunk ();

      n = MIN (n, len - fed);

      if (!cutter_feed (&cutter, wire + fed, n))
        break;
      fed += n;
    }

  assert_messages_equal (cutter.messages, whole);
  if (whole_error != NULL)
    g_assert_error (cutter.error, whole_error->domain, whole_error->code);
  else
    {
      g_assert_no_error (cutter.error);
      g_assert_cmpuint (cutter.buffer->len, ==, whole_left);
      g_assert_cmpmem (cutter.buffer->data, cutter.buffer->len, wire + len - whole_left,
                       whole_left);
    }
  cutter_clear (&cutter);
}

static gsize
one_byte (void)
{
  return 1;
}

static gsize
random_chunk (void)
{
  /* Mostly short reads, sometimes long ones. */
  if (g_test_rand_int_range (0, 4) == 0)
    return g_test_rand_int_range (1, 600);
  return g_test_rand_int_range (1, 8);
}

/* The default, CRLF, delimiters whose start repeats their end, and a one-byte one that is not
 * "\n". */
static const char *const resume_delimiters[] = { "\n", "\r\n", "\n\n", "abab", "\r\n\r\n", "|" };

/* A stream of @len bytes over an alphabet of delimiter pieces, so delimiters are cut in half,
 * overlap and repeat; now and then a long stretch without any. */
static guint8 *
random_wire (gsize len)
{
  static const char alphabet[] = "ab\r\n|x";
  guint8 *wire = g_malloc (len);

  for (gsize i = 0; i < len; i++)
    {
      if (g_test_rand_int_range (0, 200) == 0)
        {
          gsize run = g_test_rand_int_range (100, 3000);

          run = MIN (run, len - i);

          memset (wire + i, 'y', run);
          i += run - 1;
          continue;
        }
      wire[i] = alphabet[g_test_rand_int_range (0, sizeof alphabet - 1)];
    }
  return wire;
}

static void
assert_random_streams_cut_as_whole (gsize (*next_chunk) (void))
{
  for (gsize d = 0; d < G_N_ELEMENTS (resume_delimiters); d++)
    {
      GsockFramer *framer = gsock_line_framer_new (resume_delimiters[d]);

      for (guint round = 0; round < 20; round++)
        {
          gsize len = g_test_rand_int_range (1, 6000);
          g_autofree guint8 *wire = random_wire (len);

          /* Large enough for every line, and small enough that some are too long. */
          assert_cut_in_reads_as_whole (framer, wire, len, 1 << 20, next_chunk);
          assert_cut_in_reads_as_whole (framer, wire, len, 200, next_chunk);
        }
      g_assert_finalize_object (framer);
    }
}

static void
test_line_framer_resume_one_byte_at_a_time (void)
{
  assert_random_streams_cut_as_whole (one_byte);
}

static void
test_line_framer_resume_random_chunks (void)
{
  assert_random_streams_cut_as_whole (random_chunk);
}

/* The same for the other framers, which have nothing to resume: the hint must not change what
 * they cut. (The raw framer is left out: its messages are the reads themselves.) */
static void
test_framer_resume_hint_changes_nothing_elsewhere (void)
{
  GsockFramer *framers[] = {
    gsock_length_framer_new (1),
    gsock_length_framer_new (2),
    g_object_new (test_byte_framer_get_type (), NULL),
  };

  for (gsize f = 0; f < G_N_ELEMENTS (framers); f++)
    {
      for (guint round = 0; round < 20; round++)
        {
          gsize len = g_test_rand_int_range (1, 3000);
          g_autofree guint8 *wire = random_wire (len);

          assert_cut_in_reads_as_whole (framers[f], wire, len, 1 << 20, one_byte);
          assert_cut_in_reads_as_whole (framers[f], wire, len, 1 << 20, random_chunk);
          assert_cut_in_reads_as_whole (framers[f], wire, len, 100, random_chunk);
        }
      g_assert_finalize_object (framers[f]);
    }
}

/* Encoded messages, cut with the hint in reads of one byte, and in two reads split at every
 * offset. */
static void
test_line_framer_resume_split_at_every_byte (void)
{
  const char *strings[] = { "hello", "", "a longer line, with spaces", "", "", "x", "a\rb",
                            "\r", "ab", "aba", "abba", "b", "\n", NULL };

  for (gsize d = 0; d < G_N_ELEMENTS (resume_delimiters); d++)
    {
      GsockFramer *framer = gsock_line_framer_new (resume_delimiters[d]);
      g_autoptr (GPtrArray) expected = messages_from_strings (strings);
      g_autoptr (GBytes) wire = NULL;
      gsize len;
      const guint8 *data;

      /* Keep the messages this delimiter can carry. */
      for (guint i = expected->len; i-- > 0;)
        {
          g_autoptr (GBytes) encoded = gsock_framer_encode (framer, expected->pdata[i],
                                                            MAX_SIZE, NULL);
          if (encoded == NULL)
            g_ptr_array_remove_index (expected, i);
        }
      g_assert_cmpuint (expected->len, >=, 8);
      wire = encode_all (framer, expected, MAX_SIZE);
      data = g_bytes_get_data (wire, &len);

      {
        Cutter cutter;

        cutter_init (&cutter, framer, MAX_SIZE);
        for (gsize i = 0; i < len; i++)
          g_assert_true (cutter_feed (&cutter, data + i, 1));
        assert_messages_equal (cutter.messages, expected);
        g_assert_cmpuint (cutter.buffer->len, ==, 0);
        cutter_clear (&cutter);
      }

      for (gsize split = 0; split <= len; split++)
        {
          Cutter cutter;

          cutter_init (&cutter, framer, MAX_SIZE);
          g_assert_true (cutter_feed (&cutter, data, split));
          g_assert_true (cutter_feed (&cutter, data + split, len - split));
          assert_messages_equal (cutter.messages, expected);
          g_assert_cmpuint (cutter.buffer->len, ==, 0);
          cutter_clear (&cutter);
        }
      g_assert_finalize_object (framer);
    }
}

/* Cuts @len bytes of @text with the hint @scanned; expects a line of @size bytes. */
static void
assert_cut_with_hint (GsockFramer *framer,
                      const char  *text,
                      gsize        scanned,
                      gsize        size)
{
  g_autoptr (GError) error = NULL;
  GsockFrame frame;

  g_assert_true (_gsock_framer_cut (framer, (const guint8 *) text, strlen (text), MAX_SIZE,
                                    scanned, &frame, &error));
  g_assert_no_error (error);
  g_assert_true (frame.payload == (const guint8 *) text);
  g_assert_cmpuint (frame.size, ==, size);
  g_assert_cmpuint (frame.consumed, ==, size + strlen (gsock_line_framer_get_delimiter (
                                                       GSOCK_LINE_FRAMER (framer))));
  g_assert_null (frame.bytes);
}

/* The hint is where the search starts: bytes before it are taken as searched (a delimiter put
 * there on purpose is not found), except for the delimiter's length but one, where a delimiter
 * cut by the end of the last read may have begun. */
static void
test_line_framer_resume_starts_at_the_hint (void)
{
  GsockFramer *lf = gsock_line_framer_new (NULL);
  GsockFramer *bar = gsock_line_framer_new ("|");
  GsockFramer *crlf = gsock_line_framer_new ("\r\n");
  GsockFramer *abab = gsock_line_framer_new ("abab");
  GsockFramer *custom = g_object_new (test_byte_framer_get_type (), NULL);

  assert_cut_with_hint (lf, "a\nbc\n", 0, 1);
  assert_cut_with_hint (lf, "a\nbc\n", 2, 4);
  assert_cut_with_hint (lf, "a\nbc\n", 4, 4);
  assert_cut_with_hint (bar, "a|bc|", 2, 4);

  /* "abc\r" needed more; with the "\n" the search goes back one byte to the "\r". */
  assert_cut_with_hint (crlf, "abc\r\n", 4, 3);
  assert_cut_with_hint (crlf, "a\r\nbc\r\n", 3, 5);
  assert_cut_with_hint (crlf, "a\r\nbc\r\n", 2, 1);

  /* Up to three bytes back for a four-byte delimiter. */
  assert_cut_with_hint (abab, "xxabab", 3, 2);
  assert_cut_with_hint (abab, "xxabab", 5, 2);
  assert_cut_with_hint (abab, "ababxxabab", 4, 6);

  /* A hint past the input counts as the input's length: all searched, more needed (and
   * nothing read past the input). */
  {
    g_autoptr (GError) error = NULL;
    GsockFrame frame;

    g_assert_false (_gsock_framer_cut (lf, (const guint8 *) "abc\n", 4, MAX_SIZE, 100, &frame,
                                       &error));
    g_assert_no_error (error);
    g_assert_cmpuint (frame.consumed, ==, 0);
    g_assert_false (_gsock_framer_cut (crlf, (const guint8 *) "abc\r\n", 5, MAX_SIZE, 100,
                                       &frame, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (frame.consumed, ==, 0);
  }

  /* A framer without a fast path cannot be told: its decode() sees everything. */
  {
    static const guint8 wire[] = { 2, 'h', 'i', 0 };
    g_autoptr (GError) error = NULL;
    GsockFrame frame;

    g_assert_true (_gsock_framer_cut (custom, wire, sizeof wire, MAX_SIZE, 3, &frame,
                                      &error));
    g_assert_no_error (error);
    g_assert_cmpmem (frame.payload, frame.size, "hi", 2);
    g_assert_cmpuint (frame.consumed, ==, 3);
    g_clear_pointer (&frame.bytes, g_bytes_unref);
  }

  g_assert_finalize_object (lf);
  g_assert_finalize_object (bar);
  g_assert_finalize_object (crlf);
  g_assert_finalize_object (abab);
  g_assert_finalize_object (custom);
}

/* A line of exactly max_size bytes is a message; one byte more is refused as soon as the
 * delimiter can no longer come in time (max_size + delimiter bytes without it), not before,
 * and fed one byte at a time as when all arrives at once. */
static void
test_line_framer_resume_max_size_at_the_limit (void)
{
  const gsize max = 100;

  for (gsize d = 0; d < G_N_ELEMENTS (resume_delimiters); d++)
    {
      GsockFramer *framer = gsock_line_framer_new (resume_delimiters[d]);
      const char *delimiter = gsock_line_framer_get_delimiter (GSOCK_LINE_FRAMER (framer));
      gsize delimiter_len = strlen (delimiter);
      g_autoptr (GByteArray) wire = g_byte_array_new ();
      Cutter cutter;

      /* Exactly at the limit: a message, whichever way it comes. */
      for (gsize i = 0; i < max; i++)
        g_byte_array_append (wire, (const guint8 *) "y", 1);
      g_byte_array_append (wire, (const guint8 *) delimiter, delimiter_len);
      cutter_init (&cutter, framer, max);
      for (gsize i = 0; i < wire->len; i++)
        g_assert_true (cutter_feed (&cutter, wire->data + i, 1));
      g_assert_cmpuint (cutter.messages->len, ==, 1);
      g_assert_cmpuint (g_bytes_get_size (cutter.messages->pdata[0]), ==, max);
      cutter_clear (&cutter);

      /* One over: more is needed up to max + delimiter_len - 1 bytes, then it is refused. */
      g_byte_array_set_size (wire, 0);
      for (gsize i = 0; i < max + 1; i++)
        g_byte_array_append (wire, (const guint8 *) "y", 1);
      g_byte_array_append (wire, (const guint8 *) delimiter, delimiter_len);
      cutter_init (&cutter, framer, max);
      for (gsize i = 0; i < max + delimiter_len - 1; i++)
        g_assert_true (cutter_feed (&cutter, wire->data + i, 1));
      g_assert_false (cutter_feed (&cutter, wire->data + max + delimiter_len - 1, 1));
      g_assert_error (cutter.error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);
      g_assert_cmpuint (cutter.messages->len, ==, 0);
      cutter_clear (&cutter);

      /* The same line all at once. */
      cutter_init (&cutter, framer, max);
      g_assert_false (cutter_feed (&cutter, wire->data, wire->len));
      g_assert_error (cutter.error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);
      cutter_clear (&cutter);

      /* Sending: max bytes frame, max + 1 are refused and nothing is written. */
      {
        g_autoptr (GByteArray) out = g_byte_array_new ();
        g_autoptr (GError) error = NULL;

        g_assert_true (_gsock_framer_append (framer, wire->data, max, NULL, max, out, &error));
        g_assert_no_error (error);
        g_assert_cmpuint (out->len, ==, max + delimiter_len);
        g_assert_cmpmem (out->data + max, delimiter_len, delimiter, delimiter_len);
        g_assert_false (_gsock_framer_append (framer, wire->data, max + 1, NULL, max, out,
                                              &error));
        g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);
        g_assert_cmpuint (out->len, ==, max + delimiter_len);
      }
      g_assert_finalize_object (framer);
    }
}

/* Cuts @wire one byte at a time with a line framer for @delimiter and checks the messages. */
static void
assert_lines (const char        *delimiter,
              const char        *wire,
              const char *const *lines)
{
  GsockFramer *framer = gsock_line_framer_new (delimiter);
  g_autoptr (GPtrArray) expected = messages_from_strings (lines);
  Cutter cutter;

  cutter_init (&cutter, framer, MAX_SIZE);
  for (gsize i = 0; wire[i] != '\0'; i++)
    g_assert_true (cutter_feed (&cutter, (const guint8 *) wire + i, 1));
  assert_messages_equal (cutter.messages, expected);
  g_assert_cmpuint (cutter.buffer->len, ==, 0);
  cutter_clear (&cutter);
  g_assert_finalize_object (framer);
}

static void
test_line_framer_resume_crlf_and_lf (void)
{
  const char *wire = "a\r\nb\nc\r\n\r\n";
  const char *crlf_lines[] = { "a", "b\nc", "", NULL };
  const char *lf_lines[] = { "a\r", "b", "c\r", "\r", NULL };

  assert_lines ("\r\n", wire, crlf_lines);
  assert_lines ("\n", wire, lf_lines);
}

static void
test_line_framer_resume_empty_lines (void)
{
  const char *three[] = { "", "", "", NULL };
  const char *two[] = { "", "", NULL };
  const char *one[] = { "", NULL };
  const char *blank_lines[] = { "x", "", "y", NULL };

  assert_lines ("\n", "\n\n\n", three);
  assert_lines ("\r\n", "\r\n\r\n", two);
  assert_lines ("\r\n\r\n", "\r\n\r\n", one);
  assert_lines ("\n\n", "x\n\n\n\ny\n\n", blank_lines);
}

/* A frame that cannot be sent leaves the batch buffer as it was, whatever the reason; one that
 * can goes after what was there. */
static void
test_append_errors_leave_buffer_unchanged (void)
{
  struct
  {
    GsockFramer *framer;
    const char *payload;
    gsize max_size;
    int code;        /* 0 (GSOCK_ERROR_FAILED, which no case expects): framed as @wire */
    const char *wire;
    gsize wire_len;
  } cases[] = {
    { gsock_line_framer_new (NULL), "abc", 3, 0, "abc\n", 4 },
    { gsock_line_framer_new (NULL), "", 0, 0, "\n", 1 },
    { gsock_line_framer_new (NULL), "abcd", 3, GSOCK_ERROR_MESSAGE_TOO_LARGE },
    { gsock_line_framer_new (NULL), "a\nc", 3, GSOCK_ERROR_INVALID_FRAME },
    { gsock_line_framer_new (NULL), "ab\n", 3, GSOCK_ERROR_INVALID_FRAME },
    { gsock_line_framer_new ("\r\n"), "a\rb\nc", 5, 0, "a\rb\nc\r\n", 7 },
    { gsock_line_framer_new ("\r\n"), "abcd", 3, GSOCK_ERROR_MESSAGE_TOO_LARGE },
    { gsock_line_framer_new ("\r\n"), "a\r\nb", 4, GSOCK_ERROR_INVALID_FRAME },
    { gsock_line_framer_new ("\r\n"), "ab\r", 3, 0, "ab\r\r\n", 5 },
    { gsock_line_framer_new ("\n\n"), "ab\n", 3, GSOCK_ERROR_INVALID_FRAME },
    { gsock_length_framer_new (2), "abc", 3, 0, "\0\3abc", 5 },
    { gsock_length_framer_new (2), "", 0, 0, "\0\0", 2 },
    { gsock_length_framer_new (2), "abcd", 3, GSOCK_ERROR_MESSAGE_TOO_LARGE },
    { gsock_raw_framer_new (), "abc", 3, 0, "abc", 3 },
    { gsock_raw_framer_new (), "abcd", 3, GSOCK_ERROR_MESSAGE_TOO_LARGE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GByteArray) out = g_byte_array_new ();
      g_autoptr (GError) error = NULL;
      gsize len = strlen (cases[i].payload);
      gboolean ok;

      g_byte_array_append (out, (const guint8 *) "kept", 4);
      ok = _gsock_framer_append (cases[i].framer, (const guint8 *) cases[i].payload, len, NULL,
                                 cases[i].max_size, out, &error);
      if (cases[i].code == 0)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpmem (out->data, 4, "kept", 4);
          g_assert_cmpmem (out->data + 4, out->len - 4, cases[i].wire, cases[i].wire_len);
        }
      else
        {
          g_assert_error (error, GSOCK_ERROR, cases[i].code);
          g_assert_false (ok);
          g_assert_cmpmem (out->data, out->len, "kept", 4);
        }
      g_object_unref (cases[i].framer);
    }

  /* The length prefix has a limit of its own, checked after max_size. */
  {
    GsockFramer *framer = gsock_length_framer_new (1);
    g_autofree guint8 *payload = g_malloc0 (256);
    g_autoptr (GByteArray) out = g_byte_array_new ();
    g_autoptr (GError) error = NULL;

    g_assert_false (_gsock_framer_append (framer, payload, 256, NULL, 1024, out, &error));
    g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);
    g_assert_nonnull (strstr (error->message, "prefix"));
    g_assert_cmpuint (out->len, ==, 0);
    g_clear_error (&error);
    g_assert_false (_gsock_framer_append (framer, payload, 256, NULL, 255, out, &error));
    g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);
    g_assert_nonnull (strstr (error->message, "maximum message size"));
    g_assert_cmpuint (out->len, ==, 0);
    g_clear_error (&error);
    g_assert_true (_gsock_framer_append (framer, payload, 255, NULL, 1024, out, &error));
    g_assert_cmpuint (out->len, ==, 256);
    g_assert_cmpuint (out->data[0], ==, 255);
    g_assert_finalize_object (framer);
  }
}

/* A line framer that counts the bytes it is asked to search, for the test below: the bytes
 * after the resume hint in every call to its fast path. It registers a fast path of its own
 * that hands each call, hint included, to a real line framer. */

G_DECLARE_FINAL_TYPE (TestCountingFramer, test_counting_framer, TEST, COUNTING_FRAMER,
                      GsockFramer)

struct _TestCountingFramer
{
  GsockFramer parent_instance;

  GsockFramer *line;
  gsize searched;   /* the bytes after the hint, summed over every call */
  gsize calls;
  gsize longest;    /* the most input one call was given */
};

G_DEFINE_FINAL_TYPE (TestCountingFramer, test_counting_framer, GSOCK_TYPE_FRAMER)

static gboolean
test_counting_framer_find (GsockFramer  *framer,
                           const guint8 *data,
                           gsize         len,
                           gsize         max_size,
                           gsize         scanned,
                           GsockFrame   *frame,
                           GError      **error)
{
  TestCountingFramer *self = TEST_COUNTING_FRAMER (framer);

  g_assert_cmpuint (scanned, <=, len);
  self->searched += len - scanned;
  self->calls++;
  self->longest = MAX (self->longest, len);
  return _gsock_framer_cut (self->line, data, len, max_size, scanned, frame, error);
}

static gboolean
test_counting_framer_append (GsockFramer  *framer,
                             const guint8 *payload,
                             gsize         len,
                             gsize         max_size,
                             GByteArray   *out,
                             GError      **error)
{
  TestCountingFramer *self = TEST_COUNTING_FRAMER (framer);

  return _gsock_framer_append (self->line, payload, len, NULL, max_size, out, error);
}

static const GsockFramerFastPath counting_fast_path = {
  test_counting_framer_find,
  test_counting_framer_append,
};

static void
test_counting_framer_finalize (GObject *object)
{
  TestCountingFramer *self = TEST_COUNTING_FRAMER (object);

  g_clear_object (&self->line);
  G_OBJECT_CLASS (test_counting_framer_parent_class)->finalize (object);
}

static void
test_counting_framer_class_init (TestCountingFramerClass *klass)
{
  GsockFramerClass *framer_class = GSOCK_FRAMER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_counting_framer_finalize;
  framer_class->encode = _gsock_framer_encode_builtin;
  framer_class->decode = _gsock_framer_decode_builtin;
}

static void
test_counting_framer_init (TestCountingFramer *self)
{
  self->line = gsock_line_framer_new (NULL);
  _gsock_framer_set_fast_path (GSOCK_FRAMER (self), &counting_fast_path);
}

static void
collect_message_cb (GsockEndpoint *server,
                    GsockMessage  *message,
                    GPtrArray     *messages)
{
  g_ptr_array_add (messages, g_bytes_ref (gsock_message_get_bytes (message)));
}

/* Issue 11: a long partial line was searched again from its start on every read, so dripping
 * it cost the square of its length. A connection passes back what the framer searched already,
 * so each byte is searched about once however the line arrives; and the hint is dropped once a
 * message is cut, so the messages after it in the same read are all found. */
static void
test_line_framer_stream_searches_partial_line_once (void)
{
  const gsize line_len = 20000, drip = 100;
  g_autoptr (GsockTcpServer) server = gsock_tcp_server_new ("127.0.0.1", 0);
  g_autoptr (TestCountingFramer) framer = g_object_new (test_counting_framer_get_type (), NULL);
  g_autoptr (GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr (GBytes) line = gsock_test_pattern_bytes (line_len);
  const guint8 *data = g_bytes_get_data (line, NULL);
  g_autoptr (GSocket) peer = NULL;
  g_autoptr (GError) error = NULL;
  gsize sent = 0;

  gsock_tcp_server_set_framer (server, GSOCK_FRAMER (framer));
  g_signal_connect (server, "message-received", G_CALLBACK (collect_message_cb), messages);
  g_assert_true (gsock_tcp_server_listen (server, &error));
  g_assert_no_error (error);
  peer = gsock_test_tcp_connect (gsock_test_endpoint_get_port (server));

  /* The line in 200 reads, each waited for: the server has all that was sent buffered. */
  while (sent < line_len)
    {
      gsock_test_socket_send_all (peer, data + sent, drip);
      sent += drip;
      gsock_test_wait_until (framer->longest >= sent);
    }
  g_assert_cmpuint (framer->calls, >=, line_len / drip / 2);
  g_assert_cmpuint (messages->len, ==, 0);

  /* The end of the line, two short ones and the start of a third, in one read; then its
   * end. */
  gsock_test_socket_send_all (peer, "\nab\ncd\nef", 9);
  gsock_test_wait_until (messages->len == 3);
  gsock_test_socket_send_all (peer, "gh\n", 3);
  gsock_test_wait_until (messages->len == 4);
  g_assert_cmpuint (g_bytes_get_size (messages->pdata[0]), ==, line_len);
  g_assert_cmpmem (g_bytes_get_data (messages->pdata[0], NULL), line_len, data, line_len);
  assert_bytes_equal (messages->pdata[1], "ab", 2);
  assert_bytes_equal (messages->pdata[2], "cd", 2);
  assert_bytes_equal (messages->pdata[3], "efgh", 4);

  /* The line searched once, then each message after it from its start to the end of the read
   * ("\nab\ncd\nef", "ab\ncd\nef", "cd\nef", "ef"), then only what the last read brought. Reads
   * cut differently only search less. Searching from the start on every read would be about
   * line_len * line_len / drip / 2, two million bytes. */
  g_assert_cmpuint (framer->searched, <=, line_len + (9 + 8 + 5 + 2) + 3);

  gsock_endpoint_close (GSOCK_ENDPOINT (server));
}

/* any-newline: lines end with "\n" or "\r\n" whichever the delimiter, the "\r" is not part of
 * the message, sends end with the delimiter, and what would not come back whole is refused. */
static void
test_line_framer_any_newline (void)
{
  static const char wire[] = "a\r\nb\nc\r\n\r\n\nd\re\n";
  static const char *const lines[] = { "a", "b", "c", "", "", "d\re", NULL };
  const char *delimiters[] = { "\n", "\r\n" };

  for (gsize d = 0; d < G_N_ELEMENTS (delimiters); d++)
    {
      g_autoptr (GsockFramer) framer = g_object_new (GSOCK_TYPE_LINE_FRAMER,
                                                     "delimiter", delimiters[d],
                                                     "any-newline", TRUE, NULL);
      g_autoptr (GBytes) stream = g_bytes_new_static (wire, sizeof wire - 1);
      g_autoptr (GPtrArray) expected = messages_from_strings (lines);
      g_autoptr (GBytes) sent = NULL;
      g_autoptr (GBytes) payload = g_bytes_new_static ("x", 1);
      g_autoptr (GBytes) with_newline = g_bytes_new_static ("x\ny", 3);
      gsize cuts[sizeof wire - 1];
      gboolean any_newline = FALSE;

      g_object_get (framer, "any-newline", &any_newline, NULL);
      g_assert_true (any_newline);
      for (gsize i = 0; i < G_N_ELEMENTS (cuts); i++)
        cuts[i] = i + 1;
      {
        g_autoptr (GPtrArray) got = decode_in_pieces (framer, stream, MAX_SIZE, cuts,
                                                      G_N_ELEMENTS (cuts));
        assert_messages_equal (got, expected);
      }
      {
        gsize whole = sizeof wire - 1;
        g_autoptr (GPtrArray) got = decode_in_pieces (framer, stream, MAX_SIZE, &whole, 1);
        assert_messages_equal (got, expected);
      }

      sent = gsock_framer_encode (framer, payload, MAX_SIZE, NULL);
      g_assert_nonnull (sent);
      {
        g_autofree char *framed = g_strconcat ("x", delimiters[d], NULL);

        g_assert_cmpmem (g_bytes_get_data (sent, NULL), g_bytes_get_size (sent), framed,
                         strlen (framed));
      }
      assert_encode_error (framer, with_newline, MAX_SIZE, GSOCK_ERROR,
                           GSOCK_ERROR_INVALID_FRAME);
    }
}

/* A payload ending with "\r" would lose it under "\n" with any-newline, not under "\r\n"
 * (the line is then "a\r\r\n"); a line is too long by its bytes without the "\r". */
static void
test_line_framer_any_newline_edges (void)
{
  g_autoptr (GsockFramer) lf = g_object_new (GSOCK_TYPE_LINE_FRAMER, "any-newline", TRUE, NULL);
  g_autoptr (GsockFramer) crlf = g_object_new (GSOCK_TYPE_LINE_FRAMER, "delimiter", "\r\n",
                                               "any-newline", TRUE, NULL);
  g_autoptr (GsockFramer) bar = g_object_new (GSOCK_TYPE_LINE_FRAMER, "delimiter", "|",
                                              "any-newline", TRUE, NULL);
  g_autoptr (GBytes) ends_with_cr = g_bytes_new_static ("a\r", 2);
  g_autoptr (GBytes) wire = NULL;
  g_autoptr (GBytes) line = NULL;
  g_autoptr (GError) error = NULL;
  gsize consumed = 0;

  assert_encode_error (lf, ends_with_cr, MAX_SIZE, GSOCK_ERROR, GSOCK_ERROR_INVALID_FRAME);
  wire = gsock_framer_encode (crlf, ends_with_cr, MAX_SIZE, &error);
  g_assert_no_error (error);
  line = gsock_framer_decode (crlf, g_bytes_get_data (wire, NULL), g_bytes_get_size (wire),
                              MAX_SIZE, &consumed, &error);
  g_assert_no_error (error);
  assert_bytes_equal (line, "a\r", 2);
  g_assert_cmpuint (consumed, ==, 4);
  g_clear_pointer (&line, g_bytes_unref);

  /* Three bytes fit in three, with or without the "\r"; four do not. */
  line = gsock_framer_decode (lf, (const guint8 *) "abc\r\n", 5, 3, &consumed, &error);
  g_assert_no_error (error);
  assert_bytes_equal (line, "abc", 3);
  g_clear_pointer (&line, g_bytes_unref);
  line = gsock_framer_decode (lf, (const guint8 *) "abcd\n", 5, 3, &consumed, &error);
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);
  g_assert_null (line);
  g_clear_error (&error);

  /* With another delimiter it changes nothing: the "\r" stays. */
  line = gsock_framer_decode (bar, (const guint8 *) "a\r|", 3, MAX_SIZE, &consumed, &error);
  g_assert_no_error (error);
  assert_bytes_equal (line, "a\r", 2);
}

/* The delimiter is text: a UTF-16 or UTF-32 connection writes and finds it in its encoding,
 * only at a character's start; an encoding that writes it as UTF-8 does keeps the framer. */
static void
test_line_framer_for_encoding (void)
{
  g_autoptr (GsockFramer) lf = gsock_line_framer_new (NULL);
  g_autoptr (GsockFramer) any = g_object_new (GSOCK_TYPE_LINE_FRAMER, "delimiter", "\r\n",
                                              "any-newline", TRUE, NULL);
  g_autoptr (GsockFramer) raw = gsock_line_framer_new ("\xff");
  g_autoptr (GsockFramer) length = gsock_length_framer_new (4);
  g_autoptr (GsockFramer) utf16 = _gsock_line_framer_for_encoding (lf, "UTF-16LE");
  g_autoptr (GsockFramer) again = _gsock_line_framer_for_encoding (lf, "UTF-16LE");
  g_autoptr (GsockFramer) with_bom = NULL;
  g_autoptr (GsockFramer) utf32 = NULL;
  g_autoptr (GsockFramer) any16 = NULL;
  /* U+0A41 U+0100 "\n" in UTF-16LE: 41 0A 00 01 0A 00, with "0A 00" at byte 1 too. */
  static const guint8 misaligned[] = { 0x41, 0x0a, 0x00, 0x01, 0x0a, 0x00 };
  static const guint8 crlf16[] = { 'a', 0, '\r', 0, '\n', 0, 'b', 0, '\n', 0 };
  g_autoptr (GBytes) payload = g_bytes_new_static ("h\0i\0", 4);
  g_autoptr (GBytes) wire = NULL;
  g_autoptr (GBytes) line = NULL;
  g_autoptr (GError) error = NULL;
  gsize consumed = 0;

  g_assert_true (utf16 != lf);
  g_assert_true (again == utf16);
  g_assert_cmpstr (gsock_line_framer_get_delimiter (GSOCK_LINE_FRAMER (utf16)), ==, "\n");
  wire = gsock_framer_encode (utf16, payload, MAX_SIZE, &error);
  g_assert_no_error (error);
  assert_bytes_equal (wire, "h\0i\0\n\0", 6);

  line = gsock_framer_decode (utf16, misaligned, sizeof misaligned, MAX_SIZE, &consumed, &error);
  g_assert_no_error (error);
  assert_bytes_equal (line, misaligned, 4);
  g_assert_cmpuint (consumed, ==, 6);
  g_clear_pointer (&line, g_bytes_unref);
  /* The old framer cut it at the raw newline byte. */
  line = gsock_framer_decode (lf, misaligned, sizeof misaligned, MAX_SIZE, &consumed, &error);
  assert_bytes_equal (line, misaligned, 1);
  g_clear_pointer (&line, g_bytes_unref);

  /* No byte order mark in the delimiter, whatever the encoding puts first. */
  with_bom = _gsock_line_framer_for_encoding (lf, "UTF-16");
  g_clear_pointer (&wire, g_bytes_unref);
  wire = gsock_framer_encode (with_bom, payload, MAX_SIZE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (wire), ==, 6);

  utf32 = _gsock_line_framer_for_encoding (lf, "UTF-32BE");
  line = gsock_framer_decode (utf32, (const guint8 *) "\0\0\0a\0\0\0\n", 8, MAX_SIZE, &consumed,
                              &error);
  g_assert_no_error (error);
  assert_bytes_equal (line, "\0\0\0a", 4);
  g_clear_pointer (&line, g_bytes_unref);

  any16 = _gsock_line_framer_for_encoding (any, "UTF-16LE");
  line = gsock_framer_decode (any16, crlf16, sizeof crlf16, MAX_SIZE, &consumed, &error);
  g_assert_no_error (error);
  assert_bytes_equal (line, "a\0", 2);
  g_assert_cmpuint (consumed, ==, 6);
  g_clear_pointer (&line, g_bytes_unref);
  line = gsock_framer_decode (any16, crlf16 + 6, 4, MAX_SIZE, &consumed, &error);
  assert_bytes_equal (line, "b\0", 2);

  /* Encodings that write it as UTF-8 does, delimiters that are not text, other framers. */
  for (guint i = 0; i < 4; i++)
    {
      GsockFramer *framers[] = { lf, lf, raw, length };
      const char *encodings[] = { "ISO-8859-1", "GBK", "UTF-16LE", "UTF-16LE" };
      g_autoptr (GsockFramer) same = _gsock_line_framer_for_encoding (framers[i], encodings[i]);

      g_assert_true (same == framers[i]);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Gsock/Framer/is-abstract", test_framer_is_abstract);
  g_test_add_func ("/Gsock/Framer/append/refuses-frame-past-guint",
                   test_append_refuses_frame_past_guint);
  g_test_add_func ("/Gsock/Framer/custom-subclass/decodes-through-wrapper",
                   test_framer_custom_subclass);
  g_test_add_func ("/Gsock/Framer/decode-bytes/subclass-decodes-through-both-wrappers",
                   test_framer_decode_bytes_subclass);
  g_test_add_func ("/Gsock/Framer/decode-bytes/failing-without-error-is-an-error",
                   test_framer_decode_bytes_fails_without_error);
  g_test_add_func ("/Gsock/Framer/decode-bytes/failure-closes-the-connection",
                   test_framer_decode_bytes_failure_closes_connection);
  g_test_add_func ("/Gsock/Framer/buggy-subclass/consumes-more-than-given",
                   test_framer_buggy_consumes_too_much);
  g_test_add_func ("/Gsock/Framer/buggy-subclass/returns-message-over-max-size",
                   test_framer_buggy_message_too_large);
  g_test_add_func ("/Gsock/Framer/buggy-subclass/returns-message-without-consuming",
                   test_framer_buggy_message_without_consuming);
  g_test_add_func ("/Gsock/Framer/buggy-subclass/returns-error-and-message",
                   test_framer_buggy_error_and_message);
  g_test_add_func ("/Gsock/Framer/buggy-subclass/encode-returns-nothing",
                   test_framer_buggy_encode_returns_nothing);
  g_test_add_func ("/Gsock/Framer/decode/skipping-bytes-is-allowed",
                   test_framer_skipping_bytes_is_allowed);
  g_test_add_func ("/Gsock/Framer/missing-vfuncs-give-not-supported", test_framer_missing_vfuncs);
  g_test_add_func ("/Gsock/Framer/encode/refuses-payload-over-max-size",
                   test_framer_encode_checks_max_size);

  g_test_add_func ("/Gsock/LineFramer/delimiter/defaults-to-newline", test_line_framer_delimiter);
  g_test_add_func ("/Gsock/LineFramer/round-trip", test_line_framer_round_trip);
  g_test_add_func ("/Gsock/LineFramer/any-newline/accepts-both", test_line_framer_any_newline);
  g_test_add_func ("/Gsock/LineFramer/any-newline/edges", test_line_framer_any_newline_edges);
  g_test_add_func ("/Gsock/LineFramer/encoding/delimiter-is-text", test_line_framer_for_encoding);
  g_test_add_func ("/Gsock/LineFramer/decode/split-at-every-byte",
                   test_line_framer_split_at_every_byte);
  g_test_add_func ("/Gsock/LineFramer/decode/crlf-split-inside-delimiter",
                   test_line_framer_crlf_split_inside_delimiter);
  g_test_add_func ("/Gsock/LineFramer/decode/empty-lines-are-empty-messages",
                   test_line_framer_empty_lines);
  g_test_add_func ("/Gsock/LineFramer/decode/refuses-line-past-max-size",
                   test_line_framer_too_long_without_delimiter);
  g_test_add_func ("/Gsock/LineFramer/encode/refuses-delimiter-in-payload",
                   test_line_framer_encode_delimiter_in_payload);
  g_test_add_func ("/Gsock/LineFramer/encode/refuses-payload-over-max-size",
                   test_line_framer_encode_too_large);

  g_test_add_func ("/Gsock/LengthFramer/prefix-size/accepts-1-2-4-8",
                   test_length_framer_prefix_size);
  g_test_add_func ("/Gsock/LengthFramer/prefix-size/new-rejects-other-sizes",
                   test_length_framer_invalid_prefix_size);
  g_test_add_func ("/Gsock/LengthFramer/round-trip", test_length_framer_round_trip);
  g_test_add_func ("/Gsock/LengthFramer/encode/prefix-is-big-endian",
                   test_length_framer_big_endian);
  g_test_add_func ("/Gsock/LengthFramer/decode/split-at-every-byte",
                   test_length_framer_split_at_every_byte);
  g_test_add_func ("/Gsock/LengthFramer/decode/empty-messages", test_length_framer_empty_messages);
  g_test_add_func ("/Gsock/LengthFramer/decode/refuses-4-GiB-prefix",
                   test_length_framer_4_gib_prefix);
  g_test_add_func ("/Gsock/LengthFramer/decode/refuses-2^64-1-prefix",
                   test_length_framer_2_64_prefix);
  g_test_add_func ("/Gsock/LengthFramer/decode/refuses-prefix-over-max-size",
                   test_length_framer_prefix_over_max_size);
  g_test_add_func ("/Gsock/LengthFramer/encode/refuses-payload-too-long-for-prefix",
                   test_length_framer_encode_too_large_for_prefix);
  g_test_add_func ("/Gsock/LengthFramer/encode/refuses-payload-over-max-size",
                   test_length_framer_encode_too_large);

  g_test_add_func ("/Gsock/RawFramer/round-trip", test_raw_framer_round_trip);
  g_test_add_func ("/Gsock/RawFramer/decode/split-at-every-byte",
                   test_raw_framer_split_at_every_byte);
  g_test_add_func ("/Gsock/RawFramer/decode/caps-at-max-size", test_raw_framer_caps_at_max_size);
  g_test_add_func ("/Gsock/RawFramer/decode/empty-input-needs-more", test_raw_framer_empty_input);
  g_test_add_func ("/Gsock/RawFramer/encode/refuses-payload-over-max-size",
                   test_raw_framer_encode_too_large);
  g_test_add_func ("/Gsock/Framer/append/errors-leave-buffer-unchanged",
                   test_append_errors_leave_buffer_unchanged);
  g_test_add_func ("/Gsock/Framer/cut/resume-hint-changes-nothing-without-a-line",
                   test_framer_resume_hint_changes_nothing_elsewhere);
  g_test_add_func ("/Gsock/LineFramer/cut/resume/one-byte-at-a-time-as-whole",
                   test_line_framer_resume_one_byte_at_a_time);
  g_test_add_func ("/Gsock/LineFramer/cut/resume/random-chunks-as-whole",
                   test_line_framer_resume_random_chunks);
  g_test_add_func ("/Gsock/LineFramer/cut/resume/split-at-every-byte",
                   test_line_framer_resume_split_at_every_byte);
  g_test_add_func ("/Gsock/LineFramer/cut/resume/starts-at-the-hint",
                   test_line_framer_resume_starts_at_the_hint);
  g_test_add_func ("/Gsock/LineFramer/cut/resume/max-size-exactly-and-one-over",
                   test_line_framer_resume_max_size_at_the_limit);
  g_test_add_func ("/Gsock/LineFramer/cut/resume/crlf-and-lf-differ",
                   test_line_framer_resume_crlf_and_lf);
  g_test_add_func ("/Gsock/LineFramer/cut/resume/empty-lines",
                   test_line_framer_resume_empty_lines);
  g_test_add_func ("/Gsock/LineFramer/stream/searches-partial-line-once",
                   test_line_framer_stream_searches_partial_line_once);

  return g_test_run ();
}
