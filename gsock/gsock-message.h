/* gsock-message.h: one received message
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GSOCK_INSIDE) && !defined(GSOCK_COMPILATION)
#error "Only <gsock/gsock.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gsock-endpoint.h"
#include "gsock-version.h"

G_BEGIN_DECLS

#define GSOCK_TYPE_MESSAGE (gsock_message_get_type ())

GSOCK_AVAILABLE_IN_ALL
GType           gsock_message_get_type     (void) G_GNUC_CONST;

GSOCK_AVAILABLE_IN_ALL
GsockMessage   *gsock_message_new          (GsockEndpoint  *endpoint,
                                            GBytes         *bytes,
                                            GSocketAddress *sender) G_GNUC_WARN_UNUSED_RESULT;
GSOCK_AVAILABLE_IN_ALL
GsockMessage   *gsock_message_ref          (GsockMessage *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_message_unref        (GsockMessage *self);

GSOCK_AVAILABLE_IN_ALL
GBytes         *gsock_message_get_bytes    (GsockMessage *self);
GSOCK_AVAILABLE_IN_ALL
const guint8   *gsock_message_get_data     (GsockMessage *self,
                                            gsize        *size);
GSOCK_AVAILABLE_IN_ALL
const char     *gsock_message_get_text     (GsockMessage *self,
                                            GError      **error);
GSOCK_AVAILABLE_IN_ALL
GSocketAddress *gsock_message_get_sender   (GsockMessage *self);
GSOCK_AVAILABLE_IN_ALL
GsockEndpoint  *gsock_message_get_endpoint (GsockMessage *self);

GSOCK_AVAILABLE_IN_ALL
gboolean        gsock_message_reply        (GsockMessage *self,
                                            const char   *text,
                                            GError      **error);
GSOCK_AVAILABLE_IN_ALL
gboolean        gsock_message_reply_bytes  (GsockMessage *self,
                                            GBytes       *payload,
                                            GError      **error);
GSOCK_AVAILABLE_IN_ALL
gboolean        gsock_message_reply_data   (GsockMessage *self,
                                            const guint8 *data,
                                            gsize         size,
                                            GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GsockMessage, gsock_message_unref)

G_END_DECLS
