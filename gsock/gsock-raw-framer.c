/* gsock-raw-framer.c: every read is a message
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-raw-framer.h"

#include "gsock-error.h"
#include "gsock-framer-private.h"

/**
 * GsockRawFramer:
 *
 * A framer that adds no framing: whatever has been received is a message.
 *
 * Each read from the connection gives one message of what arrived, cut into pieces of at
 * most the maximum message size; a message is sent exactly as it is. TCP keeps no message
 * boundaries, so one message sent may arrive as several and several as one: use this framer
 * for streams that have no messages (a terminal, a byte-oriented device) or whose framing
 * the application does itself.
 */

struct _GsockRawFramer
{
  GsockFramer parent_instance;
};

G_DEFINE_FINAL_TYPE (GsockRawFramer, gsock_raw_framer, GSOCK_TYPE_FRAMER)

static GBytes *
gsock_raw_framer_encode (GsockFramer *framer,
                         GBytes      *payload,
                         gsize        max_size,
                         GError     **error)
{
  /* max_size was checked by gsock_framer_encode(). */
  return g_bytes_ref (payload);
}

static gboolean
gsock_raw_framer_find (GsockFramer  *framer,
                       const guint8 *data,
                       gsize         len,
                       gsize         max_size,
                       gsize         scanned,
                       GsockFrame   *frame,
                       GError      **error)
{
  gsize message_len = MIN (len, max_size);

  if (len == 0)
    return FALSE;

  /* Only with max_size == 0: no byte can ever be delivered, and asking for more would only
   * buffer the stream forever. */
  if (message_len == 0)
    {
      g_set_error_literal (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE,
                           "The maximum message size is 0 bytes, so no data can be received");
      return FALSE;
    }

  frame->payload = data;
  frame->size = message_len;
  frame->consumed = message_len;
  return TRUE;
}

static gboolean
gsock_raw_framer_append (GsockFramer  *framer,
                         const guint8 *payload,
                         gsize         len,
                         gsize         max_size,
                         GByteArray   *out,
                         GError      **error)
{
  if (G_UNLIKELY (!_gsock_framer_fits (out, len, 0, max_size)))
    return _gsock_framer_refuse (out, len, 0, max_size, error);
  g_byte_array_append (out, payload, len);
  return TRUE;
}

static const GsockFramerFastPath raw_fast_path = {
  gsock_raw_framer_find,
  gsock_raw_framer_append,
};

static void
gsock_raw_framer_class_init (GsockRawFramerClass *klass)
{
  GsockFramerClass *framer_class = GSOCK_FRAMER_CLASS (klass);

  framer_class->encode = gsock_raw_framer_encode;
  framer_class->decode = _gsock_framer_decode_builtin;
}

static void
gsock_raw_framer_init (GsockRawFramer *self)
{
  _gsock_framer_set_fast_path (GSOCK_FRAMER (self), &raw_fast_path);
}

/**
 * gsock_raw_framer_new:
 *
 * Creates a framer that passes bytes through as they are.
 *
 * Returns: (transfer full): a new [class@Gsock.RawFramer]
 */
GsockFramer *
gsock_raw_framer_new (void)
{
  return g_object_new (GSOCK_TYPE_RAW_FRAMER, NULL);
}
