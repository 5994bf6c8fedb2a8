/* gsock-line-framer.c: messages separated by a delimiter
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-line-framer.h"

#include <string.h>

#include "gsock-error.h"
#include "gsock-framer-private.h"
#include "gsock-line-framer-private.h"

/**
 * GsockLineFramer:
 *
 * A framer for messages separated by a delimiter, `"\n"` by default.
 *
 * On the wire each message is followed by [property@Gsock.LineFramer:delimiter]; the
 * delimiter is not part of the message, and an empty line is an empty message. A message
 * that contains the delimiter cannot be sent (`GSOCK_ERROR_INVALID_FRAME`), and a peer that
 * sends more than the maximum message size without a delimiter gets
 * `GSOCK_ERROR_MESSAGE_TOO_LARGE` as soon as the line can no longer fit.
 *
 * For protocols such as SMTP or HTTP headers, use `"\r\n"`:
 *
 * ```c
 * g_autoptr (GsockFramer) framer = gsock_line_framer_new ("\r\n");
 * ```
 */

struct _GsockLineFramer
{
  GsockFramer parent_instance;

  char *delimiter;
  gsize delimiter_len;
};

enum
{
  PROP_0,
  PROP_DELIMITER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (GsockLineFramer, gsock_line_framer, GSOCK_TYPE_FRAMER)

#define DEFAULT_DELIMITER "\n"

/* The fast paths, defined below: the delimiter picks one. */
static const GsockFramerFastPath line_fast_path;
static const GsockFramerFastPath line_byte_fast_path;

/* Returns the first occurrence of @needle in @haystack, or NULL. Does the job of the GNU
 * memmem() without needing _GNU_SOURCE; delimiters are short, so memchr() does the work. */
static const guint8 *
find_delimiter (const guint8 *haystack,
                gsize         haystack_len,
                const guint8 *needle,
                gsize         needle_len)
{
  const guint8 *p = haystack;
  const guint8 *last;

  if (haystack_len < needle_len)
    return NULL;

  last = haystack + (haystack_len - needle_len);
  while (p <= last)
    {
      p = memchr (p, needle[0], last - p + 1);
      if (p == NULL)
        return NULL;
      if (memcmp (p, needle, needle_len) == 0)
        return p;
      p++;
    }

  return NULL;
}

static void
gsock_line_framer_finalize (GObject *object)
{
  GsockLineFramer *self = GSOCK_LINE_FRAMER (object);

  g_clear_pointer (&self->delimiter, g_free);

  G_OBJECT_CLASS (gsock_line_framer_parent_class)->finalize (object);
}

static void
gsock_line_framer_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  GsockLineFramer *self = GSOCK_LINE_FRAMER (object);

