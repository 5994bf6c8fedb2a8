/* gsock-framer.c: cuts byte streams into messages
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-framer.h"

#include "gsock-error.h"
#include "gsock-framer-private.h"

/**
 * GsockFramer:
 *
 * Cuts a byte stream into messages, and turns messages into bytes for the wire.
 *
 * A TCP connection carries a stream of bytes, not messages, so every stream endpoint has a
 * framer that decides where one message ends and the next begins. gsock ships three:
 *
 * - [class@Gsock.LineFramer]: messages separated by a delimiter (`"\n"` by default);
 * - [class@Gsock.LengthFramer]: each message behind a big-endian length prefix;
 * - [class@Gsock.RawFramer]: whatever one read returns is a message.
 *
 * Framers are stateless: [method@Gsock.Framer.decode] is given everything buffered so far and
 * cuts the first message out of it, so one framer object can be shared by a server and all of
 * its clients.
 *
 * ## Writing your own framer
 *
 * Subclass `GsockFramer` and implement both virtual methods. Your implementations are only
 * called through [method@Gsock.Framer.encode] and [method@Gsock.Framer.decode], which check
 * what they return: a decoder that claims more bytes than it was given, or returns a message
 * larger than `max_size`, makes the call fail with an error instead of corrupting the stream.
 * The wrappers also refuse a payload larger than `max_size` before `encode` is called.
 *
 * This framer reads messages whose first byte is their length:
 *
 * ```c
 * G_DECLARE_FINAL_TYPE (MyByteFramer, my_byte_framer, MY, BYTE_FRAMER, GsockFramer)
 *
 * struct _MyByteFramer
 * {
 *   GsockFramer parent_instance;
 * };
 *
 * G_DEFINE_FINAL_TYPE (MyByteFramer, my_byte_framer, GSOCK_TYPE_FRAMER)
 *
 * static GBytes *
 * my_byte_framer_encode (GsockFramer  *framer,
 *                        GBytes       *payload,
 *                        gsize         max_size,
 *                        GError      **error)
 * {
 *   gsize len = g_bytes_get_size (payload);
 *   guint8 *wire;
 *
 *   if (len > G_MAXUINT8)
 *     {
 *       g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE,
 *                    "A message of %" G_GSIZE_FORMAT " bytes does not fit in one byte", len);
 *       return NULL;
 *     }
 *
 *   wire = g_malloc (len + 1);
 *   wire[0] = len;
 *   memcpy (wire + 1, g_bytes_get_data (payload, NULL), len);
 *   return g_bytes_new_take (wire, len + 1);
 * }
 *
 * static GBytes *
 * my_byte_framer_decode (GsockFramer   *framer,
 *                        const guint8  *data,
 *                        gsize          len,
 *                        gsize          max_size,
 *                        gsize         *consumed,
 *                        GError       **error)
 * {
 *   if (len < 1)
 *     return NULL;  // need more bytes: leave *consumed at 0
 *
 *   // Refuse an oversize frame as soon as its length is known.
 *   if (data[0] > max_size)
 *     {
 *       g_set_error_literal (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE,
 *                            "Message too large");
 *       return NULL;
 *     }
 *
 *   if (len < 1 + (gsize) data[0])
 *     return NULL;
 *
 *   *consumed = 1 + data[0];
 *   return g_bytes_new (data + 1, data[0]);
 * }
 *
 * static void
 * my_byte_framer_class_init (MyByteFramerClass *klass)
 * {
 *   GsockFramerClass *framer_class = GSOCK_FRAMER_CLASS (klass);
 *
 *   framer_class->encode = my_byte_framer_encode;
 *   framer_class->decode = my_byte_framer_decode;
 * }
 *
 * static void
 * my_byte_framer_init (MyByteFramer *self)
 * {
 * }
 * ```
 *
 * A C framer may implement `decode_bytes` instead of `decode`
 * ([method@Gsock.Framer.decode_bytes]: the input in a [struct@GLib.Bytes]); the base class's
 * `decode` calls it.
 *
 * ## From Python and JavaScript
 *
 * Override `encode` and `decode_bytes`: in Python `do_encode (payload, max_size)` returns a
 * `GLib.Bytes` and `do_decode_bytes (data, max_size)` returns `(True, message, consumed)`,
 * with `message` `None` when more bytes are needed; in GJS `vfunc_encode (payload, maxSize)`
 * and `vfunc_decode_bytes (data, maxSize)`, which returns `[true, message, consumed]`. An
 * exception closes the connection: a `GLib.Error` raised (in GJS, anything thrown) becomes
 * the reason [signal@Gsock.TcpClient::disconnected] carries; any other Python exception,
 * which PyGObject only prints, a `GSOCK_ERROR_FAILED` that says so. The tours
 * ([A tour in Python](python-tour.html), [A tour in JavaScript](js-tour.html)) have a
 * complete netstring framer in each language.
 *
 * `decode` works from the bindings too (PyGObject 3.42 calls `do_decode (data, len,
 * max_size)`, GJS `vfunc_decode (data, maxSize)`, and both return `(message, consumed)`), but
 * a Python exception other than `GLib.Error` there is taken for "more bytes needed".
 */

