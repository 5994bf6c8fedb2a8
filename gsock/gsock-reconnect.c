/* gsock-reconnect.c: when to try a lost connection again
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-reconnect-private.h"

#include "gsock-endpoint-private.h"

void
_gsock_reconnect_init (GsockReconnect                *self,
                       GsockEndpoint                 *owner,
                       const GsockReconnectCallbacks *callbacks)
{
  self->owner = owner;
  self->callbacks = callbacks;
  self->delay = 100;
  self->max_delay = 30000;
  self->queue_while_reconnecting = TRUE;
}

static guint
next_delay (GsockReconnect *self)
{
  guint64 delay = MAX (self->delay, 1);

  /* Exponential, capped, with "equal jitter": half fixed, half random, so that many clients
   * cut off at once do not all come back at the same instant. */
  for (guint i = 0; i < self->attempts && delay < self->max_delay; i++)
    delay *= 2;
  delay = MIN (delay, MAX (self->max_delay, 1));
  return delay / 2 + g_random_int_range (0, delay / 2 + 1);
}

static gboolean
attempt_cb (gpointer user_data)
{
  GsockReconnect *self = user_data;

  g_clear_pointer (&self->source, g_source_unref);
  self->attempts++;
  self->callbacks->attempts_changed (self->owner);
  self->callbacks->attempt (self->owner);
  return G_SOURCE_REMOVE;
}

/* The network came back: waiting out the backoff would only delay the reconnection. */
static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    GsockReconnect  *self)
{
  if (available && self->source != NULL)
    g_source_set_ready_time (self->source, 0);
}

void
_gsock_reconnect_retry (GsockReconnect *self)
{
  self->active = TRUE;
  if (self->network_changed_id == 0)
    self->network_changed_id = g_signal_connect (g_network_monitor_get_default (),
                                                 "network-changed",
                                                 G_CALLBACK (network_changed_cb), self);
  _gsock_source_clear (&self->source);
  self->source = g_timeout_source_new (next_delay (self));
  g_source_set_callback (self->source, attempt_cb, self, NULL);
  g_source_attach (self->source, _gsock_endpoint_get_context (self->owner));
}

void
_gsock_reconnect_begin (GsockReconnect *self)
{
  self->attempts = 0;
  _gsock_reconnect_retry (self);
}

gboolean
_gsock_reconnect_end (GsockReconnect *self)
{
  gboolean was_active = self->active;

  self->active = FALSE;
  _gsock_source_clear (&self->source);
  if (self->network_changed_id != 0)
    g_clear_signal_handler (&self->network_changed_id, g_network_monitor_get_default ());
  return was_active;
}
