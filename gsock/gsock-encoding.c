/* gsock-encoding.c: text <-> bytes in a named character set
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "gsock-encoding-private.h"
#include "gsock-error.h"

gboolean
_gsock_encoding_is_utf8 (const char *encoding)
{
  return g_ascii_strcasecmp (encoding, "UTF-8") == 0 || g_ascii_strcasecmp (encoding, "UTF8") == 0;
}

/* Whether iconv converts from @from to @to. */
static gboolean
converts (const char *to,
          const char *from)
{
  GIConv converter = g_iconv_open (to, from);

  if (converter == (GIConv) -1)
    return FALSE;
  g_iconv_close (converter);
  return TRUE;
}

gboolean
_gsock_encoding_check (const char *encoding,
                       GError    **error)
{
  if (_gsock_encoding_is_utf8 (encoding) ||
      (converts (encoding, "UTF-8") && converts ("UTF-8", encoding)))
    return TRUE;
  g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_UNKNOWN_ENCODING, "Unknown encoding “%s”",
               encoding);
  return FALSE;
}

/* Turns a GConvertError into the GSOCK_ERROR code a user can act on. */
static void
propagate_convert_error (GError    **error,
                         GError     *convert_error,
                         const char *encoding,
                         const char *what)
{
  if (g_error_matches (convert_error, G_CONVERT_ERROR, G_CONVERT_ERROR_NO_CONVERSION))
    g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_UNKNOWN_ENCODING,
                 "Unknown encoding “%s”", encoding);
  else
    g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_TEXT,
                 "%s %s: %s", what, encoding, convert_error->message);
  g_error_free (convert_error);
}

GBytes *
_gsock_encoding_encode (const char *encoding,
                        const char *text,
                        GError    **error)
{
  GError *convert_error = NULL;
  gsize text_len = strlen (text);
  gsize written = 0;
  char *converted;

  if (_gsock_encoding_is_utf8 (encoding))
    {
      if (!g_utf8_validate (text, text_len, NULL))
        {
          g_set_error_literal (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_TEXT,
                               "Text to send is not valid UTF-8");
          return NULL;
        }
      return g_bytes_new (text, text_len);
    }

  converted = g_convert (text, text_len, encoding, "UTF-8", NULL, &written, &convert_error);
  if (converted == NULL)
    {
      propagate_convert_error (error, convert_error, encoding, "Cannot encode text as");
      return NULL;
    }
  return g_bytes_new_take (converted, written);
}

gboolean
_gsock_encoding_check_utf8 (const char *data,
                            gsize       len,
                            GError    **error)
{
  const char *end;

  if (!g_utf8_validate_len (data, len, &end))
    {
      g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_TEXT,
                   "Received bytes are not valid UTF-8 (at byte %" G_GSIZE_FORMAT ")",
                   (gsize) (end - data));
      return FALSE;
    }
  return TRUE;
}

char *
_gsock_encoding_decode (const char *encoding,
                        const char *data,
                        gsize       len,
                        GError    **error)
{
  GError *convert_error = NULL;
  gsize text_len = 0;
  char *text;

  if (_gsock_encoding_is_utf8 (encoding))
    {
      if (!_gsock_encoding_check_utf8 (data, len, error))
        return NULL;
      return g_strndup (data != NULL ? data : "", len);
    }

  text = g_convert (data != NULL ? data : "", len, "UTF-8", encoding, NULL, &text_len,
                    &convert_error);
  if (text == NULL)
    {
      propagate_convert_error (error, convert_error, encoding, "Received bytes are not valid");
      return NULL;
    }
  /* g_convert() lets an embedded NUL through; such text would be cut short in C. */
  if (strlen (text) != text_len)
    {
      g_free (text);
      g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_TEXT,
                   "Received bytes contain a NUL character, which text cannot hold");
      return NULL;
    }
  return text;
}