typedef struct
{
  /* Set by the built-in framers in their init; NULL for any other framer. Looked up once per
   * message, so it is a field of the instance, not qdata of the type. */
  const GsockFramerFastPath *fast_path;
} GsockFramerPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (GsockFramer, gsock_framer, G_TYPE_OBJECT)

static GBytes *gsock_framer_real_decode (GsockFramer  *self,
                                         const guint8 *data,
                                         gsize         len,
                                         gsize         max_size,
                                         gsize        *consumed,
                                         GError      **error);

static void
gsock_framer_class_init (GsockFramerClass *klass)
{
  klass->decode = gsock_framer_real_decode;
}

static void
gsock_framer_init (GsockFramer *self)
{
}

void
_gsock_framer_set_fast_path (GsockFramer               *self,
                             const GsockFramerFastPath *fast_path)
{
  GsockFramerPrivate *priv = gsock_framer_get_instance_private (self);

  priv->fast_path = fast_path;
}

static gboolean
check_payload_size (gsize    payload_len,
                    gsize    max_size,
                    GError **error)
{
  if (payload_len <= max_size)
    return TRUE;
  g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE,
               "Message of %" G_GSIZE_FORMAT " bytes is larger than the maximum message "
               "size of %" G_GSIZE_FORMAT " bytes",
               payload_len, max_size);
  return FALSE;
}

/**
 * gsock_framer_encode: (virtual encode)
 * @self: a framer
 * @payload: the message to send
 * @max_size: the largest payload allowed, in bytes
 * @error: return location for an error
 *
 * Turns one message into the bytes that go on the wire.
 *
 * A payload larger than @max_size fails with `GSOCK_ERROR_MESSAGE_TOO_LARGE` before the
 * framer sees it. Framers fail with `GSOCK_ERROR_MESSAGE_TOO_LARGE` for a payload their
 * framing cannot carry (too long for a [class@Gsock.LengthFramer]'s prefix), and with
 * `GSOCK_ERROR_INVALID_FRAME` for one it cannot represent (a line that contains the
 * [class@Gsock.LineFramer]'s delimiter). A class that does not implement `encode` fails with
 * `G_IO_ERROR_NOT_SUPPORTED`.
 *
 * Returns: (transfer full): the wire bytes, or `NULL` with @error set
 */
GBytes *
gsock_framer_encode (GsockFramer *self,
                     GBytes      *payload,
                     gsize        max_size,
                     GError     **error)
{
  GsockFramerClass *klass;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GBytes) wire = NULL;

  g_return_val_if_fail (GSOCK_IS_FRAMER (self), NULL);
  g_return_val_if_fail (payload != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  klass = GSOCK_FRAMER_GET_CLASS (self);
  if (klass->encode == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "%s does not implement encode()", G_OBJECT_TYPE_NAME (self));
      return NULL;
    }

  if (!check_payload_size (g_bytes_get_size (payload), max_size, error))
    return NULL;

  wire = klass->encode (self, payload, max_size, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (wire == NULL)
    {
      g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_FAILED,
                   "%s.encode() returned neither bytes nor an error: from Python, an exception "
                   "other than GLib.Error (PyGObject prints it on stderr)",
                   G_OBJECT_TYPE_NAME (self));
      return NULL;
    }

  return g_steal_pointer (&wire);
}

