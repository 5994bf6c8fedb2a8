/* gsock-stream.c: a framed byte stream with flow control, the core of a connection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-stream-private.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "gsock-debug-private.h"
#include "gsock-endpoint-private.h"
#include "gsock-error.h"
#include "gsock-line-framer-private.h"

/* Bytes asked of the kernel per read. */
#define READ_CHUNK 65536
/* Reads in one dispatch before other connections get their turn. */
#define MAX_READS_PER_DISPATCH 16
/* Queued buffers handed to one writev. */
#define MAX_WRITE_VECTORS 16
/* How long a graceful TLS close may wait for the peer to take its close_notify. */
#define TLS_CLOSE_TIMEOUT_MS 5000
/* A thread's batch buffer that grew past this for one read is not kept for the next. */
#define MAX_KEPT_BATCH (4 * READ_CHUNK)
/* Messages up to this size, sent while others wait, join the queue's open tail; a tail this
 * long is queued as it is. */
#define TAIL_MESSAGE_MAX 1024
#define TAIL_MAX (64 * 1024)

static void watch          (GsockStream  *self,
                            GIOCondition  condition,
                            gboolean      on);
static void update_reading (GsockStream  *self);
static void update_timer   (GsockStream  *self);

static void
ended (GsockStream  *self,
       const GError *reason)
{
  self->callbacks->ended (self->owner, reason);
}

/* The reads and writes: on a plain socket, system calls on its descriptor (GIO's pollable
 * socket streams cost more than the calls themselves, on every read); through the streams
 * otherwise (TLS). */

static void
set_errno_error (GError    **error,
                 int         errsv,
                 const char *doing)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "Error %s: %s", doing,
               g_strerror (errsv));
}

