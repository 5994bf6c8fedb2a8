/* gsock-watch-private.h: many descriptors watched by one epoll source per main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* GLib's main loop polls every source's descriptors on every iteration, so its cost grows with
 * the number of connections. A GsockWatch registers a descriptor with one epoll instance per
 * GMainContext instead, itself a single GSource of that context: the kernel keeps the
 * readiness bookkeeping and only ready descriptors are visited. Callbacks run on the context
 * like any other source's. Level-triggered, like GLib's own sources. */
typedef struct _GsockWatch GsockWatch;

typedef void (*GsockWatchFunc) (GIOCondition condition,
                                gpointer     user_data);

GsockWatch *_gsock_watch_new        (GMainContext   *context,
                                     int             fd,
                                     GsockWatchFunc  func,
                                     gpointer        user_data);
void        _gsock_watch_set_events (GsockWatch     *watch,
                                     GIOCondition    events);
void        _gsock_watch_free       (GsockWatch     *watch);

G_END_DECLS
