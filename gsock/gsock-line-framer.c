/* gsock-line-framer.c: messages separated by a delimiter
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-line-framer.h"

#include <string.h>

#include "gsock-encoding-private.h"
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
 *
 * Many line protocols (SMTP, IRC, Redis's inline commands) are spoken with either line end:
 * [property@Gsock.LineFramer:any-newline] accepts both and keeps the `"\r"` out of the
 * message, while sends end with the delimiter.
 *
 * The delimiter is text: an endpoint whose [property@Gsock.Endpoint:encoding] writes it
 * otherwise than UTF-8 does (UTF-16, say) looks for and writes it in that encoding, and finds
 * it only at a character's start. A delimiter that is not UTF-8 text is taken as bytes.
 */

struct _GsockLineFramer
{
  GsockFramer parent_instance;

  char *delimiter;       /* as given, UTF-8 text (or bytes) */
  gboolean any_newline;

  /* On the wire, in the encoding of the endpoint (as UTF-8 for the framer itself): */
  GBytes *suffix;        /* what a sent message ends with: the delimiter */
  GBytes *search;        /* what ends a received message: the delimiter, or "\n" */
  GBytes *strip;         /* dropped from the end of a received message if there: "\r", or NULL */
  guint unit;            /* the encoding's code unit: matches count only at its multiples */

  /* The framer derived for another encoding last, shared by the connections that use it. */
  GMutex derived_lock;
  char *derived_encoding;
  GsockFramer *derived;
};

