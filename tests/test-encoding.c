/* test-encoding.c: text <-> bytes in a named character set
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <gsock/gsock.h>

#include "gsock-encoding-private.h"
#include "gsock-test-util.h"

/* 你好,世界 in GBK. */
static const guint8 gbk_hello_world[] = { 0xc4, 0xe3, 0xba, 0xc3, 0x2c, 0xca, 0xc0, 0xbd, 0xe7 };
/* 已收到 in GBK. */
static const guint8 gbk_received[] = { 0xd2, 0xd1, 0xca, 0xd5, 0xb5, 0xbd };

static void
check_round_trip (const char   *encoding,
                  const char   *text,
                  const guint8 *wire,
                  gsize         wire_len)
{
  GError *error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *decoded = NULL;

  bytes = _gsock_encoding_encode (encoding, text, &error);
  g_assert_no_error (error);
  gsock_test_assert_bytes (bytes, wire, wire_len);

  decoded = _gsock_encoding_decode (encoding, (const char *) wire, wire_len, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (decoded, ==, text);
}

static void
test_utf8_round_trip (void)
{
  const char *text = "Hello, 世界 — café";

  check_round_trip ("UTF-8", text, (const guint8 *) text, strlen (text));
}

static void
test_utf8_names_are_case_insensitive (void)
{
  const char *text = "已收到";

  check_round_trip ("utf-8", text, (const guint8 *) text, strlen (text));
  check_round_trip ("UTF8", text, (const guint8 *) text, strlen (text));
}

static void
test_gbk_round_trip (void)
{
  check_round_trip ("GBK", "你好,世界", gbk_hello_world, sizeof gbk_hello_world);
  check_round_trip ("GBK", "已收到", gbk_received, sizeof gbk_received);
}

static void
test_gbk_mixed_with_ascii (void)
{
  static const guint8 wire[] = { 'o', 'k', ' ', 0xd2, 0xd1, 0xca, 0xd5, 0xb5, 0xbd, '!' };

  check_round_trip ("GBK", "ok 已收到!", wire, sizeof wire);
}

static void
test_latin1_round_trip (void)
{
  static const guint8 wire[] = { 'c', 'a', 'f', 0xe9 };

  check_round_trip ("ISO-8859-1", "café", wire, sizeof wire);
}

static void
test_latin1_every_byte (void)
{
  guint8 wire[255];
  g_autoptr(GBytes) again = NULL;
  g_autofree char *text = NULL;
  GError *error = NULL;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (wire); i++)
    wire[i] = i + 1;
  text = _gsock_encoding_decode ("ISO-8859-1", (const char *) wire, sizeof wire, &error);
  g_assert_no_error (error);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_cmpint (g_utf8_strlen (text, -1), ==, 255);

  again = _gsock_encoding_encode ("ISO-8859-1", text, &error);
  g_assert_no_error (error);
  gsock_test_assert_bytes (again, wire, sizeof wire);
}

static void
test_empty_text (void)
{
  const char *encodings[] = { "UTF-8", "GBK", "ISO-8859-1" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (encodings); i++)
    {
      GError *error = NULL;
      g_autoptr(GBytes) bytes = _gsock_encoding_encode (encodings[i], "", &error);
      g_autofree char *text = NULL;

      g_assert_no_error (error);
      g_assert_nonnull (bytes);
      g_assert_cmpuint (g_bytes_get_size (bytes), ==, 0);

      text = _gsock_encoding_decode (encodings[i], NULL, 0, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (text, ==, "");
    }
}

static void
test_unknown_encoding_encode (void)
{
  GError *error = NULL;
  g_autoptr(GBytes) bytes = _gsock_encoding_encode ("NO-SUCH-CHARSET-GSOCK", "hello", &error);

  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_UNKNOWN_ENCODING);
  g_assert_null (bytes);
  g_clear_error (&error);
}

static void
test_unknown_encoding_decode (void)
{
  GError *error = NULL;
  g_autofree char *text = _gsock_encoding_decode ("NO-SUCH-CHARSET-GSOCK", "hello", 5, &error);

  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_UNKNOWN_ENCODING);
  g_assert_null (text);
  g_clear_error (&error);
}

static void
check_decode_fails (const char   *encoding,
                    const guint8 *wire,
                    gsize         len)
{
  GError *error = NULL;
  g_autofree char *text = _gsock_encoding_decode (encoding, (const char *) wire, len, &error);

  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_TEXT);
  g_assert_null (text);
  g_clear_error (&error);
}

static void
test_utf8_invalid_byte (void)
{
  static const guint8 wire[] = { 'o', 'k', 0xff, 'x' };

  check_decode_fails ("UTF-8", wire, sizeof wire);
}

static void
test_utf8_truncated_sequence (void)
{
  /* The first two bytes of 世 (e4 b8 96). */
  static const guint8 wire[] = { 'a', 0xe4, 0xb8 };

  check_decode_fails ("UTF-8", wire, sizeof wire);
}