  switch (prop_id)
    {
    case PROP_DELIMITER:
      g_value_set_string (value, self->delimiter);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gsock_line_framer_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  GsockLineFramer *self = GSOCK_LINE_FRAMER (object);
  const char *delimiter;

  switch (prop_id)
    {
    case PROP_DELIMITER:
      /* Construct-only: set exactly once, so there is nothing to compare or notify. */
      delimiter = g_value_get_string (value);
      if (delimiter == NULL || *delimiter == '\0')
        delimiter = DEFAULT_DELIMITER;
      g_free (self->delimiter);
      self->delimiter = g_strdup (delimiter);
      self->delimiter_len = strlen (delimiter);
      _gsock_framer_set_fast_path (GSOCK_FRAMER (self), self->delimiter_len == 1
                                                          ? &line_byte_fast_path
                                                          : &line_fast_path);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* The fast paths are called only with a line framer (it registers them for itself), so the
 * casts need no check. There are two: one for a delimiter of one byte (the default "\n"),
 * which memchr() finds alone, and one for any other. */

/* The line must not contain the delimiter, so one memchr() over the payload is the whole test
 * (a one-byte delimiter cannot start at the payload's end and end past it); then one growth of
 * @out and one copy. */
static gboolean
gsock_line_framer_append_byte (GsockFramer  *framer,
                               const guint8 *payload,
                               gsize         len,
                               gsize         max_size,
                               GByteArray   *out,
                               GError      **error)
{
  GsockLineFramer *self = (GsockLineFramer *) framer;
  guint8 delimiter = self->delimiter[0];
  guint start = out->len;

  if (G_UNLIKELY (!_gsock_framer_fits (out, len, 1, max_size)))
    return _gsock_framer_refuse (out, len, 1, max_size, error);
  /* An empty payload may have no data at all. */
  if (len > 0 && memchr (payload, delimiter, len) != NULL)
    {
      g_set_error_literal (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_FRAME,
                           "Message contains the line delimiter");
      return FALSE;
    }

  g_byte_array_set_size (out, start + len + 1);
  if (len > 0)
    memcpy (out->data + start, payload, len);
  out->data[start + len] = delimiter;
  return TRUE;
}

/* The longest input that can still hold an acceptable line: max_size bytes and the delimiter.
 * Searching no further keeps each call bounded however much is buffered. */
static inline gsize
search_limit (gsize len,
              gsize max_size,
              gsize delimiter_len)
{
  if (max_size > G_MAXSIZE - delimiter_len)
    return len;
  return MIN (len, max_size + delimiter_len);
}

/* No delimiter in the first search_limit() bytes: an error if the line is already longer than
 * max_size. With fewer bytes, the delimiter may still come (perhaps half of it is already
 * here). */
static gboolean
need_more (GsockLineFramer *self,
           gsize            len,
           gsize            max_size,
           GError         **error)
{
  if (max_size <= G_MAXSIZE - self->delimiter_len && len >= max_size + self->delimiter_len)
    g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE,
                 "Line is longer than the maximum message size of %" G_GSIZE_FORMAT " bytes",
                 max_size);
  return FALSE;
}

/* Bytes before @scanned were searched already: with one byte, no delimiter is there. */
static gboolean
gsock_line_framer_find_byte (GsockFramer  *framer,
                             const guint8 *data,
                             gsize         len,
                             gsize         max_size,
                             gsize         scanned,
                             GsockFrame   *frame,
                             GError      **error)
{
  GsockLineFramer *self = (GsockLineFramer *) framer;
  gsize limit = search_limit (len, max_size, 1);
  const guint8 *found = NULL;

  if (scanned < limit)
    found = memchr (data + scanned, self->delimiter[0], limit - scanned);
  if (found == NULL)
    return need_more (self, len, max_size, error);

  frame->payload = data;
  frame->size = found - data;
  frame->consumed = frame->size + 1;
  return TRUE;
}

static gboolean
gsock_line_framer_append (GsockFramer  *framer,
                          const guint8 *payload,
                          gsize         len,
                          gsize         max_size,
                          GByteArray   *out,
                          GError      **error)
{
  GsockLineFramer *self = (GsockLineFramer *) framer;
  guint start = out->len;
  gsize wire_len;
  guint8 *wire;
  const guint8 *found;

  if (G_UNLIKELY (!_gsock_framer_fits (out, len, self->delimiter_len, max_size)))
    return _gsock_framer_refuse (out, len, self->delimiter_len, max_size, error);

  /* One resize and two copies: appending twice costs a size check and growth each. */
  wire_len = len + self->delimiter_len;
  g_byte_array_set_size (out, start + wire_len);
  wire = out->data + start;
  if (len > 0)
    memcpy (wire, payload, len); /* an empty payload may have no data at all */
  memcpy (wire + len, self->delimiter, self->delimiter_len);

  /* The frame is good only if decoding finds the delimiter exactly after the payload. Checking
   * the payload alone is not enough for a delimiter whose start repeats its end: with "\n\n",
   * the payload "a\n" goes out as "a\n\n\n" and would come back as "a". */
  found = find_delimiter (wire, wire_len, (const guint8 *) self->delimiter, self->delimiter_len);
  g_assert (found != NULL);
  if ((gsize) (found - wire) == len)
    return TRUE;

  if ((gsize) (found - wire) + self->delimiter_len <= len)
    g_set_error_literal (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_FRAME,
                         "Message contains the line delimiter");
  else
    g_set_error_literal (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_FRAME,
                         "Message ends with the start of the line delimiter, so the line "
                         "would be cut short");
  g_byte_array_set_size (out, start);
  return FALSE;
}

/* A delimiter may have begun in the last delimiter_len - 1 bytes searched, so the search
 * resumes that far before @scanned. */
static gboolean
gsock_line_framer_find (GsockFramer  *framer,
                        const guint8 *data,
                        gsize         len,
                        gsize         max_size,
                        gsize         scanned,
                        GsockFrame   *frame,
                        GError      **error)
{
  GsockLineFramer *self = (GsockLineFramer *) framer;
  gsize limit = search_limit (len, max_size, self->delimiter_len);
  gsize from = scanned >= self->delimiter_len ? scanned - (self->delimiter_len - 1) : 0;
  const guint8 *found = NULL;

  if (from < limit)
    found = find_delimiter (data + from, limit - from,
                            (const guint8 *) self->delimiter, self->delimiter_len);
  if (found == NULL)
    return need_more (self, len, max_size, error);

  frame->payload = data;
  frame->size = found - data;
  frame->consumed = frame->size + self->delimiter_len;
  return TRUE;
}

static const GsockFramerFastPath line_fast_path = {
  gsock_line_framer_find,
  gsock_line_framer_append,
};

static const GsockFramerFastPath line_byte_fast_path = {
  gsock_line_framer_find_byte,
  gsock_line_framer_append_byte,
};

static void
gsock_line_framer_class_init (GsockLineFramerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GsockFramerClass *framer_class = GSOCK_FRAMER_CLASS (klass);

  object_class->finalize = gsock_line_framer_finalize;
  object_class->get_property = gsock_line_framer_get_property;
  object_class->set_property = gsock_line_framer_set_property;

  framer_class->encode = _gsock_framer_encode_builtin;
  framer_class->decode = _gsock_framer_decode_builtin;

  /**
   * GsockLineFramer:delimiter:
   *
   * The bytes that end every message.
   *
   * It cannot be empty: `NULL` or `""` gives the default, `"\n"`.
   */
  properties[PROP_DELIMITER] =
    g_param_spec_string ("delimiter", NULL, NULL,
                         DEFAULT_DELIMITER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_EXPLICIT_NOTIFY
                           | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gsock_line_framer_init (GsockLineFramer *self)
{
  /* Until the delimiter (construct-only, so always set) picks the one that fits it. */
  _gsock_framer_set_fast_path (GSOCK_FRAMER (self), &line_fast_path);
}

GsockFramer *
_gsock_line_framer_get_default (void)
{
  static GsockFramer *framer;

  if (g_once_init_enter (&framer))
    g_once_init_leave (&framer, gsock_line_framer_new (NULL));
  return framer;
}

/**
 * gsock_line_framer_new:
 * @delimiter: (nullable): the bytes that end every message, or `NULL` for `"\n"`
 *
 * Creates a framer for messages that end with @delimiter.
 *
 * Returns: (transfer full): a new [class@Gsock.LineFramer]
 */
GsockFramer *
gsock_line_framer_new (const char *delimiter)
{
  return g_object_new (GSOCK_TYPE_LINE_FRAMER, "delimiter", delimiter, NULL);
}

/**
 * gsock_line_framer_get_delimiter:
 * @self: a line framer
 *
 * Gets the bytes that end every message.
 *
 * Returns: (transfer none): the delimiter; never empty
 */
const char *
gsock_line_framer_get_delimiter (GsockLineFramer *self)
{
  g_return_val_if_fail (GSOCK_IS_LINE_FRAMER (self), NULL);

  return self->delimiter;
}