enum
{
  PROP_0,
  PROP_DELIMITER,
  PROP_ANY_NEWLINE,
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

/* The bytes of @bytes, and their length. */
static inline const guint8 *
bytes_of (GBytes *bytes,
          gsize  *len)
{
  if (bytes == NULL)
    {
      *len = 0;
      return NULL;
    }
  return g_bytes_get_data (bytes, len);
}

/* The first match of :search in @data[@from, @limit) at a multiple of the code unit from
 * @data, or NULL. */
static const guint8 *
find_line_end (GsockLineFramer *self,
               const guint8    *data,
               gsize            from,
               gsize            limit)
{
  gsize search_len;
  const guint8 *search = bytes_of (self->search, &search_len);

  while (from < limit)
    {
      const guint8 *found = find_delimiter (data + from, limit - from, search, search_len);

      if (found == NULL || (found - data) % self->unit == 0)
        return found;
      from = (found - data) + 1;
    }
  return NULL;
}

static void
gsock_line_framer_finalize (GObject *object)
{
  GsockLineFramer *self = GSOCK_LINE_FRAMER (object);

  g_clear_pointer (&self->delimiter, g_free);
  g_clear_pointer (&self->suffix, g_bytes_unref);
  g_clear_pointer (&self->search, g_bytes_unref);
  g_clear_pointer (&self->strip, g_bytes_unref);
  g_clear_pointer (&self->derived_encoding, g_free);
  g_clear_object (&self->derived);
  g_mutex_clear (&self->derived_lock);

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

    case PROP_ANY_NEWLINE:
      g_value_set_boolean (value, self->any_newline);
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
    /* Construct-only: set exactly once, so there is nothing to compare or notify. */
    case PROP_DELIMITER:
      delimiter = g_value_get_string (value);
      if (delimiter == NULL || *delimiter == '\0')
        delimiter = DEFAULT_DELIMITER;
      g_free (self->delimiter);
      self->delimiter = g_strdup (delimiter);
      break;

    case PROP_ANY_NEWLINE:
      self->any_newline = g_value_get_boolean (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Sets (or replaces) what is looked for and written, in the encoding whose "\n", "\r" and
 * delimiter are @newline, @carriage_return and @suffix, with code units of @unit bytes; then
 * the fast path that fits them. */
static void
set_wire (GsockLineFramer *self,
          GBytes          *suffix,
          GBytes          *newline,
          GBytes          *carriage_return,
          guint            unit)
{
  gboolean newlines = self->any_newline && (g_str_equal (self->delimiter, "\n") ||
                                            g_str_equal (self->delimiter, "\r\n"));

  g_clear_pointer (&self->suffix, g_bytes_unref);
  g_clear_pointer (&self->search, g_bytes_unref);
  g_clear_pointer (&self->strip, g_bytes_unref);
  self->suffix = g_bytes_ref (suffix);
  self->search = g_bytes_ref (newlines ? newline : suffix);
  self->strip = newlines ? g_bytes_ref (carriage_return) : NULL;
  self->unit = unit;
  _gsock_framer_set_fast_path (GSOCK_FRAMER (self),
                               g_bytes_get_size (self->suffix) == 1 && self->strip == NULL
                                 ? &line_byte_fast_path
                                 : &line_fast_path);
}

static void
gsock_line_framer_constructed (GObject *object)
{
  GsockLineFramer *self = GSOCK_LINE_FRAMER (object);
  g_autoptr(GBytes) suffix = g_bytes_new (self->delimiter, strlen (self->delimiter));
  g_autoptr(GBytes) newline = g_bytes_new_static ("\n", 1);
  g_autoptr(GBytes) carriage_return = g_bytes_new_static ("\r", 1);

  G_OBJECT_CLASS (gsock_line_framer_parent_class)->constructed (object);

  set_wire (self, suffix, newline, carriage_return, 1);
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
  guint8 delimiter = *(const guint8 *) g_bytes_get_data (self->suffix, NULL);
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

/* The most a line's end adds to its message on the wire: what is looked for, and the "\r"
 * dropped before it. */
static inline gsize
line_end_len (GsockLineFramer *self)
{
  return g_bytes_get_size (self->search) + (self->strip != NULL ? g_bytes_get_size (self->strip)
                                                                : 0);
}

/* The longest input that can still hold an acceptable line: max_size bytes and the line end.
 * Searching no further keeps each call bounded however much is buffered. */
static inline gsize
search_limit (gsize len,
              gsize max_size,
              gsize end_len)
{
  if (max_size > G_MAXSIZE - end_len)
    return len;
  return MIN (len, max_size + end_len);
}

static gboolean
too_long (gsize    max_size,
          GError **error)
{
  g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE,
               "Line is longer than the maximum message size of %" G_GSIZE_FORMAT " bytes",
               max_size);
  return FALSE;
}

/* No line end in the first search_limit() bytes: an error if the line is already longer than
 * max_size. With fewer bytes, the line end may still come (perhaps half of it is already
 * here). */
static gboolean
need_more (GsockLineFramer *self,
           gsize            len,
           gsize            max_size,
           GError         **error)
{
  gsize end_len = line_end_len (self);

  if (max_size <= G_MAXSIZE - end_len && len >= max_size + end_len)
    return too_long (max_size, error);
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
    found = memchr (data + scanned, *(const guint8 *) g_bytes_get_data (self->suffix, NULL),
                    limit - scanned);
  if (found == NULL)
    return need_more (self, len, max_size, error);

  frame->payload = data;
  frame->size = found - data;
  frame->consumed = frame->size + 1;
  return TRUE;
}

/* A delimiter may have begun in the last bytes searched but one, so the search resumes that
 * far before @scanned. With any-newline, a "\r" before the "\n" is not part of the line. */
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
  gsize search_len, strip_len;
  const guint8 *strip = bytes_of (self->strip, &strip_len);
  gsize limit = search_limit (len, max_size, line_end_len (self));
  gsize from;
  const guint8 *found;

  g_bytes_get_data (self->search, &search_len);
  from = scanned >= search_len ? scanned - (search_len - 1) : 0;
  found = find_line_end (self, data, from, limit);
  if (found == NULL)
    return need_more (self, len, max_size, error);

  frame->payload = data;
  frame->size = found - data;
  frame->consumed = frame->size + search_len;
  if (strip_len > 0 && frame->size >= strip_len &&
      memcmp (found - strip_len, strip, strip_len) == 0)
    frame->size -= strip_len;
  /* Found within the room for a "\r" that was not there. */
  if (frame->size > max_size)
    return too_long (max_size, error);
  return TRUE;
}

/* The frame is good only if decoding it gives back exactly the payload. Checking the payload
 * alone is not enough for a delimiter whose start repeats its end: with "\n\n", the payload
 * "a\n" goes out as "a\n\n\n" and would come back as "a"; nor with any-newline, where a
 * payload ending in "\r" would lose it. */
static gboolean
gsock_line_framer_append (GsockFramer  *framer,
                          const guint8 *payload,
                          gsize         len,
                          gsize         max_size,
                          GByteArray   *out,
                          GError      **error)
{
  GsockLineFramer *self = (GsockLineFramer *) framer;
  gsize suffix_len;
  const guint8 *suffix = bytes_of (self->suffix, &suffix_len);
  guint start = out->len;
  GsockFrame frame = { 0 };
  gsize wire_len;
  guint8 *wire;

  if (G_UNLIKELY (!_gsock_framer_fits (out, len, suffix_len, max_size)))
    return _gsock_framer_refuse (out, len, suffix_len, max_size, error);

  /* One resize and two copies: appending twice costs a size check and growth each. */
  wire_len = len + suffix_len;
  g_byte_array_set_size (out, start + wire_len);
  wire = out->data + start;
  if (len > 0)
    memcpy (wire, payload, len); /* an empty payload may have no data at all */
  memcpy (wire + len, suffix, suffix_len);

  if (!gsock_line_framer_find (framer, wire, wire_len, G_MAXSIZE, 0, &frame, NULL))
    g_assert_not_reached ();
  if (frame.size == len && frame.consumed == wire_len)
    return TRUE;

  if (frame.consumed <= len)
    g_set_error_literal (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_FRAME,
                         "Message contains the line delimiter");
  else
    g_set_error_literal (error, GSOCK_ERROR, GSOCK_ERROR_INVALID_FRAME,
                         "Message ends with part of the line delimiter, so the line would "
                         "come back cut short");
  g_byte_array_set_size (out, start);
  return FALSE;
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

  object_class->constructed = gsock_line_framer_constructed;
  object_class->finalize = gsock_line_framer_finalize;
  object_class->get_property = gsock_line_framer_get_property;
  object_class->set_property = gsock_line_framer_set_property;

  framer_class->encode = _gsock_framer_encode_builtin;
  framer_class->decode = _gsock_framer_decode_builtin;

  /**
   * GsockLineFramer:delimiter:
   *
   * The text that ends every message, in the endpoint's encoding on the wire.
   *
   * It cannot be empty: `NULL` or `""` gives the default, `"\n"`.
   */
  properties[PROP_DELIMITER] =
    g_param_spec_string ("delimiter", NULL, NULL,
                         DEFAULT_DELIMITER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_EXPLICIT_NOTIFY
                           | G_PARAM_STATIC_STRINGS);

  /**
   * GsockLineFramer:any-newline:
   *
   * Whether a received line may end with either `"\n"` or `"\r\n"`, when the delimiter is one
   * of them; the `"\r"` is not part of the message. Sent messages end with the delimiter, and
   * one that ends with `"\r"` (which would be lost) or holds a `"\n"` is refused.
   *
   * With any other delimiter it changes nothing.
   *
   * Since: 1.2
   */
  properties[PROP_ANY_NEWLINE] =
    g_param_spec_boolean ("any-newline", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_EXPLICIT_NOTIFY
                            | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gsock_line_framer_init (GsockLineFramer *self)
{
  g_mutex_init (&self->derived_lock);
}

/* @text in @encoding, without the byte order mark some encodings ("UTF-16") put first: what
 * encoding it twice adds to encoding it once. NULL if it cannot be encoded. */
static GBytes *
encode_without_bom (const char *encoding,
                    const char *text)
{
  g_autofree char *twice = g_strconcat (text, text, NULL);
  g_autoptr(GBytes) once_encoded = _gsock_encoding_encode (encoding, text, NULL);
  g_autoptr(GBytes) twice_encoded = NULL;
  gsize once_len;

  if (once_encoded == NULL)
    return NULL;
  twice_encoded = _gsock_encoding_encode (encoding, twice, NULL);
  if (twice_encoded == NULL)
    return NULL;
  once_len = g_bytes_get_size (once_encoded);
  if (g_bytes_get_size (twice_encoded) <= once_len)
    return NULL;
  return g_bytes_new_from_bytes (twice_encoded, once_len, g_bytes_get_size (twice_encoded) - once_len);
}

/* A framer that writes and finds @self's delimiter as @encoding writes it, or NULL when that
 * is how UTF-8 writes it too (Latin-1, GBK) or it cannot be written so. */
static GsockFramer *
derive_for_encoding (GsockLineFramer *self,
                     const char      *encoding)
{
  g_autoptr(GBytes) suffix = encode_without_bom (encoding, self->delimiter);
  g_autoptr(GBytes) newline = encode_without_bom (encoding, "\n");
  g_autoptr(GBytes) carriage_return = encode_without_bom (encoding, "\r");
  g_autoptr(GBytes) unit = encode_without_bom (encoding, "a");
  GsockLineFramer *derived;

  if (suffix == NULL || newline == NULL || carriage_return == NULL || unit == NULL ||
      (g_bytes_equal (suffix, self->suffix) && g_bytes_get_size (unit) == 1))
    return NULL;
  derived = g_object_new (GSOCK_TYPE_LINE_FRAMER, "delimiter", self->delimiter,
                          "any-newline", self->any_newline, NULL);
  set_wire (derived, suffix, newline, carriage_return, g_bytes_get_size (unit));
  return GSOCK_FRAMER (derived);
}

GsockFramer *
_gsock_line_framer_for_encoding (GsockFramer *framer,
                                 const char  *encoding)
{
  GsockLineFramer *self;
  GsockFramer *result;

  if (!GSOCK_IS_LINE_FRAMER (framer) || _gsock_encoding_is_utf8 (encoding) ||
      !g_utf8_validate (GSOCK_LINE_FRAMER (framer)->delimiter, -1, NULL))
    return g_object_ref (framer);

  self = GSOCK_LINE_FRAMER (framer);
  g_mutex_lock (&self->derived_lock);
  if (g_strcmp0 (self->derived_encoding, encoding) != 0)
    {
      g_clear_object (&self->derived);
      g_free (self->derived_encoding);
      self->derived_encoding = g_strdup (encoding);
      self->derived = derive_for_encoding (self, encoding);
    }
  result = g_object_ref (self->derived != NULL ? self->derived : framer);
  g_mutex_unlock (&self->derived_lock);
  return result;
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
