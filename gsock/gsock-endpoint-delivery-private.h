/* gsock-endpoint-delivery-private.h: where an endpoint's received messages go
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-endpoint.h"

G_BEGIN_DECLS

/* The receiving side of an endpoint, plain data embedded in its private struct: the pending
 * receives (each a GTask with the sources that end it early) and the inbox, the bounded queue
 * of messages nothing heard yet. Each message is handed to the oldest pending receive, else
 * to message-received (whose signal, marshallers and default class handler live in
 * gsock-endpoint-delivery.c), else kept in the inbox. Only the endpoint's context touches it. */
typedef struct
{
  GQueue receivers;         /* GTask *, oldest first */
  GQueue inbox;             /* InboxEntry * of messages nobody handled yet, oldest first */
  gsize inbox_bytes;
  gboolean c_handler_hears; /* a C handler heard the last message emitted */
} GsockDelivery;

/* The endpoint's own, embedded in its private struct (defined in gsock-endpoint.c). */
GsockDelivery *_gsock_endpoint_get_delivery (GsockEndpoint *self);

/* From GsockEndpoint's class_init: installs message-received and its default class handler. */
void     _gsock_delivery_class_init   (GsockEndpointClass *klass);
void     _gsock_delivery_init         (GsockDelivery      *self);
/* Fails every pending receive with @error, oldest first. */
void     _gsock_delivery_fail_all     (GsockDelivery      *self,
                                       const GError       *error);
void     _gsock_delivery_drop_inbox   (GsockDelivery      *self);
/* The work of _gsock_endpoint_deliver(), once the message is counted. */
gboolean _gsock_delivery_deliver      (GsockDelivery      *self,
                                       GsockEndpoint      *owner,
                                       GsockMessage       *message,
                                       gboolean            keep_unheard);

G_END_DECLS
