/* gsock-endpoint-delivery-private.h: where an endpoint's received messages go
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-endpoint.h"
#include "gsock-message-view-private.h"

G_BEGIN_DECLS

/* The receiving side of an endpoint, plain data embedded in its private struct: the pending
 * receives (each a GTask with the sources that end it early), the message handler, and the
 * inbox, the bounded queue of messages nothing heard yet. Each message comes as a view; it is
 * handed to the oldest pending receive, else to the message handler and the class's
 * handle_message, then to message-received if anything listens (its signal, marshallers and
 * default class handler live in gsock-endpoint-delivery.c), else kept in the inbox. Who
 * listens to message-received is looked up once per read. Only the endpoint's context
 * touches it. */
typedef struct
{
  GQueue receivers;         /* GTask *, oldest first */
  GQueue inbox;             /* InboxEntry * of messages nobody handled yet, oldest first */
  gsize inbox_bytes;

  GsockMessageHandler handler;
  gpointer handler_data;
  GDestroyNotify handler_destroy;

  guint reads;              /* reads under way (they nest through handlers' main loops) */
  gboolean signal_heard;    /* as looked up when the innermost read began */
  gboolean quiet;           /* neither the signal nor a class handle_message, in that read */
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
/* Drops the handler (and its data), the endpoint's dispose. */
void     _gsock_delivery_clear_handler (GsockDelivery     *self);
/* Around one read of @owner's socket (or of a connection it owns): who listens to
 * message-received is looked up at the start, for every message of the read (unless the
 * caller knows @owner has no handler of any signal). */
void     _gsock_delivery_begin_read   (GsockDelivery      *self,
                                       GsockEndpoint      *owner,
                                       gboolean            may_have_handlers);
void     _gsock_delivery_end_read     (GsockDelivery      *self);
/* The work of _gsock_endpoint_deliver(), once the message is counted. */
gboolean _gsock_delivery_deliver      (GsockDelivery      *self,
                                       GsockEndpoint      *owner,
                                       GsockMessageView   *view,
                                       gboolean            keep_unheard);
/* _gsock_delivery_deliver() for the common message of a read: no receive pending and nothing
 * but the handler (if any) to hear it; inline, as it is most of what a message costs. */
static inline gboolean
_gsock_delivery_deliver_inline (GsockDelivery    *self,
                                GsockEndpoint    *owner,
                                GsockMessageView *view,
                                gboolean          keep_unheard)
{
  if (self->reads > 0 && self->quiet && self->receivers.length == 0 &&
      (self->handler != NULL || !keep_unheard))
    {
      if (self->handler != NULL)
        self->handler (owner, view, self->handler_data);
      return FALSE;
    }
  return _gsock_delivery_deliver (self, owner, view, keep_unheard);
}

/* The message handler and the class's handle_message only; whether there was either. */
gboolean _gsock_delivery_handle       (GsockDelivery      *self,
                                       GsockEndpoint      *owner,
                                       GsockMessageView   *view);

G_END_DECLS