/* _gsock_framer_append() for a framer without a fast path: its encode() takes a GBytes. Kept
 * out of line, so that its cleanups do not cost the fast path a stack frame. */
G_NO_INLINE static gboolean
append_encoded (GsockFramer  *self,
                const guint8 *data,
                gsize         len,
                GBytes       *payload,
                gsize         max_size,
                GByteArray   *out,
                GError      **error)
{
  g_autoptr (GBytes) own_payload = NULL;
  g_autoptr (GBytes) wire = NULL;

  if (payload == NULL)
    payload = own_payload = g_bytes_new (data, len);
  wire = gsock_framer_encode (self, payload, max_size, error);
  if (wire == NULL)
    return FALSE;
  data = g_bytes_get_data (wire, &len);
  if (!_gsock_framer_check_room (out, len, error))
    return FALSE;
  g_byte_array_append (out, data, len);
  return TRUE;
}

gboolean
_gsock_framer_append (GsockFramer  *self,
                      const guint8 *data,
                      gsize         len,
                      GBytes       *payload,
                      gsize         max_size,
                      GByteArray   *out,
                      GError      **error)
{
  GsockFramerPrivate *priv = gsock_framer_get_instance_private (self);
  const GsockFramerFastPath *fast_path = priv->fast_path;

  /* Only final classes register one, so their encode() is the fast path's own; it checks
   * max_size itself, in the same test as the room in @out. Nothing to clean up here, so the
   * call is the function's last jump. */
  if (fast_path != NULL)
    return fast_path->append (self, data, len, max_size, out, error);
  return append_encoded (self, data, len, payload, max_size, out, error);
}

gboolean
_gsock_framer_check_room (GByteArray *out,
                          gsize       len,
                          GError    **error)
{
  if (len <= G_MAXUINT - out->len)
    return TRUE;
  g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE,
               "A frame of %" G_GSIZE_FORMAT " bytes is more than one buffer can hold", len);
  return FALSE;
}

gboolean
_gsock_framer_refuse (GByteArray *out,
                      gsize       len,
                      gsize       overhead,
                      gsize       max_size,
                      GError    **error)
{
  if (!check_payload_size (len, max_size, error))
    return FALSE;
  /* len + overhead would overflow only past G_MAXUINT, which the room refuses as well. */
  return _gsock_framer_check_room (out, len <= G_MAXSIZE - overhead ? len + overhead : G_MAXSIZE,
                                   error);
}

gboolean
_gsock_framer_cut (GsockFramer  *self,
                   const guint8 *data,
                   gsize         len,
                   gsize         max_size,
                   gsize         scanned,
                   GsockFrame   *frame,
                   GError      **error)
{
  GsockFramerPrivate *priv = gsock_framer_get_instance_private (self);
  const GsockFramerFastPath *fast_path = priv->fast_path;

  frame->consumed = 0;
  frame->bytes = NULL;
  if (fast_path != NULL)
    return fast_path->find (self, data, len, max_size, MIN (scanned, len), frame, error);

  frame->bytes = gsock_framer_decode (self, data, len, max_size, &frame->consumed, error);
  if (frame->bytes == NULL)
    return FALSE;
  frame->payload = g_bytes_get_data (frame->bytes, &frame->size);
  return TRUE;
}

GBytes *
_gsock_framer_encode_builtin (GsockFramer *self,
                              GBytes      *payload,
                              gsize        max_size,
                              GError     **error)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (payload, &len);
  /* Room for the payload and a prefix or delimiter; _gsock_framer_append() checks the rest. */
  g_autoptr(GByteArray) wire = g_byte_array_sized_new (len <= G_MAXUINT - 16 ? len + 16 : 0);

  if (!_gsock_framer_append (self, data, len, payload, max_size, wire, error))
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&wire));
}

GBytes *
_gsock_framer_decode_builtin (GsockFramer  *self,
                              const guint8 *data,
                              gsize         len,
                              gsize         max_size,
                              gsize        *consumed,
                              GError      **error)
{
  GsockFrame frame;

  if (!_gsock_framer_cut (self, data, len, max_size, 0, &frame, error))
    return NULL;
  *consumed = frame.consumed;
  return g_bytes_new (frame.payload, frame.size);
}