static gssize
read_some (GsockStream *self,
           guint8      *buffer,
           gsize        size,
           GError     **error)
{
  gssize n;

  if (self->fd < 0)
    return g_pollable_input_stream_read_nonblocking (self->input, buffer, size, NULL, error);

  do
    n = recv (self->fd, buffer, size, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    set_errno_error (error, errno, "receiving data");
  return n;
}

/* GIO declares its vector to match the system's. */
G_STATIC_ASSERT (sizeof (GOutputVector) == sizeof (struct iovec));
G_STATIC_ASSERT (G_STRUCT_OFFSET (GOutputVector, buffer) == G_STRUCT_OFFSET (struct iovec, iov_base));
G_STATIC_ASSERT (G_STRUCT_OFFSET (GOutputVector, size) == G_STRUCT_OFFSET (struct iovec, iov_len));

static GPollableReturn
write_some (GsockStream   *self,
            GOutputVector *vectors,
            gsize          n_vectors,
            gsize         *written,
            GError       **error)
{
  struct msghdr message = { 0 };
  gssize n;

  if (self->fd < 0)
    return g_pollable_output_stream_writev_nonblocking (self->output, vectors, n_vectors,
                                                        written, NULL, error);

  message.msg_iov = (struct iovec *) vectors;
  message.msg_iovlen = n_vectors;
  do
    n = sendmsg (self->fd, &message, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n >= 0)
    {
      *written = n;
      return G_POLLABLE_RETURN_OK;
    }
  if (errno == EAGAIN || errno == EWOULDBLOCK)
    return G_POLLABLE_RETURN_WOULD_BLOCK;
  set_errno_error (error, errno, "sending data");
  return G_POLLABLE_RETURN_FAILED;
}

/* Whether the queue (its open tail included) is empty. */
static gboolean
queue_is_empty (GsockStream *self)
{
  return g_queue_is_empty (&self->out) && self->tail == NULL;
}

/* Whether anything sent is still to be written. */
static gboolean
has_output (GsockStream *self)
{
  return !queue_is_empty (self) || (self->batch != NULL && self->batch->len > 0);
}

/* The peer's address as text, for a debug line (transfer full). */
static char *
peer_name (GsockStream *self)
{
  GSocketConnection *connection = _gsock_socket_connection_of (self->io);
  g_autoptr(GSocketAddress) remote = NULL;

  if (connection != NULL)
    remote = g_socket_connection_get_remote_address (connection, NULL);
  return _gsock_debug_address (remote);
}

/* Flow control: reading stops while the queue is at the high mark or above, and goes on
 * once it is down to the low mark. */
static void
update_write_blocked (GsockStream *self)
{
  gboolean blocked = self->write_blocked;

  if (self->high_water_mark == 0)
    blocked = FALSE;
  else if (!blocked)
    blocked = self->queued_bytes >= self->high_water_mark;
  else
    blocked = self->queued_bytes > self->low_water_mark;
  if (blocked == self->write_blocked)
    return;

  self->write_blocked = blocked;
  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    {
      g_autofree char *peer = peer_name (self);

      g_debug ("%s reading from %s: %" G_GSIZE_FORMAT " bytes queued for it (marks %"
               G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT ")", blocked ? "Stopped" : "Resumed", peer,
               self->queued_bytes, self->high_water_mark, self->low_water_mark);
    }
  update_reading (self);
  /* Within a read, told at its end if it differs from what it was at the start. */
  if (!self->in_read)
    self->callbacks->write_blocked_changed (self->owner);
}

static inline void
set_queued_bytes (GsockStream *self,
                  gsize        queued_bytes)
{
  if (self->queued_bytes == queued_bytes)
    return;
  self->queued_bytes = queued_bytes;
  /* Within a read, told once at its end like the endpoint's counters. */
  if (self->in_read)
    self->queued_changed = TRUE;
  else
    self->callbacks->queued_changed (self->owner);
  /* Nothing to look at while the queue grows below the high mark (every answer of a read). */
  if (self->write_blocked || self->high_water_mark == 0 ||
      self->queued_bytes >= self->high_water_mark)
    update_write_blocked (self);
}

/* Ends the open tail: it is queued as one buffer. */
static void
close_tail (GsockStream *self)
{
  if (self->tail != NULL)
    g_queue_push_tail (&self->out, g_byte_array_free_to_bytes (g_steal_pointer (&self->tail)));
}

/* Moves the open tail, then what is left of the batch (sent later: in a read, every send
 * goes to the batch), to the end of the queue. */
static void
queue_batch (GsockStream *self)
{
  close_tail (self);
  if (self->batch == NULL || self->batch->len == 0)
    return;
  g_queue_push_tail (&self->out, g_bytes_new (self->batch->data, self->batch->len));
  g_byte_array_set_size (self->batch, 0);
}

/* The writing side, once what was queued is written: shut for a shutdown, and the end of
 * the stream for a close, or for a peer that has closed and is owed no more answers. */
static void
output_done (GsockStream *self)
{
  gboolean finish = self->closing || (self->input_done && self->answers_held == 0);

  if (!finish && (!self->shutting_down || self->write_shut))
    return;

  if (!self->write_shut)
    {
      GSocketConnection *connection = _gsock_socket_connection_of (self->io);

      self->write_shut = TRUE;
      /* For TLS, closing the output sends close_notify; the stream's close does it on the
       * end. */
      if (self->tls == NULL && connection != NULL)
        g_socket_shutdown (g_socket_connection_get_socket (connection), FALSE, TRUE, NULL);
      else if (!finish)
        g_output_stream_close_async (G_OUTPUT_STREAM (self->output), G_PRIORITY_DEFAULT, NULL,
                                     NULL, NULL);
    }
  if (finish)
    {
      g_autoptr(GError) reason = g_steal_pointer (&self->close_reason);

      /* Everything was said: a TLS peer is owed its close_notify. */
      self->graceful_end = reason == NULL;
      ended (self, reason);
    }
}

/* Writes as much of the queue (and the batch after it) as the kernel takes now; what is left
 * waits in the queue, watched for room. */
void
_gsock_stream_flush (GsockStream *self)
{
  gboolean progress = FALSE;

  if (self->io == NULL)
    return;

  while (has_output (self))
    {
      GOutputVector vectors[MAX_WRITE_VECTORS];
      g_autoptr(GError) error = NULL;
      GPollableReturn ret;
      gsize n_vectors = 0;
      gsize written = 0;
      gsize done;

      /* Written with the rest (sends from the notifications below may open a new one). */
      close_tail (self);

      for (GList *l = self->out.head; l != NULL && n_vectors < MAX_WRITE_VECTORS; l = l->next)
        {
          gsize size;
          const guint8 *data = g_bytes_get_data (l->data, &size);
          gsize skip = n_vectors == 0 ? self->out_offset : 0;

          vectors[n_vectors].buffer = data + skip;
          vectors[n_vectors].size = size - skip;
          n_vectors++;
        }
      if (n_vectors < MAX_WRITE_VECTORS && self->batch != NULL && self->batch->len > 0)
        {
          vectors[n_vectors].buffer = self->batch->data;
          vectors[n_vectors].size = self->batch->len;
          n_vectors++;
        }

      ret = write_some (self, vectors, n_vectors, &written, &error);
      if (ret == G_POLLABLE_RETURN_WOULD_BLOCK)
        break;
      if (ret == G_POLLABLE_RETURN_FAILED)
        {
          ended (self, error);
          return;
        }

      progress = TRUE;
      done = written;
      while (written > 0 && !g_queue_is_empty (&self->out))
        {
          GBytes *head = g_queue_peek_head (&self->out);
          gsize left = g_bytes_get_size (head) - self->out_offset;

          if (written < left)
            {
              self->out_offset += written;
              written = 0;
              break;
            }
          written -= left;
          self->out_offset = 0;
          g_bytes_unref (g_queue_pop_head (&self->out));
        }
      /* Most often all of it went: emptied without moving anything. */
      if (written > 0 && written == self->batch->len)
        g_byte_array_set_size (self->batch, 0);
      else if (written > 0)
        g_byte_array_remove_range (self->batch, 0, written);
      /* The notifications may end the connection (a handler's abort). */
      self->callbacks->sent (self->owner, done);
      set_queued_bytes (self, self->queued_bytes - done);
      if (self->io == NULL)
        return;

      if (self->send_refused && self->queued_bytes <= self->max_queued_bytes / 2)
        {
          self->send_refused = FALSE;
          self->callbacks->drained (self->owner);
          if (self->io == NULL)
            return;
        }
    }

  queue_batch (self);
  if (!queue_is_empty (self))
    {
      if (self->drain_timeout > 0 && (progress || !self->watching_output))
        {
          self->last_write = g_get_monotonic_time ();
          update_timer (self);
        }
      watch (self, G_IO_OUT, TRUE);
      return;
    }

  watch (self, G_IO_OUT, FALSE);
  output_done (self);
}

/* Delivers every complete message at the start of @data; returns the bytes they took, or -1
 * when the stream ended (then @data may be gone). The first @scanned bytes hold no complete
 * message (see _gsock_framer_cut()); what is left after the bytes taken has all been
 * scanned. */
static gssize
decode_messages (GsockStream  *self,
                 const guint8 *data,
                 gsize         len,
                 gsize         scanned)
{
  gsize max = _gsock_endpoint_peek_max_message_size (self->owner);
  gsize used = 0;

  while (used < len)
    {
      g_autoptr(GError) error = NULL;
      GsockFrame frame;
      gboolean found;

      found = _gsock_framer_cut (self->framer, data + used, len - used, max, scanned, &frame,
                                 &error);
      if (error != NULL)
        {
          ended (self, error);
          return -1;
        }
      if (!found && frame.consumed == 0)
        break;

      used += frame.consumed;
      scanned = 0;
      if (found)
        {
          self->callbacks->message (self->owner, &frame);
          g_clear_pointer (&frame.bytes, g_bytes_unref);
        }
      if (self->io == NULL)
        return -1;
    }
  return used;
}

/* Decodes @n bytes just read after what was kept of earlier reads, and keeps the start of an
 * incomplete message; FALSE when the stream ended. What was kept has been searched already
 * (in_scanned), so a long partial message costs a read only the bytes it brings. */
static gboolean
take_input (GsockStream  *self,
            const guint8 *data,
            gsize         n)
{
  gsize max = _gsock_endpoint_peek_max_message_size (self->owner);
  gssize used;

  if (self->in == NULL)
    {
      /* The common case: whole messages, decoded where they were read. */
      used = decode_messages (self, data, n, 0);
      if (used < 0)
        return FALSE;
      if ((gsize) used < n)
        self->in = g_byte_array_append (g_byte_array_new (), data + used, n - used);
    }
  else
    {
      g_byte_array_append (self->in, data, n);
      used = decode_messages (self, self->in->data, self->in->len, self->in_scanned);
      if (used < 0)
        return FALSE;
      /* Nothing taken: moving the rest onto itself would cost a copy of all of it. */
      if (used > 0)
        g_byte_array_remove_range (self->in, 0, used);
      /* Freed rather than kept empty: an idle connection holds no buffer. */
      if (self->in->len == 0)
        g_clear_pointer (&self->in, g_byte_array_unref);
    }
  if (self->in != NULL)
    self->in_scanned = self->in->len;

  /* A framer that neither finds a message nor gives up must not let a peer fill memory. */
  if (self->in != NULL && self->in->len > READ_CHUNK && self->in->len - READ_CHUNK > max)
    {
      g_autoptr(GError) error = NULL;

      g_set_error (&error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE,
                   "The peer sent %u bytes without completing a message; the limit is %"
                   G_GSIZE_FORMAT " bytes", self->in->len, max);
      ended (self, error);
      return FALSE;
    }
  return TRUE;
}

/* The peer's end of file: no more input. What is queued (and the answers still held) goes
 * out before the stream ends, a half-close; the reason is a truncation if a message was cut
 * short. */
static void
input_finished (GsockStream *self)
{
  if (self->in != NULL)
    g_set_error (&self->close_reason, GSOCK_ERROR, GSOCK_ERROR_TRUNCATED,
                 "The peer closed the connection in the middle of a message "
                 "(%u bytes received of it)", self->in->len);
  g_clear_pointer (&self->in, g_byte_array_unref);
  self->input_done = TRUE;
  update_reading (self);
  if (!has_output (self))
    output_done (self);
}

/* Where a thread reads into: one buffer for all its connections, as only an incomplete
 * message is kept per connection. A handler may run a nested main loop that reads for other
 * connections while the buffer still holds what it was called for: those get one of their
 * own. */
typedef struct
{
  gboolean busy;
  GByteArray *answers; /* the batch of the connection being read, emptied after each read */
  guint8 data[READ_CHUNK];
} ReadBuffer;

static void
read_buffer_free (ReadBuffer *buffer)
{
  g_byte_array_unref (buffer->answers);
  g_free (buffer);
}

static ReadBuffer *
read_buffer_new (void)
{
  ReadBuffer *buffer = g_new (ReadBuffer, 1);

  buffer->answers = g_byte_array_new ();
  return buffer;
}

/* The thread's own buffer: the GPrivate frees it when the thread ends; the thread-local
 * pointer beside it is the cheap way to it (a GPrivate lookup is a call into the C library
 * on every read). */
static GPrivate read_buffer_key = G_PRIVATE_INIT ((GDestroyNotify) read_buffer_free);
static _Thread_local ReadBuffer *thread_read_buffer
  __attribute__ ((tls_model ("initial-exec")));

static ReadBuffer *
read_buffer_take (void)
{
  ReadBuffer *buffer = thread_read_buffer;

  if (buffer == NULL)
    {
      buffer = thread_read_buffer = read_buffer_new ();
      g_private_set (&read_buffer_key, buffer);
    }
  else if (buffer->busy)
    buffer = read_buffer_new ();
  buffer->busy = TRUE;
  return buffer;
}

static void
read_buffer_release (ReadBuffer *buffer)
{
  if (buffer != thread_read_buffer)
    read_buffer_free (buffer);
  else
    buffer->busy = FALSE;
}

/* Reads what is there and delivers every complete message. */
static void
handle_input (GsockStream *self)
{
  GsockEndpoint *owner = g_object_ref (self->owner);
  ReadBuffer *buffer = read_buffer_take ();
  gboolean was_blocked = self->write_blocked;
  gboolean big_batch;

  self->callbacks->read_begin (owner);
  /* Answers given while handling what was read go out together, in one write, at the end. */
  self->batch = buffer->answers;
  self->in_read = TRUE;
  /* A handler may pause reading, or end the connection; flow control may stop it. */
  for (guint i = 0; i < MAX_READS_PER_DISPATCH && self->watching_input; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) first = g_steal_pointer (&self->first_input);
      const guint8 *data = buffer->data;
      gssize n;

      if (first != NULL)
        {
          gsize size;

          /* Read by the connector (a pollable source only; see watch ()). */
          g_source_set_ready_time (self->read_source, -1);
          data = g_bytes_get_data (first, &size);
          n = size;
        }
      else
        n = read_some (self, buffer->data, READ_CHUNK, &error);
      if (n < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            ended (self, error);
          break;
        }
      if (n == 0)
        {
          input_finished (self);
          break;
        }

      if (self->idle_timeout > 0)
        self->last_read = g_get_monotonic_time ();
      self->callbacks->received (owner, n);
      if (!take_input (self, data, n))
        break;
      /* A short read emptied the socket: asking again would cost a system call to learn
       * that it would block. The epoll watch is level-triggered, so whatever comes next
       * wakes it again; GIO's TLS sources are asked until they would block, as the TLS layer
       * may hold data the socket no longer shows. */
      if (self->watch != NULL && (gsize) n < READ_CHUNK)
        break;
    }
  if (self->input_held)
    {
      self->input_held = FALSE;
      update_reading (self);
    }
  big_batch = buffer->answers->len > MAX_KEPT_BATCH;
  if (self->io != NULL && self->watching_output)
    queue_batch (self);
  else if (self->io != NULL && has_output (self))
    {
      /* The batch stays set until flush has written it. */
      _gsock_stream_flush (self);
    }
  self->batch = NULL;
  self->in_read = FALSE;
  if (big_batch)
    {
      g_byte_array_unref (buffer->answers);
      buffer->answers = g_byte_array_new ();
    }
  read_buffer_release (buffer);
  if (self->queued_changed)
    {
      self->queued_changed = FALSE;
      self->callbacks->queued_changed (owner);
    }
  if (self->write_blocked != was_blocked)
    self->callbacks->write_blocked_changed (owner);
  self->callbacks->read_end (owner);
  g_object_unref (owner);
}

