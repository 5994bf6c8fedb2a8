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

G_END_DECLS
