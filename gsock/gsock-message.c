/* gsock-message.c: one received message
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-message-private.h"

#include "gsock-encoding-private.h"

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
  GsockEndpoint *endpoint;
  GBytes *bytes;
  GSocketAddress *sender;
  char *text; /* decoded on first use */
};

G_DEFINE_BOXED_TYPE (GsockMessage, gsock_message, gsock_message_ref, gsock_message_unref)

static void
gsock_message_clear (GsockMessage *self)
{
  g_clear_object (&self->endpoint);
  g_clear_pointer (&self->bytes, g_bytes_unref);
  g_clear_object (&self->sender);
  g_clear_pointer (&self->text, g_free);
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
  GsockMessage *self = g_atomic_rc_box_new0 (GsockMessage);

  self->endpoint = g_object_ref (endpoint);
  self->bytes = g_bytes_ref (bytes);
  self->sender = sender != NULL ? g_object_ref (sender) : NULL;
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

  return g_atomic_rc_box_acquire (self);
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

  g_atomic_rc_box_release_full (self, (GDestroyNotify) gsock_message_clear);
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
  g_return_val_if_fail (self != NULL, NULL);

  return self->bytes;
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

  if (self->text == NULL)
    self->text = _gsock_encoding_decode (gsock_endpoint_get_encoding (self->endpoint),
                                         self->bytes, error);
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
