/* gsock-endpoint-lifecycle-private.h: opening and closing an endpoint
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-endpoint.h"

G_BEGIN_DECLS

/* What an endpoint's life waits on: an open asked for through :active (run from its main
 * context, so every construct property is set first), and the close_async calls waiting for
 * CLOSED. Plain data embedded in the endpoint's private struct; the functions that move the
 * endpoint through its states for the application live in gsock-endpoint-lifecycle.c. */
typedef struct
{
  GSource *open_source;
  GQueue closers; /* GTask * */
} GsockLifecycle;

void _gsock_lifecycle_init   (GsockLifecycle *self);
/* The endpoint is CLOSED: every close_async completes, with @error when the close lost
 * something (or NULL). */
void _gsock_lifecycle_closed (GsockLifecycle *self,
                              const GError   *error);
/* Dispose: no open any more, and every close_async completes. */
void _gsock_lifecycle_clear  (GsockLifecycle *self);

/* The endpoint's own, embedded in its private struct, and the notification of its :active
 * (defined in gsock-endpoint.c). */
GsockLifecycle *_gsock_endpoint_get_lifecycle (GsockEndpoint *self);
void            _gsock_endpoint_notify_active (GsockEndpoint *self);

G_END_DECLS
