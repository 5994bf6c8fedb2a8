/* gsock-handler-pool-private.h: message handlers on a pool of threads, per connection in order
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-tcp-client.h"

G_BEGIN_DECLS

/* Runs @owner's message-received handlers on up to n threads: one job per connection with
 * messages waiting, so each connection's messages are handled one at a time and in order.
 * The messages waiting count toward the connection's flow control: its input is held while
 * they pass @high_water_mark bytes, until they are down to @low_water_mark; and its end
 * after the peer's waits for its last job (the answers to come). */
typedef struct _GsockHandlerPool GsockHandlerPool;

GsockHandlerPool *_gsock_handler_pool_new             (GsockEndpoint    *owner,
                                                       guint             n_threads);
void              _gsock_handler_pool_set_max_threads (GsockHandlerPool *self,
                                                       guint             n_threads);
/* From the owner's context: queues @message of @client for a handler thread. */
void              _gsock_handler_pool_push            (GsockHandlerPool *self,
                                                       GsockTcpClient   *client,
                                                       GsockMessage     *message,
                                                       guint64           high_water_mark,
                                                       guint64           low_water_mark);
/* Takes no more jobs and lets the threads go without waiting (this may run on one of them);
 * every job holds a reference on the owner, so none is left when the owner goes. */
void              _gsock_handler_pool_free            (GsockHandlerPool *self);

G_END_DECLS