/* The base's decode(): the subclass's decode_bytes(), given a copy of @data (it may keep its
 * input, as a message cut out of it with g_bytes_new_from_bytes() does, and @data is a
 * connection's read buffer, reused by the next read). */
static GBytes *
gsock_framer_real_decode (GsockFramer  *self,
                          const guint8 *data,
                          gsize         len,
                          gsize         max_size,
                          gsize        *consumed,
                          GError      **error)
{
  GsockFramerClass *klass = GSOCK_FRAMER_GET_CLASS (self);
  g_autoptr (GBytes) input = NULL;
  g_autoptr (GBytes) message = NULL;
  g_autoptr (GError) local_error = NULL;
  gboolean ok;

  if (klass->decode_bytes == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "%s implements neither decode() nor decode_bytes()", G_OBJECT_TYPE_NAME (self));
      return NULL;
    }

  input = g_bytes_new (data, len);
  ok = klass->decode_bytes (self, input, max_size, &message, consumed, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!ok)
    {
      /* What a binding returns for a vfunc that raised an exception it cannot turn into a
       * GError: PyGObject does so for anything but a GLib.Error, after printing it. */
      g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_FAILED,
                   "%s.decode_bytes() failed without an error: from Python, an exception "
                   "other than GLib.Error (PyGObject prints it on stderr)",
                   G_OBJECT_TYPE_NAME (self));
      return NULL;
    }
  return g_steal_pointer (&message);
}

/**
 * gsock_framer_decode: (virtual decode)
 * @self: a framer
 * @data: (array length=len): the bytes received and not yet consumed
 * @len: the length of @data
 * @max_size: the largest message allowed, in bytes
 * @consumed: (out): return location for the number of bytes of @data used
 * @error: return location for an error
 *
 * Cuts the first complete message out of buffered input.
 *
 * There are four outcomes:
 *
 * - a message: it is returned and @consumed is set to the number of bytes it took from
 *   @data, delimiter or prefix included; call again with the rest;
 * - more bytes needed: `NULL` is returned, @consumed is 0 and @error is not set;
 * - bytes skipped: `NULL` is returned, @consumed is greater than 0 and @error is not set
 *   (a framer may drop bytes that carry no message); call again with the rest;
 * - the stream cannot be parsed: `NULL` is returned with @error set, and @consumed is 0.
 *   A frame that claims or grows past @max_size fails with `GSOCK_ERROR_MESSAGE_TOO_LARGE`
 *   as soon as that is known, before anything of the claimed size is allocated.
 *
 * This wrapper checks what the framer returns: a framer that consumes more than @len bytes,
 * returns a message without consuming anything, or returns a message larger than @max_size
 * makes the call fail (with `GSOCK_ERROR_FAILED`, or `GSOCK_ERROR_MESSAGE_TOO_LARGE` for
 * the size), so a buggy custom framer gives an error rather than a crash. A class that does
 * not implement `decode` fails with `G_IO_ERROR_NOT_SUPPORTED`.
 *
 * Returns: (transfer full) (nullable): the first message, or `NULL`
 */
