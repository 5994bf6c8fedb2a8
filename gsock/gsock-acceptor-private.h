/* gsock-acceptor-private.h: a listening socket's accepting, paused while no descriptor is left
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "gsock-endpoint.h"
#include "gsock-watch-private.h"

G_BEGIN_DECLS

/* What an acceptor tells its owner, on the owner's context. */
typedef struct
{
  /* A connection was accepted: @socket is the callee's to keep or close. */
  void (*accepted) (GsockEndpoint *owner,
                    GSocket       *socket);
  /* Accepting failed for another reason than a lack of descriptors (nothing is paused). */
  void (*failed)   (GsockEndpoint *owner,
                    const GError  *error);
  /* No descriptor was left (EMFILE, ENFILE): accepting stops for a while (until a timeout or
   * _gsock_acceptor_resume()), then goes on by itself. @first is TRUE for the first pause
   * since a connection was last accepted, the one worth reporting. */
  void (*paused)   (GsockEndpoint *owner,
                    const GError  *error,
                    gboolean       first);
} GsockAcceptorCallbacks;

/* Plain data embedded in its owner: the listening socket and its readiness (in the context's
 * epoll watch with the connections, else a GLib source), a handler's nested main loop kept
 * from accepting meanwhile, and the pause after running out of descriptors (accepting again
 * at once would fail again at once: the descriptor table is full, and the kernel keeps
 * reporting the waiting connection). Only the owner's context touches it. */
typedef struct
{
  const GsockAcceptorCallbacks *callbacks;
  GsockEndpoint *owner; /* not owned: it embeds the acceptor */
  GMainContext *context;

  GSocket *socket;
  GsockWatch *watch;
  GSource *source;
  GSource *resume_source;
  gboolean accepting;     /* in a dispatch: a nested main loop does not accept meanwhile */
  gboolean deferred;      /* stopped meanwhile, to be restarted after */
  gboolean paused;        /* out of descriptors, waiting to try again */
  gboolean pause_told;    /* the pause since the last accepted connection was reported */
} GsockAcceptor;

void     _gsock_acceptor_init   (GsockAcceptor                *self,
                                 GsockEndpoint                *owner,
                                 const GsockAcceptorCallbacks *callbacks);
/* Accepts on @socket (listening, non-blocking) from @context until stopped. */
void     _gsock_acceptor_start  (GsockAcceptor                *self,
                                 GMainContext                 *context,
                                 GSocket                      *socket);
/* Stops accepting and closes the socket. */
void     _gsock_acceptor_stop   (GsockAcceptor                *self);
/* A descriptor was freed: a paused acceptor tries again now. */
void     _gsock_acceptor_resume (GsockAcceptor                *self);

static inline gboolean
_gsock_acceptor_is_started (GsockAcceptor *self)
{
  return self->socket != NULL;
}

G_END_DECLS