static void
test_utf8_embedded_nul (void)
{
  static const guint8 wire[] = { 'a', 0x00, 'b' };

  check_decode_fails ("UTF-8", wire, sizeof wire);
}

static void
test_gbk_embedded_nul (void)
{
  static const guint8 wire[] = { 0xc4, 0xe3, 0x00, 0xba, 0xc3 };

  check_decode_fails ("GBK", wire, sizeof wire);
}

static void
test_latin1_embedded_nul (void)
{
  static const guint8 wire[] = { 'c', 0x00, 0xe9 };

  check_decode_fails ("ISO-8859-1", wire, sizeof wire);
}

static void
test_gbk_invalid_sequence (void)
{
  /* 0x81 is a lead byte; 0x20 is no valid trail byte. */
  static const guint8 wire[] = { 0x81, 0x20, 'a' };

  check_decode_fails ("GBK", wire, sizeof wire);
}

static void
test_gbk_truncated_sequence (void)
{
  /* The lead byte of 你 with its trail byte missing. */
  static const guint8 wire[] = { 'a', 0xc4 };

  check_decode_fails ("GBK", wire, sizeof wire);
}

static void
test_unrepresentable_in_latin1 (void)
{
  GError *error = NULL;
  g_autoptr(GBytes) bytes = _gsock_encoding_encode ("ISO-8859-1", "已收到", &error);

  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_TEXT);
  g_assert_null (bytes);
  g_clear_error (&error);
}

static void
test_invalid_utf8_text_to_send (void)
{
  const char *encodings[] = { "UTF-8", "GBK", "ISO-8859-1" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (encodings); i++)
    {
      GError *error = NULL;
      g_autoptr(GBytes) bytes = _gsock_encoding_encode (encodings[i], "bad \xff text", &error);

      g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_TEXT);
      g_assert_null (bytes);
      g_clear_error (&error);
    }
}

static void
test_error_domain_is_registered (void)
{
  GEnumClass *klass = g_type_class_ref (gsock_error_get_type ());
  GEnumValue *value;

  value = g_enum_get_value (klass, GSOCK_ERROR_INVALID_TEXT);
  g_assert_nonnull (value);
  g_assert_cmpstr (value->value_nick, ==, "invalid-text");
  value = g_enum_get_value (klass, GSOCK_ERROR_UNKNOWN_ENCODING);
  g_assert_nonnull (value);
  g_assert_cmpstr (value->value_nick, ==, "unknown-encoding");
  g_type_class_unref (klass);

  g_assert_cmpstr (g_quark_to_string (GSOCK_ERROR), ==, "gsock-error-quark");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Gsock/Encoding/utf8/round-trips", test_utf8_round_trip);
  g_test_add_func ("/Gsock/Encoding/utf8/names-are-case-insensitive",
                   test_utf8_names_are_case_insensitive);
  g_test_add_func ("/Gsock/Encoding/gbk/round-trips-chinese", test_gbk_round_trip);
  g_test_add_func ("/Gsock/Encoding/gbk/round-trips-mixed-with-ascii", test_gbk_mixed_with_ascii);
  g_test_add_func ("/Gsock/Encoding/latin1/round-trips", test_latin1_round_trip);
  g_test_add_func ("/Gsock/Encoding/latin1/round-trips-every-byte", test_latin1_every_byte);
  g_test_add_func ("/Gsock/Encoding/empty-text/round-trips", test_empty_text);
  g_test_add_func ("/Gsock/Encoding/unknown-name/fails-to-encode", test_unknown_encoding_encode);
  g_test_add_func ("/Gsock/Encoding/unknown-name/fails-to-decode", test_unknown_encoding_decode);
  g_test_add_func ("/Gsock/Encoding/utf8/rejects-invalid-byte", test_utf8_invalid_byte);
  g_test_add_func ("/Gsock/Encoding/utf8/rejects-truncated-sequence", test_utf8_truncated_sequence);
  g_test_add_func ("/Gsock/Encoding/utf8/rejects-embedded-nul", test_utf8_embedded_nul);
  g_test_add_func ("/Gsock/Encoding/gbk/rejects-embedded-nul", test_gbk_embedded_nul);
  g_test_add_func ("/Gsock/Encoding/latin1/rejects-embedded-nul", test_latin1_embedded_nul);
  g_test_add_func ("/Gsock/Encoding/gbk/rejects-invalid-sequence", test_gbk_invalid_sequence);
  g_test_add_func ("/Gsock/Encoding/gbk/rejects-truncated-sequence", test_gbk_truncated_sequence);
  g_test_add_func ("/Gsock/Encoding/latin1/rejects-unrepresentable-chinese",
                   test_unrepresentable_in_latin1);
  g_test_add_func ("/Gsock/Encoding/any/rejects-invalid-utf8-text-to-send",
                   test_invalid_utf8_text_to_send);
  g_test_add_func ("/Gsock/Encoding/error-domain/is-registered", test_error_domain_is_registered);

  return g_test_run ();
}
