/* fuzz-framer-common.h: feeds fuzzer input to a framer the way GsockTcpClient does
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The bytes arrive in chunks into a read buffer; after each chunk, gsock_framer_decode() is
 * called in a loop (decode, consume, repeat) until it needs more bytes or fails, as
 * decode_messages() in gsock-stream.c does. Besides what AddressSanitizer and UBSan catch,
 * the framing contract of gsock-framer.c is checked on every call and every message is
 * encoded again, which must give back the very bytes it was cut from. The same chunks are then
 * cut as a connection really cuts them (take_input() in gsock-stream.c): with
 * _gsock_framer_cut() and the resume hint of what was searched already, which must give the
 * same messages and the same end.
 */

#pragma once

#include <string.h>

#include <gsock/gsock.h>

#include "gsock-framer-private.h"

/* GsockTcpClient's READ_CHUNK: how far past max_size a framer may buffer without a message. */
#define FUZZ_READ_CHUNK 4096

static int fuzz_log_fatal_initialized;

/* A g_critical() (a g_return_if_fail) or g_warning() is a bug too: make it abort. */
static void
fuzz_init_glib (void)
{
  if (!fuzz_log_fatal_initialized)
    {
      g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
      fuzz_log_fatal_initialized = 1;
    }
}

/* Checks one decode step against the contract; returns FALSE when the stream ended (error). */
static gboolean
fuzz_check_step (GsockFramer  *framer,
                 gboolean      reencode,
                 const guint8 *data,
                 gsize         len,
                 gsize         max_size,
                 GBytes       *message,
                 gsize         consumed,
                 GError       *error)
{
  if (error != NULL)
    {
      g_assert_null (message);
      g_assert_cmpuint (consumed, ==, 0);
      return FALSE;
    }

  g_assert_cmpuint (consumed, <=, len);
  if (message == NULL)
    return TRUE;

  g_assert_cmpuint (consumed, >, 0);
  g_assert_cmpuint (g_bytes_get_size (message), <=, max_size);

  if (reencode)
    {
      g_autoptr(GError) encode_error = NULL;
      g_autoptr(GBytes) wire = gsock_framer_encode (framer, message, max_size, &encode_error);
      gsize wire_len = 0;
      const guint8 *wire_data;

      g_assert_no_error (encode_error);
      g_assert_nonnull (wire);
      wire_data = g_bytes_get_data (wire, &wire_len);
      g_assert_cmpmem (wire_data, wire_len, data, consumed);
    }
  return TRUE;
}

/* Feeds @data to @framer in chunks of @chunk bytes, as take_input() does: what is kept of a
 * message is passed back with how much of it was searched. Adds the messages to @messages;
 * FALSE if the stream failed. */
static gboolean
fuzz_framer_cut_with_hint (GsockFramer  *framer,
                           const guint8 *data,
                           gsize         len,
                           gsize         max_size,
                           gsize         chunk,
                           GPtrArray    *messages)
{
  g_autoptr(GByteArray) in = g_byte_array_new ();
  gsize scanned = 0;
  gsize fed = 0;

  while (fed < len)
    {
      gsize n = MIN (chunk, len - fed);
      gsize start = 0;

      g_byte_array_append (in, data + fed, n);
      fed += n;

      while (start < in->len)
        {
          g_autoptr(GError) error = NULL;
          GsockFrame frame;
          gboolean found;

          found = _gsock_framer_cut (framer, in->data + start, in->len - start, max_size,
                                     scanned, &frame, &error);
          if (error != NULL)
            {
              g_assert_false (found);
              return FALSE;
            }
          if (!found && frame.consumed == 0)
            break;
          g_assert_cmpuint (frame.consumed, <=, in->len - start);
          start += frame.consumed;
          scanned = 0;
          if (found)
            {
              g_assert_cmpuint (frame.size, <=, max_size);
              g_ptr_array_add (messages, g_bytes_new (frame.payload, frame.size));
              g_clear_pointer (&frame.bytes, g_bytes_unref);
            }
        }

      if (start > 0)
        g_byte_array_remove_range (in, 0, start);
      scanned = in->len;

      if (in->len > max_size + FUZZ_READ_CHUNK)
        return TRUE;
    }
  return TRUE;
}

/* Feeds @data to @framer in chunks of @chunk bytes (0: all at once). */
static void
fuzz_framer_stream (GsockFramer  *framer,
                    gboolean      reencode,
                    const guint8 *data,
                    gsize         len,
                    gsize         max_size,
                    gsize         chunk)
{
  g_autoptr(GByteArray) in = g_byte_array_new ();
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GPtrArray) cut = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gboolean failed = FALSE;
  gsize fed = 0;

  if (chunk == 0)
    chunk = MAX (len, 1);

  while (fed < len && !failed)
    {
      gsize n = MIN (chunk, len - fed);
      gsize start = 0;

      g_byte_array_append (in, data + fed, n);
      fed += n;

      while (start < in->len)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GBytes) message = NULL;
          gsize consumed = 0;

          message = gsock_framer_decode (framer, in->data + start, in->len - start, max_size,
                                         &consumed, &error);
          if (!fuzz_check_step (framer, reencode, in->data + start, in->len - start, max_size,
                                message, consumed, error))
            {
              failed = TRUE;   /* the connection would be closed with that error */
              break;
            }
          if (message == NULL && consumed == 0)
            break;    /* needs more bytes */
          start += consumed;
          if (message != NULL)
            g_ptr_array_add (messages, g_steal_pointer (&message));
        }

      if (start > 0)
        g_byte_array_remove_range (in, 0, start);

      /* GsockTcpClient gives up here: the framer neither found a message nor failed. */
      if (in->len > max_size + FUZZ_READ_CHUNK)
        break;
    }

  /* The resume hint changes nothing that is cut. */
  g_assert_cmpint (!fuzz_framer_cut_with_hint (framer, data, len, max_size, chunk, cut), ==,
                   failed);
  g_assert_cmpuint (cut->len, ==, messages->len);
  for (guint i = 0; i < cut->len; i++)
    g_assert_true (g_bytes_equal (cut->pdata[i], messages->pdata[i]));
}
