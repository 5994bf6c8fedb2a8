/* gsock-message-view-private.h: what a message view is, for the message path
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-message-view.h"

G_BEGIN_DECLS

/* On the stack of whoever cut the message, for as long as it is delivered. Nothing in it is
 * owned but the message that gsock_message_view_keep() made, which
 * _gsock_message_view_clear() drops. */
struct _GsockMessageView
{
  GsockEndpoint *endpoint;
  GSocketAddress *sender;
  const guint8 *data;
  gsize size;
  GBytes *bytes;         /* the GBytes data belongs to (a custom framer's), or NULL */
  GsockMessage *message; /* (owned) made when first kept, or NULL */
};

static inline void
_gsock_message_view_init (GsockMessageView *self,
                          GsockEndpoint    *endpoint,
                          GSocketAddress   *sender,
                          const guint8     *data,
                          gsize             size,
                          GBytes           *bytes)
{
  self->endpoint = endpoint;
  self->sender = sender;
  self->data = data;
  self->size = size;
  self->bytes = bytes;
  self->message = NULL;
}

/* The view's message, made on first use (transfer none). */
GsockMessage *_gsock_message_view_get_message (GsockMessageView *self);
void          _gsock_message_view_clear       (GsockMessageView *self);

G_END_DECLS
