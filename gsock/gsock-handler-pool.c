/* gsock-handler-pool.c: message handlers on a pool of threads, per connection in order
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-handler-pool-private.h"

#include "gsock-endpoint-private.h"
#include "gsock-message.h"
#include "gsock-tcp-client-private.h"

struct _GsockHandlerPool
{
  GsockEndpoint *owner; /* not owned: every job holds a reference */
  GThreadPool *threads;
  GMutex lock;
  GHashTable *queues; /* GsockTcpClient * -> ClientQueue *, under the lock */
};

/* One connection's messages waiting for a handler, and whether they hold its input. */
typedef struct
{
  GQueue messages;
  guint64 bytes;
  guint64 low_water_mark;
  gboolean input_held;
} ClientQueue;

static void
client_queue_free (ClientQueue *queue)
{
  g_queue_clear_full (&queue->messages, (GDestroyNotify) gsock_message_unref);
  g_free (queue);
}

/* What a handler thread hands back to the owner's context for a connection. */
typedef struct
{
  GsockTcpClient *client;
  gboolean release_input;
  gboolean release_answers;
} Release;

static gboolean
release_cb (gpointer user_data)
{
  Release *release = user_data;

  if (release->release_input)
    _gsock_tcp_client_hold_input (release->client, FALSE);
  if (release->release_answers)
    _gsock_tcp_client_hold_answers (release->client, FALSE);
  return G_SOURCE_REMOVE;
}

static void
release_free (Release *release)
{
  g_object_unref (release->client);
  g_free (release);
}

static void
release_in_owner (GsockHandlerPool *self,
                  GsockTcpClient   *client,
                  gboolean          release_input,
                  gboolean          release_answers)
{
  Release *release = g_new0 (Release, 1);
  g_autoptr(GSource) source = NULL;

  release->client = g_object_ref (client);
  release->release_input = release_input;
  release->release_answers = release_answers;
  /* Always queued, never run here even when the owner's context could be acquired: after
   * the replies the job handed over (queued the same way, in order), so a connection whose
   * peer has closed ends only once they are written. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, release_cb, release, (GDestroyNotify) release_free);
  g_source_attach (source, _gsock_endpoint_get_context (self->owner));
}

/* One job: handle one connection's queued messages in order, until its queue is empty. */
typedef struct
{
  GsockHandlerPool *pool;
  GsockEndpoint *owner;
  GsockTcpClient *client;
} Job;

static void
run_job (gpointer data,
         gpointer user_data)
{
  Job *job = data;
  GsockHandlerPool *self = job->pool;

  for (;;)
    {
      g_autoptr(GsockMessage) message = NULL;
      gboolean release_input = FALSE;
      ClientQueue *queue;

      g_mutex_lock (&self->lock);
      queue = g_hash_table_lookup (self->queues, job->client);
      message = g_queue_pop_head (&queue->messages);
      if (message == NULL)
        {
          release_input = queue->input_held;
          g_hash_table_remove (self->queues, job->client);
        }
      else
        {
          gsize size = 0;

          gsock_message_get_data (message, &size);
          queue->bytes -= size;
          if (queue->input_held && queue->bytes <= queue->low_water_mark)
            {
              queue->input_held = FALSE;
              release_input = TRUE;
            }
        }
      g_mutex_unlock (&self->lock);

      if (message == NULL)
        {
          release_in_owner (self, job->client, release_input, TRUE);
          break;
        }
      if (release_input)
        release_in_owner (self, job->client, TRUE, FALSE);
      _gsock_endpoint_emit_message (job->owner, message);
    }

  g_object_unref (job->client);
  g_object_unref (job->owner);
  g_free (job);
}

GsockHandlerPool *
_gsock_handler_pool_new (GsockEndpoint *owner,
                         guint          n_threads)
{
  GsockHandlerPool *self = g_new0 (GsockHandlerPool, 1);

  self->owner = owner;
  self->threads = g_thread_pool_new (run_job, self, n_threads, FALSE, NULL);
  g_mutex_init (&self->lock);
  self->queues = g_hash_table_new_full (NULL, NULL, g_object_unref,
                                        (GDestroyNotify) client_queue_free);
  return self;
}

void
_gsock_handler_pool_set_max_threads (GsockHandlerPool *self,
                                     guint             n_threads)
{
  g_thread_pool_set_max_threads (self->threads, MAX (n_threads, 1), NULL);
}

void
_gsock_handler_pool_push (GsockHandlerPool *self,
                          GsockTcpClient   *client,
                          GsockMessage     *message,
                          guint64           high_water_mark,
                          guint64           low_water_mark)
{
  gsize size = 0;
  gboolean start_job = FALSE;
  gboolean hold_input = FALSE;
  ClientQueue *queue;

  gsock_message_get_data (message, &size);
  g_mutex_lock (&self->lock);
  queue = g_hash_table_lookup (self->queues, client);
  if (queue == NULL)
    {
      /* No job runs for this connection: start one. */
      queue = g_new0 (ClientQueue, 1);
      g_queue_init (&queue->messages);
      g_hash_table_insert (self->queues, g_object_ref (client), queue);
      start_job = TRUE;
    }
  g_queue_push_tail (&queue->messages, gsock_message_ref (message));
  queue->bytes += size;
  queue->low_water_mark = low_water_mark;
  if (!queue->input_held && high_water_mark > 0 && queue->bytes >= high_water_mark)
    queue->input_held = hold_input = TRUE;
  g_mutex_unlock (&self->lock);

  if (hold_input)
    _gsock_tcp_client_hold_input (client, TRUE);
  if (start_job)
    {
      Job *job = g_new0 (Job, 1);

      /* Released by the job's end, in release_cb. */
      _gsock_tcp_client_hold_answers (client, TRUE);
      job->pool = self;
      job->owner = g_object_ref (self->owner);
      job->client = g_object_ref (client);
      g_thread_pool_push (self->threads, job, NULL);
    }
}

void
_gsock_handler_pool_free (GsockHandlerPool *self)
{
  g_thread_pool_free (self->threads, FALSE, FALSE);
  g_hash_table_unref (self->queues);
  g_mutex_clear (&self->lock);
  g_free (self);
}
