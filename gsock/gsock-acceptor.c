/* gsock-acceptor.c: a listening socket's accepting, paused while no descriptor is left
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-acceptor-private.h"

#include "gsock-endpoint-private.h"

/* Connections accepted in one dispatch before other sources get their turn. Many: in a storm
 * of connections, a full accept queue makes the kernel drop SYNs, which the peers resend only
 * a second later, while reading the connections already accepted can wait (bench/: with 64,
 * half the 10,000-connection storms took 1.3 s rather than 0.5 s). */
#define MAX_ACCEPTS_PER_DISPATCH 1024
/* How long accepting stops once no descriptor is left, unless one is freed sooner. */
#define PAUSE_MS 100

static void
watch_socket (GsockAcceptor *self,
              gboolean       on)
{
  if (self->watch != NULL)
    _gsock_watch_set_events (self->watch, on ? G_IO_IN : 0);
}

static gboolean accept_cb (GSocket      *listener,
                           GIOCondition  condition,
                           gpointer      user_data);

static void
accept_ready_cb (GIOCondition condition,
                 gpointer     user_data)
{
  GsockAcceptor *self = user_data;

  accept_cb (self->socket, condition, self);
}

/* Watches the socket: in the epoll watch where the system allows one, else a GLib source
 * (which, not recursing, never needs deferring). */
static void
start_watching (GsockAcceptor *self)
{
  if (self->watch == NULL && self->source == NULL)
    self->watch = _gsock_watch_new (self->context, g_socket_get_fd (self->socket),
                                    accept_ready_cb, self);
  if (self->watch != NULL)
    {
      watch_socket (self, TRUE);
      return;
    }
  if (self->source != NULL)
    return;
  self->source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_callback (self->source, G_SOURCE_FUNC (accept_cb), self, NULL);
  g_source_attach (self->source, self->context);
}

static void
stop_watching (GsockAcceptor *self)
{
  watch_socket (self, FALSE);
  _gsock_source_clear (&self->source);
}

static gboolean
resume_cb (gpointer user_data)
{
  _gsock_acceptor_resume (user_data);
  return G_SOURCE_REMOVE;
}

static void
pause_accepting (GsockAcceptor *self,
                 const GError  *error)
{
  gboolean first = !self->pause_told;

  self->paused = TRUE;
  self->pause_told = TRUE;
  stop_watching (self);
  self->resume_source = g_timeout_source_new (PAUSE_MS);
  g_source_set_callback (self->resume_source, resume_cb, self, NULL);
  g_source_attach (self->resume_source, self->context);
  self->callbacks->paused (self->owner, error, first);
}

static gboolean
accept_cb (GSocket      *listener,
           GIOCondition  condition,
           gpointer      user_data)
{
  GsockAcceptor *self = user_data;
  GsockEndpoint *owner = self->owner;

  if (self->accepting)
    {
      /* The epoll watch recurses (a handler's nested main loop): it is stopped until the
       * outer dispatch returns, rather than woken up for the same connection over and over. */
      watch_socket (self, FALSE);
      self->deferred = TRUE;
      return G_SOURCE_CONTINUE;
    }

  g_object_ref (owner);
  self->accepting = TRUE;
  for (guint i = 0; i < MAX_ACCEPTS_PER_DISPATCH && self->socket == listener; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) socket = g_socket_accept (listener, NULL, &error);

      if (socket != NULL)
        {
          self->pause_told = FALSE;
          self->callbacks->accepted (owner, socket);
          continue;
        }
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES) ||
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
        pause_accepting (self, error);
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        self->callbacks->failed (owner, error);
      break;
    }
  self->accepting = FALSE;
  if (self->deferred)
    {
      self->deferred = FALSE;
      if (self->socket == listener && !self->paused)
        watch_socket (self, TRUE);
    }
  g_object_unref (owner);

  return G_SOURCE_CONTINUE;
}

void
_gsock_acceptor_init (GsockAcceptor                *self,
                      GsockEndpoint                *owner,
                      const GsockAcceptorCallbacks *callbacks)
{
  self->owner = owner;
  self->callbacks = callbacks;
}

void
_gsock_acceptor_start (GsockAcceptor *self,
                       GMainContext  *context,
                       GSocket       *socket)
{
  g_return_if_fail (self->socket == NULL);

  self->context = context;
  self->socket = g_object_ref (socket);
  self->paused = FALSE;
  self->pause_told = FALSE;
  start_watching (self);
}

void
_gsock_acceptor_stop (GsockAcceptor *self)
{
  g_clear_pointer (&self->watch, _gsock_watch_free);
  _gsock_source_clear (&self->source);
  _gsock_source_clear (&self->resume_source);
  self->paused = FALSE;
  if (self->socket != NULL)
    {
      g_socket_close (self->socket, NULL);
      g_clear_object (&self->socket);
    }
}

void
_gsock_acceptor_resume (GsockAcceptor *self)
{
  if (!self->paused)
    return;
  self->paused = FALSE;
  _gsock_source_clear (&self->resume_source);
  start_watching (self);
}