static gboolean
read_cb (GObject *stream,
         gpointer user_data)
{
  handle_input (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
write_cb (GObject *stream,
          gpointer user_data)
{
  GsockStream *self = user_data;
  GsockEndpoint *owner = g_object_ref (self->owner);

  _gsock_stream_flush (self);
  g_object_unref (owner);
  return G_SOURCE_CONTINUE;
}

static void
watch_cb (GIOCondition condition,
          gpointer     user_data)
{
  GsockStream *self = user_data;
  GsockEndpoint *owner = g_object_ref (self->owner);

  if ((condition & (G_IO_IN | G_IO_HUP | G_IO_ERR)) && self->watching_input)
    {
      if (!self->in_read)
        handle_input (self);
      else
        {
          /* This connection's own handler runs a nested main loop: its input waits until the
           * handler returns, unwatched, so that loop does not wake up for it over and over. */
          self->input_held = TRUE;
          update_reading (self);
        }
    }
  if ((condition & (G_IO_OUT | G_IO_HUP | G_IO_ERR)) && self->watching_output)
    _gsock_stream_flush (self);
  /* epoll reports a hang-up whatever was asked: with nothing to do about it now (reading
   * paused or held, nothing to write), GLib's sources take over so it does not spin. */
  if (self->watch != NULL && (condition & (G_IO_HUP | G_IO_ERR)) && !self->watching_input &&
      !self->watching_output)
    g_clear_pointer (&self->watch, _gsock_watch_free);
  g_object_unref (owner);
}

/* Starts or stops watching for @condition (G_IO_IN or G_IO_OUT): on the epoll watch when
 * there is one, with a pollable stream source otherwise. */
static void
watch (GsockStream  *self,
       GIOCondition  condition,
       gboolean      on)
{
  gboolean input = condition == G_IO_IN;
  gboolean *watching = input ? &self->watching_input : &self->watching_output;
  GSource **source = input ? &self->read_source : &self->write_source;

  if (*watching == on)
    return;
  *watching = on;
  if (self->watch != NULL)
    _gsock_watch_set_events (self->watch, (self->watching_input ? G_IO_IN : 0) |
                                            (self->watching_output ? G_IO_OUT : 0));
  else if (!on)
    _gsock_source_clear (source);
  else
    {
      if (input)
        *source = g_pollable_input_stream_create_source (self->input, NULL);
      else
        *source = g_pollable_output_stream_create_source (self->output, NULL);
      g_source_set_callback (*source, input ? G_SOURCE_FUNC (read_cb) : G_SOURCE_FUNC (write_cb),
                             self, NULL);
      /* What was read before the stream was attached is there at once. */
      if (input && self->first_input != NULL)
        g_source_set_ready_time (*source, 0);
      g_source_attach (*source, _gsock_endpoint_get_context (self->owner));
    }
}

static gboolean
input_stopped (GsockStream *self)
{
  return self->read_paused || self->input_holds > 0 || self->write_blocked ||
         self->input_held || self->input_done;
}

/* Watches the stream for input unless something stops it. */
static void
update_reading (GsockStream *self)
{
  watch (self, G_IO_IN, self->io != NULL && !input_stopped (self));
}

/* The first of the idle and drain deadlines that applies now, or -1. Time the input is
 * stopped does not count as idle: the peer is not the one keeping quiet. */
static gint64
next_deadline (GsockStream *self,
               gint64       now)
{
  gint64 deadline = G_MAXINT64;

  if (self->idle_timeout > 0)
    deadline = (input_stopped (self) ? now : self->last_read) +
               (gint64) self->idle_timeout * 1000;
  if (self->drain_timeout > 0 && !queue_is_empty (self))
    deadline = MIN (deadline, self->last_write + (gint64) self->drain_timeout * 1000);
  return deadline == G_MAXINT64 ? -1 : deadline;
}

/* One source per connection, re-armed when it fires, so that reading and writing cost no
 * timer work at all. */
static gboolean
timer_cb (gpointer user_data)
{
  GsockStream *self = user_data;
  gint64 now = g_source_get_time (self->timer_source);
  gint64 deadline = next_deadline (self, now);
  g_autoptr(GError) error = NULL;

  if (deadline < 0 || now < deadline)
    {
      g_source_set_ready_time (self->timer_source, deadline);
      return G_SOURCE_CONTINUE;
    }

  if (self->drain_timeout > 0 && !queue_is_empty (self) &&
      now >= self->last_write + (gint64) self->drain_timeout * 1000)
    g_set_error (&error, GSOCK_ERROR, GSOCK_ERROR_NOT_READING,
                 "The peer read nothing of the %" G_GSIZE_FORMAT " bytes queued for it for %u "
                 "ms", self->queued_bytes, self->drain_timeout);
  else
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                 "The peer sent nothing for %u ms", self->idle_timeout);
  g_source_set_ready_time (self->timer_source, -1);
  ended (self, error);
  return G_SOURCE_CONTINUE;
}

static gboolean
timer_dispatch (GSource    *source,
                GSourceFunc callback,
                gpointer    user_data)
{
  return callback (user_data);
}

static GSourceFuncs timer_source_funcs = { NULL, NULL, timer_dispatch, NULL, NULL, NULL };

/* Arms the timer for the next deadline (a source exists while a timeout is set). */
static void
update_timer (GsockStream *self)
{
  if (self->io == NULL || (self->idle_timeout == 0 && self->drain_timeout == 0))
    {
      _gsock_source_clear (&self->timer_source);
      return;
    }
  if (self->timer_source == NULL)
    {
      self->timer_source = g_source_new (&timer_source_funcs, sizeof (GSource));
      g_source_set_callback (self->timer_source, timer_cb, self, NULL);
      g_source_attach (self->timer_source, _gsock_endpoint_get_context (self->owner));
    }
  g_source_set_ready_time (self->timer_source, next_deadline (self, g_get_monotonic_time ()));
}

void
_gsock_stream_init (GsockStream                *self,
                    GsockEndpoint              *owner,
                    const GsockStreamCallbacks *callbacks)
{
  self->owner = owner;
  self->callbacks = callbacks;
  self->fd = -1;
  self->framer = g_object_ref (_gsock_line_framer_get_default ());
  self->max_queued_bytes = GSOCK_DEFAULT_MAX_QUEUED_BYTES;
  self->high_water_mark = GSOCK_DEFAULT_HIGH_WATER_MARK;
  self->low_water_mark = GSOCK_DEFAULT_LOW_WATER_MARK;
  g_queue_init (&self->out);
}

void
_gsock_stream_clear (GsockStream *self)
{
  _gsock_stream_release (self, FALSE);
  g_clear_object (&self->framer);
}

void
_gsock_stream_attach (GsockStream *self,
                      GIOStream   *io,
                      GBytes      *first_input)
{
  GSocketConnection *connection = _gsock_socket_connection_of (io);

  g_return_if_fail (self->io == NULL);

  self->io = g_object_ref (io);
  if (G_IS_TLS_CONNECTION (io))
    self->tls = G_TLS_CONNECTION (io);
  else if (G_IS_TCP_WRAPPER_CONNECTION (io) &&
           G_IS_TLS_CONNECTION (g_tcp_wrapper_connection_get_base_io_stream (
             G_TCP_WRAPPER_CONNECTION (io))))
    self->tls = G_TLS_CONNECTION (g_tcp_wrapper_connection_get_base_io_stream (
      G_TCP_WRAPPER_CONNECTION (io)));
  self->input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (io));
  self->output = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (io));
  self->input_done = FALSE;
  self->closing = FALSE;
  self->shutting_down = FALSE;
  self->write_shut = FALSE;
  /* Only TLS is read before it is attached, and TLS is watched with GIO's sources. */
  g_return_if_fail (first_input == NULL || self->tls != NULL);
  self->first_input = first_input != NULL ? g_bytes_ref (first_input) : NULL;

  if (self->tls == NULL && connection != NULL)
    {
      self->fd = g_socket_get_fd (g_socket_connection_get_socket (connection));
      self->watch = _gsock_watch_new (_gsock_endpoint_get_context (self->owner), self->fd,
                                      watch_cb, self);
    }
  self->last_read = self->last_write = g_get_monotonic_time ();
  update_reading (self);
  update_timer (self);
  /* Whatever waited for this connection (a reconnection) goes out now. */
  if (!queue_is_empty (self))
    _gsock_stream_flush (self);
}

