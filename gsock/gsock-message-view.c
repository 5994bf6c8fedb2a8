/* gsock-message-view.c: a received message where it lies, for the fast message handler
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-message-view-private.h"

#include "gsock-endpoint-private.h"
#include "gsock-message-private.h"

/**
 * GsockMessageView:
 *
 * A message as it lies in the buffer it was read into, given to a
 * [callback@Gsock.MessageHandler] (or a subclass's `handle_message`): the cheapest way to
 * receive, with nothing allocated for a message that is answered or dropped at once.
 *
 * A view is valid only during the call it is given to, on the endpoint's thread: keep
 * nothing of it. [method@Gsock.MessageView.keep] makes a [struct@Gsock.Message] of it for
 * later (a copy of its bytes and a reference on its endpoint and sender); an answer given with
 * [method@Gsock.MessageView.reply_data] goes straight into the answers of the read it came
 * in, which are written together when the read ends.

 */

/**
 * gsock_message_view_get_data:
 * @self: a message view
 * @size: (out): return location for the number of bytes
 *
 * Gets the message's bytes, without its framing. They are valid only during the call the
 * view was given to.
 *
 * Returns: (transfer none) (array length=size) (element-type guint8): the bytes

 */
const guint8 *
gsock_message_view_get_data (GsockMessageView *self,
                             gsize            *size)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (size != NULL, NULL);

  *size = self->size;
  return self->data;
}

/**
 * gsock_message_view_get_sender:
 * @self: a message view
 *
 * Gets who sent the message, as [method@Gsock.Message.get_sender] does.
 *
 * Returns: (transfer none) (nullable): the sender's address

 */
GSocketAddress *
gsock_message_view_get_sender (GsockMessageView *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->sender;
}

/**
 * gsock_message_view_get_endpoint:
 * @self: a message view
 *
 * Gets the endpoint the message arrived on, as [method@Gsock.Message.get_endpoint] does:
 * for a [class@Gsock.TcpServer], the [class@Gsock.TcpClient] of the connection.
 *
 * Returns: (transfer none): the endpoint

 */
GsockEndpoint *
gsock_message_view_get_endpoint (GsockMessageView *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->endpoint;
}

GsockMessage *
_gsock_message_view_get_message (GsockMessageView *self)
{
  if (self->message != NULL)
    return self->message;
  if (self->bytes != NULL)
    self->message = _gsock_message_new (self->endpoint, self->bytes, self->sender);
  else
    self->message = _gsock_message_new_from_data (self->endpoint, self->data, self->size,
                                                  self->sender);
  return self->message;
}

void
_gsock_message_view_clear (GsockMessageView *self)
{
  g_clear_pointer (&self->message, gsock_message_unref);
}

/**
 * gsock_message_view_keep:
 * @self: a message view
 *
 * Makes a message of the view that outlives it: the one way to keep a message that was given
 * as a view. Keeping the same view twice gives the same message.
 *
 * Returns: (transfer full): the message

 */
GsockMessage *
gsock_message_view_keep (GsockMessageView *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return gsock_message_ref (_gsock_message_view_get_message (self));
}

/**
 * gsock_message_view_reply_data:
 * @self: a message view
 * @data: (array length=size) (element-type guint8): the answer's bytes
 * @size: the length of @data
 * @error: return location for an error
 *
 * Sends the @size bytes at @data back to the message's sender, as
 * [method@Gsock.Message.reply_data] does. Echoing a message with its own
 * [method@Gsock.MessageView.get_data] is the cheapest answer there is.
 *
 * Returns: `TRUE` if the answer was accepted, as [method@Gsock.Endpoint.send_data]

 */
gboolean
gsock_message_view_reply_data (GsockMessageView *self,
                               const guint8     *data,
                               gsize             size,
                               GError          **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || size == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return _gsock_endpoint_send_data (self->endpoint, data, size, self->sender, error);
}
