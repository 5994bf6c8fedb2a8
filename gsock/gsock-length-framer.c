/* gsock-length-framer.c: messages behind a big-endian length prefix
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-length-framer.h"

#include <string.h>

#include "gsock-error.h"
#include "gsock-framer-private.h"

/**
 * GsockLengthFramer:
 *
 * A framer for messages that follow their length.
 *
 * On the wire each message is preceded by its length in bytes, an unsigned big-endian
 * (network order) integer of [property@Gsock.LengthFramer:prefix-size] bytes: 1, 2, 4 or 8.
 * Any byte value may appear in a message, and empty messages are allowed.
 *
 * A prefix that announces more than the maximum message size fails with
 * `GSOCK_ERROR_MESSAGE_TOO_LARGE` as soon as the prefix has arrived, before anything is
 * allocated for the message; a message too long for the prefix (256 bytes or more with a
 * 1-byte prefix) cannot be sent.
 */

struct _GsockLengthFramer
{
  GsockFramer parent_instance;

  guint prefix_size;
};

enum
{
  PROP_0,
  PROP_PREFIX_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (GsockLengthFramer, gsock_length_framer, GSOCK_TYPE_FRAMER)

#define DEFAULT_PREFIX_SIZE 4

static gboolean
is_valid_prefix_size (guint prefix_size)
{
  return prefix_size == 1 || prefix_size == 2 || prefix_size == 4 || prefix_size == 8;
}

static void
gsock_length_framer_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  GsockLengthFramer *self = GSOCK_LENGTH_FRAMER (object);

  switch (prop_id)
    {
    case PROP_PREFIX_SIZE:
      g_value_set_uint (value, self->prefix_size);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gsock_length_framer_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  GsockLengthFramer *self = GSOCK_LENGTH_FRAMER (object);
  guint prefix_size;

  switch (prop_id)
    {
    case PROP_PREFIX_SIZE:
      /* Construct-only, and the pspec keeps it within 1..8: round 3 up to 4 and 5..7 up to 8,
       * so every length the caller meant to send still fits. */
      prefix_size = g_value_get_uint (value);
      while (!is_valid_prefix_size (prefix_size))
        prefix_size++;
      self->prefix_size = prefix_size;
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* The fast path is called only with a length framer (it registers it for itself), so the
 * casts need no check. */
static gboolean
gsock_length_framer_append (GsockFramer  *framer,
                            const guint8 *payload,
                            gsize         len,
                            gsize         max_size,
                            GByteArray   *out,
                            GError      **error)
{
  GsockLengthFramer *self = (GsockLengthFramer *) framer;
  guint prefix_size = self->prefix_size;
  guint64 length = len;
  /* The prefix has a limit of its own. */
  gboolean fits_prefix = prefix_size == 8 || length >> (8 * prefix_size) == 0;
  guint start = out->len;
  guint8 *wire;

  if (G_UNLIKELY (!fits_prefix || !_gsock_framer_fits (out, len, prefix_size, max_size)))
    {
      if (len > max_size || fits_prefix)
        return _gsock_framer_refuse (out, len, prefix_size, max_size, error);
      g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE,
                   "Message of %" G_GSIZE_FORMAT " bytes is too long for a %u-byte length "
                   "prefix (at most %" G_GUINT64_FORMAT " bytes)",
                   len, prefix_size, (G_GUINT64_CONSTANT (1) << (8 * prefix_size)) - 1);
      return FALSE;
    }

  /* One growth, the prefix written in place, one copy. */
  g_byte_array_set_size (out, start + prefix_size + len);
  wire = out->data + start;
  for (guint i = 0; i < prefix_size; i++)
    wire[prefix_size - 1 - i] = (guint8) (length >> (8 * i));
  if (len > 0)
    memcpy (wire + prefix_size, payload, len); /* an empty payload may have no data at all */
  return TRUE;
}

static gboolean
gsock_length_framer_find (GsockFramer  *framer,
                          const guint8 *data,
                          gsize         len,
                          gsize         max_size,
                          gsize         scanned,
                          GsockFrame   *frame,
                          GError      **error)
{
  /* The prefix says where the frame ends, so there is nothing to resume: @scanned is unused. */
  GsockLengthFramer *self = (GsockLengthFramer *) framer;
  guint64 length = 0;

  if (len < self->prefix_size)
    return FALSE;

  for (guint i = 0; i < self->prefix_size; i++)
    length = (length << 8) | data[i];

  /* Refuse before waiting for (or allocating) the rest: the prefix may claim up to 2^64-1. */
  if (length > (guint64) max_size)
    {
      g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE,
                   "Frame announces a message of %" G_GUINT64_FORMAT " bytes, larger than the "
                   "maximum message size of %" G_GSIZE_FORMAT " bytes",
                   length, max_size);
      return FALSE;
    }

  /* length <= max_size, so it fits in a gsize. */
  if (len - self->prefix_size < length)
    return FALSE;

  frame->payload = data + self->prefix_size;
  frame->size = (gsize) length;
  frame->consumed = self->prefix_size + frame->size;
  return TRUE;
}

static const GsockFramerFastPath length_fast_path = {
  gsock_length_framer_find,
  gsock_length_framer_append,
};

static void
gsock_length_framer_class_init (GsockLengthFramerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GsockFramerClass *framer_class = GSOCK_FRAMER_CLASS (klass);

  object_class->get_property = gsock_length_framer_get_property;
  object_class->set_property = gsock_length_framer_set_property;

  framer_class->encode = _gsock_framer_encode_builtin;
  framer_class->decode = _gsock_framer_decode_builtin;

  /**
   * GsockLengthFramer:prefix-size:
   *
   * The size of the length prefix in bytes: 1, 2, 4 or 8.
   *
   * The other values from 1 to 8 are rounded up to the next valid size (3 gives 4, 5 to 7
   * give 8).
   */
  properties[PROP_PREFIX_SIZE] =
    g_param_spec_uint ("prefix-size", NULL, NULL,
                       1, 8, DEFAULT_PREFIX_SIZE,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_EXPLICIT_NOTIFY
                         | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gsock_length_framer_init (GsockLengthFramer *self)
{
  self->prefix_size = DEFAULT_PREFIX_SIZE;
  _gsock_framer_set_fast_path (GSOCK_FRAMER (self), &length_fast_path);
}

/**
 * gsock_length_framer_new:
 * @prefix_size: the size of the length prefix in bytes: 1, 2, 4 or 8
 *
 * Creates a framer for messages behind a big-endian length prefix of @prefix_size bytes.
 *
 * Returns: (transfer full): a new [class@Gsock.LengthFramer]
 */
GsockFramer *
gsock_length_framer_new (guint prefix_size)
{
  g_return_val_if_fail (is_valid_prefix_size (prefix_size), NULL);

  return g_object_new (GSOCK_TYPE_LENGTH_FRAMER, "prefix-size", prefix_size, NULL);
}

/**
 * gsock_length_framer_get_prefix_size:
 * @self: a length framer
 *
 * Gets the size of the length prefix.
 *
 * Returns: the prefix size in bytes: 1, 2, 4 or 8
 */
guint
gsock_length_framer_get_prefix_size (GsockLengthFramer *self)
{
  g_return_val_if_fail (GSOCK_IS_LENGTH_FRAMER (self), 0);

  return self->prefix_size;
}
