/* gsock-message.c: one received message
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-message-private.h"

#include <string.h>

#include "gsock-encoding-private.h"
#include "gsock-endpoint-private.h"

/**
 * GsockMessage:
 *
 * One message received on a [class@Gsock.Endpoint]: its bytes, who sent it, where it
 * arrived, and a way to answer.
 *
 * A message is a light reference-counted structure, made for every message received, and
 * given to [signal@Gsock.Endpoint::message-received] or returned by
 * [method@Gsock.Endpoint.receive_message]. Its text is decoded from the endpoint's
 * [property@Gsock.Endpoint:encoding] when first asked for; bytes that are not valid text give
 * an error there, while [method@Gsock.Message.get_bytes] still has them.
 *
 * [method@Gsock.Message.reply] answers the sender: for a datagram, a datagram back to its
 * address; for a message that a [class@Gsock.TcpServer] received, a message on that client's
 * connection.
 */
struct _GsockMessage
{
  gatomicrefcount ref_count;
  gint holds;               /* the message's own, and one while a GBytes of inline data lives */
  GsockEndpoint *endpoint;
  GSocketAddress *sender;
  GBytes *bytes;            /* given, or made from inline data when first asked for */
  const guint8 *data;       /* the bytes' data, or data_inline */
  gsize size;
  char *text;               /* decoded on first use; may be data_inline itself */
  gboolean is_inline;       /* whether data is data_inline */
  gboolean heard;           /* a C handler of message-received ran for it */
  guint8 data_inline[];     /* a copy of the data and a NUL, in a message made from data */
};

G_DEFINE_BOXED_TYPE (GsockMessage, gsock_message, gsock_message_ref, gsock_message_unref)

/* The memory of a message made from data may outlive its last reference: it also holds the
 * data of the GBytes that gsock_message_get_bytes() made, which a caller may keep. */
static void
release_hold (gpointer data)
{
  GsockMessage *self = data;

  if (g_atomic_int_dec_and_test (&self->holds))
    g_free (self);
}

static GsockMessage *
message_alloc (GsockEndpoint  *endpoint,
               gsize           inline_size,
               GSocketAddress *sender)
{
  GsockMessage *self = g_malloc (sizeof (GsockMessage) + inline_size);

  g_atomic_ref_count_init (&self->ref_count);
  self->holds = 1;
  self->endpoint = g_object_ref (endpoint);
  self->sender = sender != NULL ? g_object_ref (sender) : NULL;
  self->bytes = NULL;
  self->text = NULL;
  self->is_inline = inline_size > 0;
  self->heard = FALSE;
  return self;
}

/**
 * gsock_message_new:
 * @endpoint: the endpoint the message arrived on
 * @bytes: the message's bytes
 * @sender: (nullable): who sent it
 *
 * Makes a message; endpoints make one for each message they receive, and a custom
 * [class@Gsock.Endpoint] subclass or a test can make its own.
 *
 * Returns: (transfer full): a new message
 */
GsockMessage *
gsock_message_new (GsockEndpoint  *endpoint,
                   GBytes         *bytes,
                   GSocketAddress *sender)
{
  g_return_val_if_fail (GSOCK_IS_ENDPOINT (endpoint), NULL);
  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (sender == NULL || G_IS_SOCKET_ADDRESS (sender), NULL);

  return _gsock_message_new (endpoint, bytes, sender);
}

GsockMessage *
_gsock_message_new (GsockEndpoint  *endpoint,
                    GBytes         *bytes,
                    GSocketAddress *sender)
{
  GsockMessage *self = message_alloc (endpoint, 0, sender);

  self->bytes = g_bytes_ref (bytes);
  self->data = g_bytes_get_data (bytes, &self->size);
  if (self->data == NULL)
    self->data = (const guint8 *) "";
  return self;
}

GsockMessage *
_gsock_message_new_from_data (GsockEndpoint  *endpoint,
                              const guint8   *data,
                              gsize           size,
                              GSocketAddress *sender)
{
  GsockMessage *self = message_alloc (endpoint, size + 1, sender);

  memcpy (self->data_inline, data, size);
  self->data_inline[size] = '\0';
  self->data = self->data_inline;
  self->size = size;
  return self;
}

/**
 * gsock_message_ref:
 * @self: a message
 *
 * Takes a reference on @self.
 *
 * Returns: (transfer full): @self
 */
