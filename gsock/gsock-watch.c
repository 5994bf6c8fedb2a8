/* gsock-watch.c: many descriptors watched by one epoll source per main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-watch-private.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

/* Ready descriptors handled in one dispatch; more wait for the next one. */
#define MAX_EVENTS 256

typedef struct
{
  GSource source;
  GMainContext *context; /* the key in `sources` */
  gpointer tag;
  int epfd;
  guint n_watches;
  guint dispatching; /* depth: a callback may run a nested main loop (a blocking receive) */
  GPtrArray *dead;   /* watches freed while dispatching, released afterwards */
} EpollSource;

struct _GsockWatch
{
  EpollSource *source;
  int fd;
  GIOCondition events;
  GsockWatchFunc func;
  gpointer user_data;
  gboolean dead;
};

G_LOCK_DEFINE_STATIC (sources);
static GHashTable *sources; /* GMainContext * -> EpollSource *, the attached ones */

static GIOCondition
condition_from_epoll (guint32 events)
{
  return ((events & EPOLLIN) ? G_IO_IN : 0) | ((events & EPOLLOUT) ? G_IO_OUT : 0) |
         ((events & EPOLLPRI) ? G_IO_PRI : 0) | ((events & EPOLLERR) ? G_IO_ERR : 0) |
         ((events & EPOLLHUP) ? G_IO_HUP : 0);
}

static guint32
epoll_from_condition (GIOCondition condition)
{
  return ((condition & G_IO_IN) ? EPOLLIN : 0) | ((condition & G_IO_OUT) ? EPOLLOUT : 0);
}

/* Detaches the source once nothing is watched; a context without connections keeps none. */
static void
release_if_unused (EpollSource *source)
{
  if (source->n_watches > 0 || source->dispatching > 0)
    return;

  G_LOCK (sources);
  g_hash_table_remove (sources, source->context);
  G_UNLOCK (sources);
  g_source_destroy ((GSource *) source);
  g_source_unref ((GSource *) source);
}

static gboolean
epoll_source_check (GSource *base)
{
  EpollSource *source = (EpollSource *) base;

  return (g_source_query_unix_fd (base, source->tag) & G_IO_IN) != 0;
}

static gboolean
epoll_source_dispatch (GSource    *base,
                       GSourceFunc callback,
                       gpointer    user_data)
{
  EpollSource *source = (EpollSource *) base;
  struct epoll_event events[MAX_EVENTS];
  int n;

  do
    n = epoll_wait (source->epfd, events, MAX_EVENTS, 0);
  while (n < 0 && errno == EINTR);

  g_source_ref (base);
  source->dispatching++;
  for (int i = 0; i < n; i++)
    {
      GsockWatch *watch = events[i].data.ptr;

      /* A callback may free watches whose events are still in the array. */
      if (!watch->dead)
        watch->func (condition_from_epoll (events[i].events), watch->user_data);
    }
  if (--source->dispatching == 0)
    {
      g_ptr_array_set_size (source->dead, 0);
      release_if_unused (source);
    }
  g_source_unref (base);

  return G_SOURCE_CONTINUE;
}

static void
epoll_source_finalize (GSource *base)
{
  EpollSource *source = (EpollSource *) base;

  close (source->epfd);
  g_ptr_array_unref (source->dead);
}

static GSourceFuncs epoll_source_funcs = {
  NULL, epoll_source_check, epoll_source_dispatch, epoll_source_finalize, NULL, NULL,
};

static EpollSource *
get_source (GMainContext *context)
{
  EpollSource *source;

  G_LOCK (sources);
  if (sources == NULL)
    sources = g_hash_table_new (NULL, NULL);
  source = g_hash_table_lookup (sources, context);
  if (source == NULL)
    {
      int epfd = epoll_create1 (EPOLL_CLOEXEC);

      if (epfd < 0)
        {
          G_UNLOCK (sources);
          return NULL;
        }
      source = (EpollSource *) g_source_new (&epoll_source_funcs, sizeof (EpollSource));
      g_source_set_static_name ((GSource *) source, "gsock connections");
      /* Otherwise a nested main loop in one connection's callback would stall all the
       * others; each user guards itself against its own re-entry. */
      g_source_set_can_recurse ((GSource *) source, TRUE);
      source->context = context;
      source->epfd = epfd;
      source->dead = g_ptr_array_new_with_free_func (g_free);
      source->tag = g_source_add_unix_fd ((GSource *) source, epfd, G_IO_IN);
      g_source_attach ((GSource *) source, context);
      g_hash_table_insert (sources, context, source);
    }
  G_UNLOCK (sources);
  return source;
}

/* Returns NULL when the system refuses an epoll instance or the descriptor (too many open
 * files, say); the caller then uses GLib's own sources. */
GsockWatch *
_gsock_watch_new (GMainContext   *context,
                  int             fd,
                  GsockWatchFunc  func,
                  gpointer        user_data)
{
  struct epoll_event event = { 0 };
  EpollSource *source;
  GsockWatch *watch;

  source = get_source (context != NULL ? context : g_main_context_default ());
  if (source == NULL)
    return NULL;

  watch = g_new0 (GsockWatch, 1);
  watch->source = source;
  watch->fd = fd;
  watch->func = func;
  watch->user_data = user_data;
  event.data.ptr = watch;
  if (epoll_ctl (source->epfd, EPOLL_CTL_ADD, fd, &event) < 0)
    {
      g_free (watch);
      release_if_unused (source);
      return NULL;
    }
  source->n_watches++;
  return watch;
}

void
_gsock_watch_set_events (GsockWatch   *watch,
                         GIOCondition  events)
{
  struct epoll_event event = { 0 };

  if (watch->events == events)
    return;
  watch->events = events;
  event.events = epoll_from_condition (events);
  event.data.ptr = watch;
  epoll_ctl (watch->source->epfd, EPOLL_CTL_MOD, watch->fd, &event);
}

/* Call it before the descriptor is closed. */
void
_gsock_watch_free (GsockWatch *watch)
{
  EpollSource *source = watch->source;

  epoll_ctl (source->epfd, EPOLL_CTL_DEL, watch->fd, NULL);
  source->n_watches--;
  if (source->dispatching > 0)
    {
      watch->dead = TRUE;
      g_ptr_array_add (source->dead, watch);
    }
  else
    g_free (watch);
  release_if_unused (source);
}
