/* gsock-tcp-client-private.h: how an owner (a server) makes and drives its connections
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-message-view.h"
#include "gsock-tcp-client.h"
#include "gsock-tcp-options-private.h"

G_BEGIN_DECLS

/* What an accepted connection tells its owner, on the owner's context. @owner is the
 * endpoint given to _gsock_tcp_client_new_accepted(). */
typedef struct
{
  /* A message none of the client's own receives took (its own handlers have seen it). */
  void (*deliver) (GsockEndpoint    *owner,
                   GsockTcpClient   *client,
                   GsockMessageView *view);
  /* The connection ended, after the client's disconnected signal. */
  void (*gone)    (GsockEndpoint  *owner,
                   GsockTcpClient *client,
                   const GError   *reason);
} GsockTcpClientOwner;

/* The settings an owner hands each connection it accepts. */
typedef struct
{
  GsockFramer *framer;
  GSocketAddress *local_address; /* the address accepted on, if known without asking, or NULL */
  guint idle_timeout;
  guint drain_timeout;
  guint64 max_queued_bytes;
  guint64 high_water_mark;
  guint64 low_water_mark;
  GsockTcpOptions options;
} GsockTcpClientSettings;

/* A connection accepted by @owner_endpoint (not owned: it calls
 * _gsock_tcp_client_forget_owner() before it goes), with the endpoint settings of
 * @owner_endpoint (encoding, limits) and @settings. */
GsockTcpClient *_gsock_tcp_client_new_accepted (GsockEndpoint                *owner_endpoint,
                                                const GsockTcpClientOwner    *owner,
                                                const GsockTcpClientSettings *settings,
                                                GIOStream                    *stream);
void            _gsock_tcp_client_forget_owner (GsockTcpClient *self);
/* Holds or releases the connection's input (see _gsock_stream_hold_input()). */
void            _gsock_tcp_client_hold_input   (GsockTcpClient *self,
                                                gboolean        hold);
/* Holds or releases its end after the peer's (see _gsock_stream_hold_answers()). */
void            _gsock_tcp_client_hold_answers (GsockTcpClient *self,
                                                gboolean        hold);

G_END_DECLS