GBytes *
gsock_framer_decode (GsockFramer  *self,
                     const guint8 *data,
                     gsize         len,
                     gsize         max_size,
                     gsize        *consumed,
                     GError      **error)
{
  GsockFramerClass *klass;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GBytes) message = NULL;
  const char *vfunc;
  gsize used = 0;

  g_return_val_if_fail (GSOCK_IS_FRAMER (self), NULL);
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (consumed != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  *consumed = 0;

  klass = GSOCK_FRAMER_GET_CLASS (self);
  if (klass->decode == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "%s does not implement decode()", G_OBJECT_TYPE_NAME (self));
      return NULL;
    }

  /* Only for the messages: which of the two the subclass wrote. */
  vfunc = klass->decode == gsock_framer_real_decode ? "decode_bytes" : "decode";
  message = klass->decode (self, data, len, max_size, &used, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (used > len)
    {
      g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_FAILED,
                   "%s.%s() consumed %" G_GSIZE_FORMAT " bytes but was given only %"
                   G_GSIZE_FORMAT,
                   G_OBJECT_TYPE_NAME (self), vfunc, used, len);
      return NULL;
    }
  if (message != NULL && used == 0)
    {
      /* The caller would get the same message again forever. */
      g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_FAILED,
                   "%s.%s() returned a message without consuming any bytes",
                   G_OBJECT_TYPE_NAME (self), vfunc);
      return NULL;
    }
  if (message != NULL && g_bytes_get_size (message) > max_size)
    {
      g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE,
                   "%s.%s() returned a message of %" G_GSIZE_FORMAT " bytes, larger than "
                   "the maximum message size of %" G_GSIZE_FORMAT " bytes",
                   G_OBJECT_TYPE_NAME (self), vfunc, g_bytes_get_size (message), max_size);
      return NULL;
    }

  *consumed = used;
  return g_steal_pointer (&message);
}

/**
 * gsock_framer_decode_bytes: (virtual decode_bytes)
 * @self: a framer
 * @input: the bytes received and not yet consumed
 * @max_size: the largest message allowed, in bytes
 * @message: (out) (transfer full) (nullable): return location for the first message, or
 *   `NULL` when @input holds none
 * @consumed: (out): return location for the number of bytes of @input used
 * @error: return location for an error
 *
 * Cuts the first complete message out of buffered input held in a [struct@GLib.Bytes].
 *
 * This is [method@Gsock.Framer.decode] for input in a [struct@GLib.Bytes], with the same
 * four outcomes and the same checks, and a result that tells success from failure. It
 * returns `TRUE` for a message (in @message, with the bytes it took in @consumed), for more
 * bytes needed (@message `NULL`, @consumed 0) and for bytes skipped (@message `NULL`,
 * @consumed greater than 0); `FALSE` with @error set when the stream cannot be parsed.
 *
 * `decode_bytes` is the virtual method to implement from Python and JavaScript:
 *
 * - its result is `TRUE` in every outcome but a failure, so a binding that turns an
 *   exception it cannot convert into a zeroed result (PyGObject does, for anything but a
 *   `GLib.Error`) fails the call: a connection then closes with
 *   `GSOCK_ERROR_FAILED` instead of waiting for ever for bytes that do not help. Raise a
 *   `GLib.Error` (in JavaScript, throw anything) to choose the error yourself;
 * - the input is one [struct@GLib.Bytes], which PyGObject and GJS pass as they are, where
 *   `decode`'s pointer and length become an array and, in some versions, a length argument.
 *
 * The base class's `decode` calls `decode_bytes`, with a copy of the buffered input (so an
 * implementation may keep @input, or return a message made with
 * g_bytes_new_from_bytes()); a class that overrides `decode` never has its `decode_bytes`
 * called. Both must frame the same way.
 *
 * From Python:
 *
 * ```python
 * def do_decode_bytes(self, data, max_size):
 *     return True, message_or_none, consumed
 * ```
 *
 * and from GJS, `vfunc_decode_bytes(data, maxSize)` returns `[true, messageOrNull, consumed]`.
 *
 * Returns: `TRUE` unless @error is set
 *
 * Since: 1.2
 */
gboolean
gsock_framer_decode_bytes (GsockFramer  *self,
                           GBytes       *input,
                           gsize         max_size,
                           GBytes      **message,
                           gsize        *consumed,
                           GError      **error)
{
  g_autoptr (GBytes) found = NULL;
  g_autoptr (GError) local_error = NULL;
  const guint8 *data;
  gsize len;
  gsize used = 0;

  g_return_val_if_fail (GSOCK_IS_FRAMER (self), FALSE);
  g_return_val_if_fail (input != NULL, FALSE);
  g_return_val_if_fail (message != NULL, FALSE);
  g_return_val_if_fail (consumed != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *message = NULL;
  *consumed = 0;

  data = g_bytes_get_data (input, &len);
  found = gsock_framer_decode (self, data, len, max_size, &used, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  *message = g_steal_pointer (&found);
  *consumed = used;
  return TRUE;
}
