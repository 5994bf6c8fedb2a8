/* gsock-stream-private.h: a framed byte stream with flow control, the core of a connection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "gsock-endpoint.h"
#include "gsock-framer-private.h"
#include "gsock-watch-private.h"

G_BEGIN_DECLS

/* What a stream tells its owner (the endpoint it was initialised with, passed as @owner).
 * Every callback runs on the owner's context. After message and ended, the stream may have
 * been released by the owner; the stream checks that itself. */
typedef struct
{
  /* A whole message was cut from the input. */
  void (*message)        (GsockEndpoint    *owner,
                          const GsockFrame *frame);
  /* Around the handling of one readiness of the input (counters are held meanwhile). */
  void (*read_begin)     (GsockEndpoint    *owner);
  void (*read_end)       (GsockEndpoint    *owner);
  void (*received)       (GsockEndpoint    *owner,
                          gsize             n_bytes);
  void (*sent)           (GsockEndpoint    *owner,
                          gsize             n_bytes);
  /* queued-bytes changed; within a read, once at its end. */
  void (*queued_changed) (GsockEndpoint    *owner);
  /* write-blocked changed; within a read, at its end if it differs from its start. */
  void (*write_blocked_changed) (GsockEndpoint *owner);
  /* The queue is down to half of max-queued-bytes after a send was refused for it. */
  void (*drained)        (GsockEndpoint    *owner);
  /* The stream has ended (an error, the peer's close, a timeout, or a close of the owner's
   * that has flushed): the owner releases it. @reason is NULL for an orderly end. */
  void (*ended)          (GsockEndpoint    *owner,
                          const GError     *reason);
} GsockStreamCallbacks;

/* Plain data embedded in its owner: one connection's readiness, input buffer, write queue,
 * flow control, timers and half-close. Only the owner's context touches it. */
typedef struct
{
  const GsockStreamCallbacks *callbacks;
  GsockEndpoint *owner; /* not owned: it embeds the stream */

  GIOStream *io;
  GTlsConnection *tls; /* the TLS layer of io, if any; not owned */
  GPollableInputStream *input;
  GPollableOutputStream *output;
  GsockFramer *framer;

  /* Readiness: one epoll watch for a plain socket, GLib's pollable sources otherwise (TLS
   * keeps data of its own buffered above the socket). */
  GsockWatch *watch;
  int fd;                /* the plain socket's descriptor, read and written directly; or -1 */
  GSource *read_source;
  GSource *write_source;
  GSource *timer_source; /* idle-timeout and drain-timeout, whichever is due first */
  gboolean watching_input;
  gboolean watching_output;

  /* Why the input is not watched: any of these. */
  gboolean read_paused;   /* the owner's read-paused */
  guint input_holds;      /* the owner's holds (messages waiting for a handler thread) */
  gboolean write_blocked; /* flow control: too much waits to be written */
  gboolean input_held;    /* a handler of this connection runs a nested main loop */
  gboolean input_done;    /* the peer's end of file */

  gboolean in_read;       /* inside one read's handling (handle_input) */
  GByteArray *in;         /* the start of a message whose end has not come yet; NULL when none */
  GBytes *first_input;    /* read before the stream was attached, decoded first; or NULL */
  gsize in_scanned;       /* of in, the bytes the framer searched and found no message in */

  GQueue out;             /* GBytes * of wire bytes; the head is written up to out_offset */
  gsize out_offset;
  GByteArray *tail;       /* small messages after out's, in one buffer (NULL, or not empty) */
  GByteArray *batch;      /* set during a read: the answers given meanwhile (the thread's) */
  gsize queued_bytes;
  gboolean queued_changed;        /* within a read, to be told at its end */
  gboolean send_refused;          /* drained is due once the queue is down to half */

  gboolean closing;       /* the owner's close: flush, then end */
  gboolean shutting_down; /* the owner's shutdown of its writing side: flush, then shut */
  gboolean write_shut;    /* the writing side is shut down */
  guint answers_held;     /* answers still to come: a peer's end of file waits for them */
  GError *close_reason;   /* why, once flushed, the stream ends (or NULL) */
  gboolean graceful_end;  /* it ends with everything said: TLS owes its close_notify */

  guint64 max_queued_bytes;
  guint64 high_water_mark;
  guint64 low_water_mark;
  guint idle_timeout;     /* ms, 0 = none */
  guint drain_timeout;    /* ms, 0 = none */
  gint64 last_read;       /* monotonic µs, for idle-timeout */
  gint64 last_write;      /* monotonic µs of the queue's last progress, for drain-timeout */
} GsockStream;

