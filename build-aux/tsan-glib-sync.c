/* tsan-glib-sync.c: tells ThreadSanitizer about the synchronisation GLib does for gsock
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Preloaded into the test programs of `bash build-aux/run.sh tsan` only (never part of the
 * library). GLib is not instrumented: its GMutex and GCond are futexes, its reference counts
 * and its main-context lock atomics of its own, so ThreadSanitizer sees none of the
 * happens-before they give and reports every hand-over between threads as a race (a send
 * handed over to the owner context, a message given to a handler thread, a mutex held around
 * a counter). This interposes the GLib calls that instrumented code (gsock and its tests)
 * makes, and tells ThreadSanitizer what each one does, no more: a lock acquires the mutex and
 * an unlock releases it; attaching a source, owning a context, an iteration and the dispatch
 * of an idle or timeout callback take the context's lock; pushing to a thread pool or an
 * async queue releases, the job or the pop acquires; an unref, an atomic decrement whose last
 * one frees, releases and acquires. What those calls do to GLib's own memory on the way in
 * (GLIB_INSIDE below) is not recorded. GLib's calls to itself do not go through these (it
 * binds them inside its own library): what is left of those is for the suppressions in
 * tsan.supp.
 */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <glib-object.h>
#include <pthread.h>

void __tsan_acquire (void *addr);
void __tsan_release (void *addr);
void __tsan_ignore_thread_begin (void);
void __tsan_ignore_thread_end (void);

/* Around a GLib call that only touches GLib's own memory (a context's table of sources, a
 * queue's links) on the way in: the accesses it makes with the C library's functions (a
 * realloc, a memset) are not recorded, as GLib's other ones are not. Its other side (the
 * owner's iteration removing the source again, a pool thread taking the job) cannot be
 * bracketed like this, and its accesses would look like races with these. */
static __thread int glib_inside;

#define GLIB_INSIDE(call)                                               \
  G_STMT_START                                                          \
  {                                                                     \
    glib_inside++;                                                      \
    __tsan_ignore_thread_begin ();                                      \
    call;                                                               \
    __tsan_ignore_thread_end ();                                        \
    glib_inside--;                                                      \
  }                                                                     \
  G_STMT_END

/* Runs instrumented code that GLib calls back from inside (a destroy notify) with its
 * accesses recorded again. */
static void
outside_glib (GDestroyNotify notify,
              gpointer       data)
{
  for (int i = 0; i < glib_inside; i++)
    __tsan_ignore_thread_end ();
  notify (data);
  for (int i = 0; i < glib_inside; i++)
    __tsan_ignore_thread_begin ();
}

/* The next definition of @name after this library's: GLib's own. Looked up on first use; two
 * threads doing it at once store the same pointer. */
