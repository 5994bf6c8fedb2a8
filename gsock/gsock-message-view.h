/* gsock-message-view.h: a received message where it lies, for the fast message handler
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

GSOCK_AVAILABLE_IN_ALL
const guint8   *gsock_message_view_get_data     (GsockMessageView *self,
                                                 gsize            *size);
GSOCK_AVAILABLE_IN_ALL
GSocketAddress *gsock_message_view_get_sender   (GsockMessageView *self);
GSOCK_AVAILABLE_IN_ALL
GsockEndpoint  *gsock_message_view_get_endpoint (GsockMessageView *self);
GSOCK_AVAILABLE_IN_ALL
GsockMessage   *gsock_message_view_keep         (GsockMessageView *self) G_GNUC_WARN_UNUSED_RESULT;
GSOCK_AVAILABLE_IN_ALL
gboolean        gsock_message_view_reply_data   (GsockMessageView *self,
                                                 const guint8     *data,
                                                 gsize             size,
                                                 GError          **error);

G_END_DECLS