/* A TLS close under way: it is given TLS_CLOSE_TIMEOUT_MS, then its socket is closed. */
typedef struct
{
  GSocket *socket; /* the connection's, or NULL */
  GSource *timeout;
} TlsClose;

static gboolean
tls_close_timeout_cb (gpointer user_data)
{
  TlsClose *close = user_data;

  /* The peer has not read its close_notify in time (nor what was before it): nothing more is
   * owed to it. A shutdown wakes the thread that waits to write it (a close alone would not),
   * and the close, failing, lets everything go. */
  if (close->socket != NULL)
    {
      g_socket_shutdown (close->socket, TRUE, TRUE, NULL);
      g_socket_close (close->socket, NULL);
    }
  g_clear_pointer (&close->timeout, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
tls_closed_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  TlsClose *close = user_data;

  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
  _gsock_source_clear (&close->timeout);
  g_clear_object (&close->socket);
  g_free (close);
}

/* TLS says goodbye (close_notify) at a graceful end, which may have to wait for the peer to
 * read: that runs in one of GIO's threads, for TLS_CLOSE_TIMEOUT_MS at most. A connection
 * dropped, lost or timed out is owed nothing: its socket is closed first, so the TLS close
 * fails at once and its descriptor, thread and buffers go (a close_notify to a peer that never
 * reads would wait for ever). */
static void
close_tls (GIOStream    *io,
           gboolean      graceful,
           GMainContext *context)
{
  GSocketConnection *connection = _gsock_socket_connection_of (io);
  GSocket *socket = connection != NULL ? g_socket_connection_get_socket (connection) : NULL;
  TlsClose *close;

  if (!graceful && socket != NULL)
    g_socket_close (socket, NULL);

  close = g_new0 (TlsClose, 1);
  close->socket = socket != NULL ? g_object_ref (socket) : NULL;
  close->timeout = g_timeout_source_new (TLS_CLOSE_TIMEOUT_MS);
  g_source_set_callback (close->timeout, tls_close_timeout_cb, close, NULL);
  g_source_attach (close->timeout, context);
  /* Its end is told on the endpoint's context, like the timeout. */
  g_main_context_push_thread_default (context);
  g_io_stream_close_async (io, G_PRIORITY_DEFAULT, NULL, tls_closed_cb, close);
  g_main_context_pop_thread_default (context);
}

void
_gsock_stream_release (GsockStream *self,
                       gboolean     keep_messages)
{
  GQueue kept = G_QUEUE_INIT;
  gsize kept_bytes = 0;

  if (keep_messages)
    {
      queue_batch (self);
      /* A message already half written cannot be sent again whole (nor the rest of the
       * buffer it is in: like what the kernel held, those may or may not have arrived). */
      if (self->out_offset > 0)
        g_bytes_unref (g_queue_pop_head (&self->out));
      kept = self->out;
      g_queue_init (&self->out);
      for (GList *l = kept.head; l != NULL; l = l->next)
        kept_bytes += g_bytes_get_size (l->data);
    }

  g_clear_error (&self->close_reason);
  g_clear_pointer (&self->watch, _gsock_watch_free);
  self->fd = -1;
  _gsock_source_clear (&self->read_source);
  _gsock_source_clear (&self->write_source);
  _gsock_source_clear (&self->timer_source);
  self->watching_input = FALSE;
  self->watching_output = FALSE;
  self->input_held = FALSE;
  self->send_refused = FALSE;
  g_queue_clear_full (&self->out, (GDestroyNotify) g_bytes_unref);
  g_clear_pointer (&self->tail, g_byte_array_unref);
  self->out = kept;
  self->out_offset = 0;
  if (self->batch != NULL)
    g_byte_array_set_size (self->batch, 0);
  g_clear_pointer (&self->in, g_byte_array_unref);
  g_clear_pointer (&self->first_input, g_bytes_unref);
  if (self->tls != NULL)
    close_tls (self->io, self->graceful_end, _gsock_endpoint_get_context (self->owner));
  else if (self->io != NULL)
    g_io_stream_close (self->io, NULL, NULL);
  self->graceful_end = FALSE;
  self->tls = NULL;
  g_clear_object (&self->io);
  self->input = NULL;
  self->output = NULL;
  set_queued_bytes (self, kept_bytes);
}

void
_gsock_stream_close (GsockStream *self)
{
  self->closing = TRUE;
  /* Reading goes on while the queue drains, so the peer's last data is not answered with a
   * reset. */
  if (self->io != NULL && !has_output (self))
    output_done (self);
}

void
_gsock_stream_shutdown_write (GsockStream *self)
{
  self->shutting_down = TRUE;
  if (self->io != NULL && !has_output (self))
    output_done (self);
}

gboolean
_gsock_stream_refuse_send (GsockStream *self,
                           gsize        size,
                           GError     **error)
{
  if (self->shutting_down)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                           "The connection's writing side was shut down");
      return FALSE;
    }
  if (!_gsock_stream_queue_has_room (self, size))
    {
      if (!self->send_refused)
        {
          g_autofree char *peer = NULL;

          if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
            {
              peer = peer_name (self);
              g_debug ("Refusing sends to %s, which is not reading: %" G_GSIZE_FORMAT
                       " bytes queued (max-queued-bytes %" G_GUINT64_FORMAT ")", peer,
                       self->queued_bytes, self->max_queued_bytes);
            }
        }
      self->send_refused = TRUE;
      g_set_error (error, GSOCK_ERROR, GSOCK_ERROR_QUEUE_FULL,
                   "The peer is not reading: %" G_GSIZE_FORMAT " bytes are queued already "
                   "(the limit is %" G_GUINT64_FORMAT ")", self->queued_bytes,
                   self->max_queued_bytes);
      return FALSE;
    }
  return TRUE;
}

