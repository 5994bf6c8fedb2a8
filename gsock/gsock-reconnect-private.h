/* gsock-reconnect-private.h: when to try a lost connection again
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-endpoint.h"

G_BEGIN_DECLS

typedef struct
{
  /* The delay is over (or the network came back): the owner tries to open again. */
  void (*attempt)          (GsockEndpoint *owner);
  /* attempts changed. */
  void (*attempts_changed) (GsockEndpoint *owner);
} GsockReconnectCallbacks;

/* The reconnection policy of a client: exponential backoff with jitter between attempts, cut
 * short when GNetworkMonitor reports the network back. Plain data embedded in its owner. */
typedef struct
{
  const GsockReconnectCallbacks *callbacks;
  GsockEndpoint *owner; /* not owned: it embeds this */

  /* The settings, the owner's properties. */
  gboolean enabled;
  gboolean queue_while_reconnecting;
  guint delay;     /* ms before the first attempt */
  guint max_delay; /* ms, the longest between two */

  gboolean active; /* a lost connection is being got back */
  guint attempts;  /* since it was lost */
  GSource *source; /* the next attempt */
  gulong network_changed_id;
} GsockReconnect;

void     _gsock_reconnect_init  (GsockReconnect                *self,
                                 GsockEndpoint                 *owner,
                                 const GsockReconnectCallbacks *callbacks);
/* The connection was lost: the first attempt after the first delay. */
void     _gsock_reconnect_begin (GsockReconnect                *self);
/* An attempt failed: the next one after a longer delay. */
void     _gsock_reconnect_retry (GsockReconnect                *self);
/* Connected again, or given up: no more attempts. Returns whether it was active. */
gboolean _gsock_reconnect_end   (GsockReconnect                *self);

G_END_DECLS
