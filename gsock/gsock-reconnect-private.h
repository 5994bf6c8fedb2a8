/* gsock-reconnect-private.h: when a GsockTcpClient tries a lost connection again, and its
 * properties that say so
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-tcp-client.h"

G_BEGIN_DECLS

typedef struct
{
  /* The delay is over (or the network came back): the owner tries to open again. */
  void (*attempt) (GsockEndpoint *owner);
} GsockReconnectCallbacks;

/* The reconnection policy of a client: exponential backoff with jitter between attempts, cut
 * short when GNetworkMonitor reports the network back. Plain data embedded in its owner. */
typedef struct
{
  const GsockReconnectCallbacks *callbacks;
  GsockEndpoint *owner; /* not owned: it embeds this */

  /* The settings: the owner's properties, which live in gsock-reconnect.c. */
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

/* GsockTcpClient's reconnect, reconnect-delay, reconnect-max-delay,
 * queue-while-reconnecting and reconnect-attempts: their specs, values and public accessors
 * live in gsock-reconnect.c; the class gives them the ids from @first on. */
#define GSOCK_RECONNECT_N_PROPS 5

void     _gsock_reconnect_install_properties (GObjectClass   *object_class,
                                              guint           first);
/* FALSE when @prop_id is not one of them. */
gboolean _gsock_reconnect_get_property       (GsockReconnect *self,
                                              guint           prop_id,
                                              GValue         *value);
gboolean _gsock_reconnect_set_property       (GsockTcpClient *client,
                                              guint           prop_id,
                                              const GValue   *value);

/* The client's own, embedded in its private struct (defined in gsock-tcp-client.c). */
GsockReconnect *_gsock_tcp_client_get_reconnect (GsockTcpClient *self);

G_END_DECLS
