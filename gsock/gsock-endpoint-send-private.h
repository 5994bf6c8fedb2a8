/* gsock-endpoint-send-private.h: sends from any thread, handed over to the endpoint's own
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-endpoint.h"

G_BEGIN_DECLS

/* Sends made from a thread that cannot run the endpoint's context go to it in an idle source
 * each, in order: while any is on its way, later ones follow it. Plain data embedded in the
 * endpoint's private struct. */
typedef struct
{
  gint pending; /* sends on their way to the owner (atomic) */
} GsockHandover;

/* The endpoint's own, embedded in its private struct (defined in gsock-endpoint.c). */
GsockHandover *_gsock_endpoint_get_handover (GsockEndpoint *self);

/* Whether this is the thread that made the endpoint. */
gboolean       _gsock_endpoint_on_home_thread (GsockEndpoint *self);

/* gsock_endpoint_send_bytes() for a message whose size and arguments are checked already:
 * sent at once from a dispatch of the endpoint's context, or from the thread that made it
 * while no other thread runs the context; handed over to the context otherwise. */
gboolean       _gsock_send_checked          (GsockEndpoint  *self,
                                             GBytes         *payload,
                                             GSocketAddress *target,
                                             GError        **error);

G_END_DECLS