#define REAL(name)                                                      \
  static __typeof__ (name) *real_##name;                                \
  if (G_UNLIKELY (real_##name == NULL))                                 \
    real_##name = (__typeof__ (name) *) dlsym (RTLD_NEXT, #name)

void
g_mutex_lock (GMutex *mutex)
{
  REAL (g_mutex_lock);
  real_g_mutex_lock (mutex);
  __tsan_acquire (mutex);
}

gboolean
g_mutex_trylock (GMutex *mutex)
{
  REAL (g_mutex_trylock);
  if (!real_g_mutex_trylock (mutex))
    return FALSE;
  __tsan_acquire (mutex);
  return TRUE;
}

void
g_mutex_unlock (GMutex *mutex)
{
  REAL (g_mutex_unlock);
  __tsan_release (mutex);
  real_g_mutex_unlock (mutex);
}

void
g_cond_wait (GCond  *cond,
             GMutex *mutex)
{
  REAL (g_cond_wait);
  __tsan_release (mutex);
  real_g_cond_wait (cond, mutex);
  __tsan_acquire (mutex);
}

gboolean
g_cond_wait_until (GCond  *cond,
                   GMutex *mutex,
                   gint64  end_time)
{
  gboolean signalled;

  REAL (g_cond_wait_until);
  __tsan_release (mutex);
  signalled = real_g_cond_wait_until (cond, mutex, end_time);
  __tsan_acquire (mutex);
  return signalled;
}

/* An idle or timeout source's callback, run after taking the context's lock as GLib's
 * dispatch does (so after whatever was done before attaching the source). Other sources call their callbacks with types of their own: those are left as they are.
 * (The source's user data is then this wrapper: nothing in gsock or its tests looks a source
 * up by it.) */
typedef struct
{
  GSourceFunc func;
  gpointer data;
  GDestroyNotify notify;
} Callback;

static void context_lock_pass (void);

static gboolean
callback_cb (gpointer user_data)
{
  Callback *callback = user_data;

  context_lock_pass ();
  return callback->func (callback->data);
}

static void
callback_free (gpointer user_data)
{
  Callback *callback = user_data;

  if (callback->notify != NULL)
    outside_glib (callback->notify, callback->data);
  g_free (callback);
}

static gboolean
is_idle_or_timeout (GSource *source)
{
  return source->source_funcs == &g_idle_funcs || source->source_funcs == &g_timeout_funcs;
}

void
g_source_set_callback (GSource       *source,
                       GSourceFunc    func,
                       gpointer       data,
                       GDestroyNotify notify)
{
  Callback *callback;

  REAL (g_source_set_callback);
  if (!is_idle_or_timeout (source))
    {
      real_g_source_set_callback (source, func, data, notify);
      return;
    }
  callback = g_new (Callback, 1);
  callback->func = func;
  callback->data = data;
  callback->notify = notify;
  real_g_source_set_callback (source, callback_cb, callback, callback_free);
}

/* A context's lock, as ThreadSanitizer sees it: GLib takes the context's own lock inside
 * these calls, which ThreadSanitizer cannot see, so they also take this one, a pthread mutex
 * it does see, for as long as the call (a lock taken before or after the call only would
 * order a thread behind an earlier holder than the one GLib really let in). One for every
 * context: these calls are short. */
static pthread_mutex_t context_lock = PTHREAD_MUTEX_INITIALIZER;

guint
g_source_attach (GSource      *source,
                 GMainContext *context)
{
  guint id;

  REAL (g_source_attach);
  pthread_mutex_lock (&context_lock);
  GLIB_INSIDE (id = real_g_source_attach (source, context));
  pthread_mutex_unlock (&context_lock);
  return id;
}

/* The last reference on an attached source takes it out of its context's table: GLib's
 * memory again, but at any time (after the owner dispatched it, often), so not under the lock
 * above. Only for idle and timeout sources: those have no finalize of gsock's to record, and
 * their destroy notify (callback_free()) is run outside. */
void
g_source_unref (GSource *source)
{
  REAL (g_source_unref);
  if (is_idle_or_timeout (source))
    GLIB_INSIDE (real_g_source_unref (source));
  else
    real_g_source_unref (source);
}

gboolean
g_main_context_acquire (GMainContext *context)
{
  gboolean owner;

  REAL (g_main_context_acquire);
  pthread_mutex_lock (&context_lock);
  GLIB_INSIDE (owner = real_g_main_context_acquire (context));
  pthread_mutex_unlock (&context_lock);
  return owner;
}

void
g_main_context_release (GMainContext *context)
{
  REAL (g_main_context_release);
  pthread_mutex_lock (&context_lock);
  GLIB_INSIDE (real_g_main_context_release (context));
  pthread_mutex_unlock (&context_lock);
}

/* An iteration takes the context's lock at its start and its end, and before each
 * dispatch (callback_cb() below). Not for the whole iteration: it waits in poll() for the
 * calls above. */
static void
context_lock_pass (void)
{
  pthread_mutex_lock (&context_lock);
  pthread_mutex_unlock (&context_lock);
}

gboolean
g_main_context_iteration (GMainContext *context,
                          gboolean      may_block)
{
  gboolean dispatched;

  REAL (g_main_context_iteration);
  context_lock_pass ();
  dispatched = real_g_main_context_iteration (context, may_block);
  context_lock_pass ();
  return dispatched;
}

/* A pool's jobs acquire what pushing them released. */
typedef struct
{
  GFunc func;
  gpointer user_data;
} PoolFunc;

static void
pool_func_cb (gpointer data,
              gpointer user_data)
{
  PoolFunc *pool_func = user_data;

  __tsan_acquire (data);
  pool_func->func (data, pool_func->user_data);
}

GThreadPool *
g_thread_pool_new (GFunc     func,
                   gpointer  user_data,
                   gint      max_threads,
                   gboolean  exclusive,
                   GError  **error)
{
  /* Kept as long as the process: a pool's function is called until the pool is freed. */
  PoolFunc *pool_func = g_new (PoolFunc, 1);

  REAL (g_thread_pool_new);
  pool_func->func = func;
  pool_func->user_data = user_data;
  return real_g_thread_pool_new (pool_func_cb, pool_func, max_threads, exclusive, error);
}

gboolean
g_thread_pool_push (GThreadPool *pool,
                    gpointer     data,
                    GError     **error)
{
  gboolean pushed;

  REAL (g_thread_pool_push);
  __tsan_release (data);
  GLIB_INSIDE (pushed = real_g_thread_pool_push (pool, data, error));
  return pushed;
}

void
g_async_queue_push (GAsyncQueue *queue,
                    gpointer     data)
{
  REAL (g_async_queue_push);
  __tsan_release (queue);
  GLIB_INSIDE (real_g_async_queue_push (queue, data));
}

gpointer
g_async_queue_pop (GAsyncQueue *queue)
{
  gpointer data;

  REAL (g_async_queue_pop);
  data = real_g_async_queue_pop (queue);
  __tsan_acquire (queue);
  return data;
}

gpointer
g_async_queue_timeout_pop (GAsyncQueue *queue,
                           guint64      timeout)
{
  gpointer data;

  REAL (g_async_queue_timeout_pop);
  data = real_g_async_queue_timeout_pop (queue, timeout);
  __tsan_acquire (queue);
  return data;
}

/* Reference counts: GLib decrements them with a full barrier, and the last one frees, so an
 * unref both releases what this thread did to the object and acquires what the others did
 * before theirs. */
void
g_object_unref (gpointer object)
{
  REAL (g_object_unref);
  __tsan_release (object);
  __tsan_acquire (object);
  real_g_object_unref (object);
}

void
g_bytes_unref (GBytes *bytes)
{
  REAL (g_bytes_unref);
  if (bytes != NULL)
    {
      __tsan_release (bytes);
      __tsan_acquire (bytes);
    }
  real_g_bytes_unref (bytes);
}

/* gsock's own counts (GsockMessage) it can decrement itself, as an atomic ThreadSanitizer
 * sees: GLib's is an atomic decrement too (with checks for a count already at 0). */
int __tsan_atomic32_fetch_sub (volatile int *atomic, int value, int order);
#define TSAN_MO_ACQ_REL 4

gboolean
g_atomic_ref_count_dec (gatomicrefcount *arc)
{
  return __tsan_atomic32_fetch_sub (arc, 1, TSAN_MO_ACQ_REL) == 1;
}

/* g_once_init_enter()'s fast path is an atomic load in the caller: it acquires this. */
void
(g_once_init_leave) (volatile void *location,
                     gsize          result)
{
  REAL (g_once_init_leave);
  __tsan_release ((void *) location);
  real_g_once_init_leave (location, result);
}