gboolean
_gsock_stream_send (GsockStream  *self,
                    const guint8 *data,
                    gsize         size,
                    GBytes       *payload,
                    GError      **error)
{
  gsize max = _gsock_endpoint_peek_max_message_size (self->owner);
  GBytes *wire;

  if (self->batch != NULL && self->io != NULL)
    {
      guint before = self->batch->len;

      if (!_gsock_framer_append (self->framer, data, size, payload, max, self->batch, error))
        return FALSE;
      set_queued_bytes (self, self->queued_bytes + (self->batch->len - before));
      return TRUE;
    }

  /* Behind others, a small message joins the open tail: one by one, each would hold a GBytes,
   * a copy and a list link, some 100 bytes of memory for a 2-byte line. */
  if (!g_queue_is_empty (&self->out) && size <= TAIL_MESSAGE_MAX)
    {
      gsize before = self->tail != NULL ? self->tail->len : 0;

      if (self->tail == NULL)
        self->tail = g_byte_array_new ();
      if (!_gsock_framer_append (self->framer, data, size, payload, max, self->tail, error))
        {
          if (self->tail->len == 0)
            g_clear_pointer (&self->tail, g_byte_array_unref);
          return FALSE;
        }
      set_queued_bytes (self, self->queued_bytes + (self->tail->len - before));
      if (self->tail->len >= TAIL_MAX)
        close_tail (self);
      return TRUE;
    }

  if (payload != NULL)
    wire = gsock_framer_encode (self->framer, payload, max, error);
  else
    {
      g_autoptr(GBytes) own = g_bytes_new (data, size);

      wire = gsock_framer_encode (self->framer, own, max, error);
    }
  if (wire == NULL)
    return FALSE;

  close_tail (self);
  g_queue_push_tail (&self->out, wire);
  set_queued_bytes (self, self->queued_bytes + g_bytes_get_size (wire));
  if (!self->watching_output)
    _gsock_stream_flush (self);
  return TRUE;
}

