/* fuzz-encoding.c: libFuzzer target for received text (_gsock_encoding_decode)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Input: byte 0 picks the encoding below; the rest is a received message's bytes.
 * Whatever decodes must be valid UTF-8 without NUL; for UTF-8 and ISO-8859-1, which map
 * bytes one to one, encoding it again must give back the very same bytes (GBK and UTF-16
 * must encode again or fail with GSOCK_ERROR_INVALID_TEXT).
 */

#include <string.h>

#include <glib.h>

#include "gsock/gsock-encoding-private.h"
#include "gsock/gsock-error.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static const char *const encodings[] = { "UTF-8", "GBK", "ISO-8859-1", "UTF-16" };

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const char *encoding;

  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  if (size < 1)
    return 0;

  encoding = encodings[data[0] % G_N_ELEMENTS (encodings)];
  text = _gsock_encoding_decode (encoding, (const char *) data + 1, size - 1, &error);

  if (text == NULL)
    {
      g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_TEXT);
      return 0;
    }
  g_assert_no_error (error);
  g_assert_true (g_utf8_validate (text, -1, NULL));

  {
    g_autoptr(GError) encode_error = NULL;
    g_autoptr(GBytes) again = _gsock_encoding_encode (encoding, text, &encode_error);

    if (strcmp (encoding, "UTF-8") == 0 || strcmp (encoding, "ISO-8859-1") == 0)
      {
        g_assert_no_error (encode_error);
        g_assert_cmpmem (g_bytes_get_data (again, NULL), g_bytes_get_size (again),
                         data + 1, size - 1);
      }
    else if (again == NULL)
      {
        /* iconv's GBK and UTF-16 tables need not map back one to one. */
        g_assert_error (encode_error, GSOCK_ERROR, GSOCK_ERROR_INVALID_TEXT);
      }
  }
  return 0;
}
