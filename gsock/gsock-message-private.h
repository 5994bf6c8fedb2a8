/* gsock-message-private.h: making messages inside the library
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-message.h"

G_BEGIN_DECLS

/* gsock_message_new() without its argument checks, for the message path. */
GsockMessage *_gsock_message_new (GsockEndpoint  *endpoint,
                                  GBytes         *bytes,
                                  GSocketAddress *sender);

/* A message holding a copy of @data in its own memory: one allocation, and no GBytes until
 * gsock_message_get_bytes() asks for one (which then shares that memory). */
GsockMessage *_gsock_message_new_from_data (GsockEndpoint  *endpoint,
                                            const guint8   *data,
                                            gsize           size,
                                            GSocketAddress *sender);

/* Whether a C handler of message-received ran for the message; set by the signal's
 * marshallers (see _gsock_endpoint_deliver()). */
void     _gsock_message_set_heard (GsockMessage *self,
                                   gboolean      heard);
gboolean _gsock_message_get_heard (GsockMessage *self);

G_END_DECLS