void
_gsock_stream_set_framer (GsockStream *self,
                          GsockFramer *framer)
{
  g_set_object (&self->framer, framer);
  /* What the last framer searched says nothing to this one. */
  self->in_scanned = 0;
}

void
_gsock_stream_set_read_paused (GsockStream *self,
                               gboolean     paused)
{
  self->read_paused = paused;
  update_reading (self);
}

void
_gsock_stream_hold_input (GsockStream *self,
                          gboolean     hold)
{
  g_return_if_fail (hold || self->input_holds > 0);

  self->input_holds += hold ? 1 : -1;
  update_reading (self);
}

void
_gsock_stream_hold_answers (GsockStream *self,
                            gboolean     hold)
{
  g_return_if_fail (hold || self->answers_held > 0);

  self->answers_held += hold ? 1 : -1;
  if (self->io != NULL && !has_output (self))
    output_done (self);
}

void
_gsock_stream_set_idle_timeout (GsockStream *self,
                                guint        timeout_ms)
{
  self->idle_timeout = timeout_ms;
  /* A new timeout counts from now. */
  self->last_read = g_get_monotonic_time ();
  update_timer (self);
}

void
_gsock_stream_set_drain_timeout (GsockStream *self,
                                 guint        timeout_ms)
{
  self->drain_timeout = timeout_ms;
  self->last_write = g_get_monotonic_time ();
  update_timer (self);
}

void
_gsock_stream_set_water_marks (GsockStream *self,
                               guint64      high,
                               guint64      low)
{
  self->high_water_mark = high;
  self->low_water_mark = MIN (low, high);
  update_write_blocked (self);
}

GSocketConnection *
_gsock_socket_connection_of (GIOStream *stream)
{
  g_autoptr(GIOStream) base = NULL;

  if (G_IS_SOCKET_CONNECTION (stream))
    return G_SOCKET_CONNECTION (stream);
  if (!G_IS_TLS_CONNECTION (stream))
    return NULL;
  g_object_get (stream, "base-io-stream", &base, NULL);
  /* The TLS connection holds its base stream for as long as it lives. */
  return _gsock_socket_connection_of (base);
}