GsockMessage *
gsock_message_ref (GsockMessage *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * gsock_message_unref:
 * @self: (transfer full): a message
 *
 * Drops a reference on @self, freeing it with the last one.
 */
void
gsock_message_unref (GsockMessage *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_object_unref (self->endpoint);
  g_clear_object (&self->sender);
  if (!self->is_inline || self->text != (char *) self->data_inline)
    g_free (self->text);
  g_clear_pointer (&self->bytes, g_bytes_unref);
  release_hold (self);
}

/**
 * gsock_message_get_bytes:
 * @self: a message
 *
 * Gets the message's bytes as they arrived, without its framing.
 *
 * Returns: (transfer none): the bytes
 */
GBytes *
gsock_message_get_bytes (GsockMessage *self)
{
  GBytes *bytes;

  g_return_val_if_fail (self != NULL, NULL);

  bytes = g_atomic_pointer_get (&self->bytes);
  if (bytes != NULL)
    return bytes;

  /* A message made from data shares it with its GBytes, which holds the memory. */
  g_atomic_int_inc (&self->holds);
  bytes = g_bytes_new_with_free_func (self->data, self->size, release_hold, self);
  if (!g_atomic_pointer_compare_and_exchange (&self->bytes, NULL, bytes))
    {
      g_bytes_unref (bytes);
      bytes = g_atomic_pointer_get (&self->bytes);
    }
  return bytes;
}

/**
 * gsock_message_get_data:
 * @self: a message
 * @size: (out): return location for the number of bytes
 *
 * Gets the message's bytes, as [method@Gsock.Message.get_bytes] does, without making a
 * [struct@GLib.Bytes]: the cheapest way to read a message, valid while @self is.
 *
 * Returns: (transfer none) (array length=size) (element-type guint8): the bytes
 */
const guint8 *
gsock_message_get_data (GsockMessage *self,
                        gsize        *size)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (size != NULL, NULL);

  *size = self->size;
  return self->data;
}

/**
 * gsock_message_get_text:
 * @self: a message
 * @error: return location for an error
 *
 * Gets the message's text, decoded from the endpoint's [property@Gsock.Endpoint:encoding].
 *
 * Returns: (transfer none): the text in UTF-8, or `NULL` with @error set:
 *   `GSOCK_ERROR_INVALID_TEXT` when the bytes are not valid in the encoding (or hold a NUL),
 *   `GSOCK_ERROR_UNKNOWN_ENCODING` when the encoding is unknown
 */
const char *
gsock_message_get_text (GsockMessage *self,
                        GError      **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_atomic_pointer_get (&self->text) == NULL)
    {
      const char *encoding = gsock_endpoint_get_encoding (self->endpoint);
      char *text;

      /* Inline data ends in a NUL, so valid UTF-8 is already the text. */
      if (self->is_inline && _gsock_encoding_is_utf8 (encoding))
        {
          if (!_gsock_encoding_check_utf8 ((const char *) self->data, self->size, error))
            return NULL;
          text = (char *) self->data_inline;
        }
      else
        {
          text = _gsock_encoding_decode (encoding, (const char *) self->data, self->size,
                                         error);
          if (text == NULL)
            return NULL;
        }
      if (!g_atomic_pointer_compare_and_exchange (&self->text, NULL, text) &&
          (!self->is_inline || text != (char *) self->data_inline))
        g_free (text);
    }
  return self->text;
}

/**
 * gsock_message_get_sender:
 * @self: a message
 *
 * Gets the address of the message's sender: the datagram's source, or the remote address of
 * the connection it came on.
 *
 * Returns: (transfer none) (nullable): the sender's address
 */
GSocketAddress *
gsock_message_get_sender (GsockMessage *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->sender;
}

/**
 * gsock_message_get_endpoint:
 * @self: a message
 *
 * Gets the endpoint the message arrived on; for a message a [class@Gsock.TcpServer]
 * received, the [class@Gsock.TcpClient] of that connection.
 *
 * Returns: (transfer none): the endpoint
 */
GsockEndpoint *
gsock_message_get_endpoint (GsockMessage *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->endpoint;
}

/**
 * gsock_message_reply:
 * @self: a message
 * @text: the answer, in UTF-8
 * @error: return location for an error
 *
 * Sends @text back to the message's sender, encoded as its endpoint's text is.
 *
 * Returns: `TRUE` if the answer was accepted, as [method@Gsock.Endpoint.send]
 */
gboolean
gsock_message_reply (GsockMessage *self,
                     const char   *text,
                     GError      **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return gsock_endpoint_send (self->endpoint, text, self->sender, error);
}

/**
 * gsock_message_reply_bytes:
 * @self: a message
 * @payload: the answer's bytes
 * @error: return location for an error
 *
 * Sends @payload back to the message's sender, as is.
 *
 * Returns: `TRUE` if the answer was accepted, as [method@Gsock.Endpoint.send_bytes]
 */
gboolean
gsock_message_reply_bytes (GsockMessage *self,
                           GBytes       *payload,
                           GError      **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return gsock_endpoint_send_bytes (self->endpoint, payload, self->sender, error);
}

/**
 * gsock_message_reply_data:
 * @self: a message
 * @data: (array length=size) (element-type guint8): the answer's bytes
 * @size: the length of @data
 * @error: return location for an error
 *
 * Sends the @size bytes at @data back to the message's sender, as is. Echoing a message
 * with its own [method@Gsock.Message.get_data] is the cheapest answer there is.
 *
 * Returns: `TRUE` if the answer was accepted, as [method@Gsock.Endpoint.send_data]
 */
gboolean
gsock_message_reply_data (GsockMessage *self,
                          const guint8 *data,
                          gsize         size,
                          GError      **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || size == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* The message holds its endpoint, so the endpoint's own checks have nothing to find. */
  return _gsock_endpoint_send_data (self->endpoint, data, size, self->sender, error);
}

void
_gsock_message_set_heard (GsockMessage *self,
                          gboolean      heard)
{
  self->heard = heard;
}

gboolean
_gsock_message_get_heard (GsockMessage *self)
{
  return self->heard;
}