void      _gsock_stream_init      (GsockStream                *self,
                                   GsockEndpoint              *owner,
                                   const GsockStreamCallbacks *callbacks);
/* Releases the connection and frees everything (the owner's finalize). */
void      _gsock_stream_clear     (GsockStream                *self);

/* Takes over an established connection and starts reading it, with @first_input (nullable:
 * what was read from it already, the connector's wait for a TLS verdict) as its first read. */
void      _gsock_stream_attach    (GsockStream                *self,
                                   GIOStream                  *io,
                                   GBytes                     *first_input);
/* Drops the connection without a word. With @keep_messages, the whole messages still queued
 * stay queued (a half-written head is dropped: it cannot be sent again whole), to be
 * written to the next connection attached; otherwise the queue is emptied. */
void      _gsock_stream_release   (GsockStream                *self,
                                   gboolean                    keep_messages);
/* Writes what is queued, if connected. */
void      _gsock_stream_flush     (GsockStream                *self);
/* Starts a graceful close: what is queued is written, then the stream ends. */
void      _gsock_stream_close     (GsockStream                *self);
/* Shuts the writing side down once what is queued is written; reading goes on. */
void      _gsock_stream_shutdown_write (GsockStream           *self);

/* Whether @size more bytes fit under max-queued-bytes (a message larger than the limit is
 * taken when nothing is queued). */
static inline gboolean
_gsock_stream_queue_has_room (GsockStream *self,
                              gsize        size)
{
  return self->max_queued_bytes == 0 || self->queued_bytes == 0 ||
         self->queued_bytes + size <= self->max_queued_bytes;
}

/* _gsock_stream_check_send() out of line, where it refuses: sets @error (and drained is then
 * due for a full queue). */
gboolean  _gsock_stream_refuse_send (GsockStream              *self,
                                     gsize                     size,
                                     GError                  **error);

/* Whether a message of @size bytes may be queued: FALSE with @error for a shut writing side
 * or a full queue (GSOCK_ERROR_QUEUE_FULL, and drained is then due). */
static inline gboolean
_gsock_stream_check_send (GsockStream *self,
                          gsize        size,
                          GError     **error)
{
  if (G_LIKELY (!self->shutting_down && _gsock_stream_queue_has_room (self, size)))
    return TRUE;
  return _gsock_stream_refuse_send (self, size, error);
}
/* Frames and queues one message (into the read's batch inside a read) and writes it when it
 * can; FALSE with @error from the framer. Sizes and state are checked by the caller. */
gboolean  _gsock_stream_send      (GsockStream                *self,
                                   const guint8               *data,
                                   gsize                       size,
                                   GBytes                     *payload,
                                   GError                    **error);

void      _gsock_stream_set_framer          (GsockStream *self,
                                             GsockFramer *framer);
void      _gsock_stream_set_read_paused     (GsockStream *self,
                                             gboolean     paused);
/* Holds (or releases a hold on) the input: no reading while any hold is on. */
void      _gsock_stream_hold_input          (GsockStream *self,
                                             gboolean     hold);
/* Holds (or releases a hold on) the end: a peer's end of file ends the stream only once no
 * answer is held and the queue is written. */
void      _gsock_stream_hold_answers        (GsockStream *self,
                                             gboolean     hold);
void      _gsock_stream_set_idle_timeout    (GsockStream *self,
                                             guint        timeout_ms);
void      _gsock_stream_set_drain_timeout   (GsockStream *self,
                                             guint        timeout_ms);
void      _gsock_stream_set_water_marks     (GsockStream *self,
                                             guint64      high,
                                             guint64      low);

static inline gboolean
_gsock_stream_is_attached (GsockStream *self)
{
  return self->io != NULL;
}

/* The socket connection under the (TLS) stream, or NULL. */
GSocketConnection *_gsock_socket_connection_of (GIOStream *stream);

G_END_DECLS
