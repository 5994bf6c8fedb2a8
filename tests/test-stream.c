/* test-stream.c: a connection's flow control, drain timeout and half-close, over real
 * sockets with raw peers that read more slowly than they write, or not at all
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gsock/gsock.h>
#include <malloc.h>

#include "gsock-test-util.h"

#define MIB (1024 * 1024)
/* A peer that writes this much without being pushed back shows a server that keeps reading. */
#define UNBOUNDED (64 * MIB)

typedef struct
{
  GsockTcpServer *server;
  guint16 port;
  GPtrArray *accepted;   /* GsockTcpClient * */
  GPtrArray *reasons;    /* GError * (or NULL for an orderly end), one per disconnected client */
  GPtrArray *errors;     /* GError * of echoes that failed */
  gsize max_queued;      /* the most any accepted client had queued */
  guint blocked_on;      /* write-blocked notifications to TRUE, and to FALSE */
  guint blocked_off;

  /* handler-threads: the handler waits until the gate opens */
  GMutex lock;
  GCond cond;
  gboolean gate_closed;
  guint handler_sleep_us;
} Fixture;

static void
echo_cb (GsockEndpoint *server,
         GsockMessage  *message,
         Fixture       *fx)
{
  g_autoptr(GError) error = NULL;
  gsize size;
  const guint8 *data = gsock_message_get_data (message, &size);

  g_mutex_lock (&fx->lock);
  while (fx->gate_closed)
    g_cond_wait (&fx->cond, &fx->lock);
  g_mutex_unlock (&fx->lock);
  if (fx->handler_sleep_us > 0)
    g_usleep (fx->handler_sleep_us);

  if (!gsock_message_reply_data (message, data, size, &error))
    {
      g_mutex_lock (&fx->lock);
      g_ptr_array_add (fx->errors, g_steal_pointer (&error));
      g_mutex_unlock (&fx->lock);
    }
}

static void
queued_cb (GsockTcpClient *client,
           GParamSpec     *pspec,
           Fixture        *fx)
{
  fx->max_queued = MAX (fx->max_queued, gsock_tcp_client_get_queued_bytes (client));
}

static void
write_blocked_cb (GsockTcpClient *client,
                  GParamSpec     *pspec,
                  Fixture        *fx)
{
  if (gsock_tcp_client_get_write_blocked (client))
    fx->blocked_on++;
  else
    fx->blocked_off++;
}

static void
connected_cb (GsockTcpServer *server,
              GsockTcpClient *client,
              Fixture        *fx)
{
  g_ptr_array_add (fx->accepted, g_object_ref (client));
  g_signal_connect (client, "notify::queued-bytes", G_CALLBACK (queued_cb), fx);
  g_signal_connect (client, "notify::write-blocked", G_CALLBACK (write_blocked_cb), fx);
}

static void
disconnected_cb (GsockTcpServer *server,
                 GsockTcpClient *client,
                 const GError   *reason,
                 Fixture        *fx)
{
  g_ptr_array_add (fx->reasons, reason != NULL ? g_error_copy (reason) : NULL);
}

static void
free_reason (gpointer reason)
{
  if (reason != NULL)
    g_error_free (reason);
}

static void
fixture_set_up (Fixture      *fx,
                gconstpointer data)
{
  g_mutex_init (&fx->lock);
  g_cond_init (&fx->cond);
  fx->accepted = g_ptr_array_new_with_free_func (g_object_unref);
  fx->reasons = g_ptr_array_new_with_free_func (free_reason);
  fx->errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  fx->server = gsock_tcp_server_new ("127.0.0.1", 0);
  g_signal_connect (fx->server, "message-received", G_CALLBACK (echo_cb), fx);
  g_signal_connect (fx->server, "client-connected", G_CALLBACK (connected_cb), fx);
  g_signal_connect (fx->server, "client-disconnected", G_CALLBACK (disconnected_cb), fx);
}

static void
fixture_listen (Fixture *fx)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (gsock_tcp_server_listen (fx->server, &error));
  g_assert_no_error (error);
  fx->port = gsock_test_endpoint_get_port (fx->server);
}

static void
open_gate (Fixture *fx)
{
  g_mutex_lock (&fx->lock);
  fx->gate_closed = FALSE;
  g_cond_broadcast (&fx->cond);
  g_mutex_unlock (&fx->lock);
}

static void
fixture_tear_down (Fixture      *fx,
                   gconstpointer data)
{
  open_gate (fx);
  gsock_endpoint_abort (GSOCK_ENDPOINT (fx->server));
  g_ptr_array_unref (fx->accepted);
  /* Handler threads hold the server until their last job is done. */
  gsock_test_wait_until (G_OBJECT (fx->server)->ref_count == 1);
  g_assert_finalize_object (fx->server);
  g_ptr_array_unref (fx->reasons);
  g_ptr_array_unref (fx->errors);
  g_mutex_clear (&fx->lock);
  g_cond_clear (&fx->cond);
}

/* @n_lines lines of 1 KiB, each different (it starts with its number). */
static GBytes *
make_lines (guint n_lines)
{
  GByteArray *lines = g_byte_array_sized_new (n_lines * 1024);

  for (guint i = 0; i < n_lines; i++)
    {
      char line[1024];
      int n = g_snprintf (line, sizeof line, "%08u ", i);

      memset (line + n, 'a' + i % 26, sizeof line - n - 1);
      line[sizeof line - 1] = '\n';
      g_byte_array_append (lines, (const guint8 *) line, sizeof line);
    }
  return g_byte_array_free_to_bytes (lines);
}

/* One non-blocking send of up to @len bytes: what the kernel took, 0 if it would block. */
static gsize
send_some (GSocket      *socket,
           const guint8 *data,
           gsize         len)
{
  g_autoptr(GError) error = NULL;
  gssize n = g_socket_send_with_blocking (socket, (const char *) data, len, FALSE, NULL,
                                          &error);

  if (n < 0)
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
      return 0;
    }
  return n;
}

/* One non-blocking receive into @buffer: what came, 0 if nothing is there. */
static gsize
receive_some (GSocket *socket,
              guint8  *buffer,
              gsize    len)
{
  g_autoptr(GError) error = NULL;
  gssize n = g_socket_receive_with_blocking (socket, (char *) buffer, len, FALSE, NULL,
                                             &error);

  if (n < 0)
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
      return 0;
    }
  g_assert_cmpint (n, >, 0); /* never the end: the server does not close on us */
  return n;
}

/* Writes @data without reading until the kernel takes nothing more for a while (the server
 * stopped reading: the peer is pushed back), or UNBOUNDED bytes went; returns how many went. */
static gsize
write_until_pushed_back (GSocket      *socket,
                         const guint8 *data,
                         gsize         len)
{
  gsize sent = 0;
  guint stalled_ms = 0;

  while (sent < UNBOUNDED && stalled_ms < 500)
    {
      gsize n = send_some (socket, data + sent % len, MIN (65536, len - sent % len));

      sent += n;
      if (n > 0)
        stalled_ms = 0;
      else
        {
          gsock_test_run_for (NULL, 10);
          stalled_ms += 10;
        }
      gsock_test_drain (NULL);
    }
  return sent;
}

/* A client sends 24 MB of lines while it reads the echoes more slowly than it writes: the
 * server stops reading it while 1 MiB waits (write-blocked), and every byte comes back, in
 * order, with nothing refused and no drop (before flow control, its answers went past the
 * 8 MiB max-queued-bytes and were refused). */
static void
test_slow_reader_gets_every_byte (Fixture      *fx,
                                  gconstpointer data)
{
  g_autoptr(GBytes) lines = make_lines (24 * 1024);
  g_autoptr(GSocket) raw = NULL;
  g_autofree guint8 *buffer = g_malloc (16384);
  gsize total;
  const guint8 *wire = g_bytes_get_data (lines, &total);
  gsize sent = 0, received = 0;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  fixture_listen (fx);
  raw = gsock_test_tcp_connect (fx->port);
  gsock_test_wait_until (fx->accepted->len == 1);

  while (received < total)
    {
      gsize n;

      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      if (sent < total)
        sent += send_some (raw, wire + sent, MIN (256 * 1024, total - sent));
      /* The reader takes at most 16 KiB a turn, the writer up to 256 KiB. */
      n = receive_some (raw, buffer, 16384);
      g_assert_cmpuint (received + n, <=, sent);
      g_assert_cmpmem (buffer, n, wire + received, n);
      received += n;
      g_main_context_iteration (NULL, n == 0 && sent == total);
    }

  g_assert_cmpuint (fx->errors->len, ==, 0);
  g_assert_cmpuint (fx->reasons->len, ==, 0);
  /* Flow control held the queue near its high-water mark: one read's answers past it. */
  g_assert_cmpuint (fx->max_queued, >=, 1 * MIB);
  g_assert_cmpuint (fx->max_queued, <, 3 * MIB);
  g_assert_cmpuint (fx->blocked_on, >=, 1);
  g_assert_cmpuint (fx->blocked_off, ==, fx->blocked_on);
  g_assert_false (gsock_tcp_client_get_write_blocked (fx->accepted->pdata[0]));
}

/* A peer that writes and never reads is pushed back once its answers pass the high-water
 * mark, and the server holds no more for it; with a drain timeout it is dropped with
 * GSOCK_ERROR_NOT_READING (before flow control, the server read on for ever, refusing the
 * answers). */
static void
test_never_reading_peer_is_pushed_back (Fixture      *fx,
                                        gconstpointer data)
{
  g_autoptr(GBytes) lines = make_lines (1024);
  g_autoptr(GSocket) raw = NULL;
  GsockTcpClient *client;
  gsize len, sent;
  const guint8 *wire = g_bytes_get_data (lines, &len);

  fixture_listen (fx);
  raw = gsock_test_tcp_connect (fx->port);
  gsock_test_wait_until (fx->accepted->len == 1);
  client = fx->accepted->pdata[0];

  sent = write_until_pushed_back (raw, wire, len);
  g_test_message ("the peer wrote %" G_GSIZE_FORMAT " bytes before it was pushed back", sent);
  g_assert_cmpuint (sent, <, UNBOUNDED / 2);
  g_assert_true (gsock_tcp_client_get_write_blocked (client));
  g_assert_cmpuint (fx->max_queued, <, 3 * MIB);
  g_assert_cmpuint (fx->errors->len, ==, 0);
  g_assert_cmpuint (fx->reasons->len, ==, 0);

  /* It reads nothing of what waits for it: with a drain timeout, it goes. */
  gsock_tcp_client_set_drain_timeout (client, 200);
  gsock_test_wait_until (fx->reasons->len == 1);
  g_assert_error ((GError *) fx->reasons->pdata[0], GSOCK_ERROR, GSOCK_ERROR_NOT_READING);
}

/* The heap this process holds now (0 where malloc is not glibc's: the sanitizers', valgrind's). */
static gsize
heap_in_use (void)
{
  struct mallinfo2 info = mallinfo2 ();

  return info.uordblks + info.hblkhd;
}

/* Sends line @i: a short number, or every 1,000th a line of 2 KiB (queued apart); adds it
 * to @expected on success. */
static gboolean
send_numbered_line (GsockEndpoint *client,
                    guint          i,
                    GString       *expected,
                    GError       **error)
{
  g_autofree char *line = i % 1000 == 999 ? g_strdup_printf ("%u%2048s", i, "")
                                          : g_strdup_printf ("%u", i);

  if (!gsock_endpoint_send (client, line, NULL, error))
    return FALSE;
  g_string_append_printf (expected, "%s\n", line);
  return TRUE;
}

/* Small messages to a peer that reads nothing: what the queue holds in memory stays near
 * max-queued-bytes (queued one by one, each line held about 100 bytes of bookkeeping: 71
 * times the limit here), and once the peer reads, every line comes, in order. */
static void
test_small_messages_keep_the_queue_small (Fixture      *fx,
                                          gconstpointer data)
{
  g_autoptr(GSocket) raw = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autoptr(GBytes) received = NULL;
  GsockEndpoint *client;
  gsize before, before_expected, growth;
  /* Where the heap cannot be measured (the sanitizers', valgrind's malloc), only the order and
   * the bytes are checked: a smaller queue does, in a time valgrind can afford. */
  gsize limit = heap_in_use () > 0 ? MIB : 64 * 1024;
  guint i = 0;

  fixture_listen (fx);
  raw = gsock_test_tcp_connect (fx->port);
  gsock_test_wait_until (fx->accepted->len == 1);
  client = fx->accepted->pdata[0];
  gsock_tcp_client_set_max_queued_bytes (GSOCK_TCP_CLIENT (client), limit);

  /* The kernel's buffers (megabytes on loopback) take the first ones without any queue: fill
   * them with long lines, which cost few sends. */
  while (gsock_tcp_client_get_queued_bytes (GSOCK_TCP_CLIENT (client)) == 0)
    {
      g_autofree char *filler = g_strdup_printf ("%u%16384s", i++, "");

      g_assert_true (gsock_endpoint_send (client, filler, NULL, NULL));
      g_string_append_printf (expected, "%s\n", filler);
    }
  before = heap_in_use ();
  before_expected = expected->allocated_len;
  while (send_numbered_line (client, i, expected, &error))
    i++;
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_QUEUE_FULL);
  /* What the test itself keeps of the lines is not the queue's. */
  growth = heap_in_use () - (expected->allocated_len - before_expected);
  growth = growth > before ? growth - before : 0;
  g_test_message ("%u lines, %" G_GSIZE_FORMAT " bytes of heap for the queue", i, growth);
  g_assert_cmpuint (i, >, limit / 16);
  /* mallinfo2() sees nothing of the sanitizers' and valgrind's malloc. */
  if (before > 0)
    g_assert_cmpuint (growth, <, 2 * MIB);

  received = gsock_test_socket_read (raw, expected->len, 65536, NULL);
  g_assert_cmpmem (g_bytes_get_data (received, NULL), g_bytes_get_size (received),
                   expected->str, expected->len);
}

/* A graceful close that cannot write what is queued (the peer reads nothing, and the drain
 * timeout ends it) fails, saying how many bytes were lost (it reported success before). */
static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
test_close_async_reports_unsent_bytes (Fixture      *fx,
                                       gconstpointer data)
{
  g_autoptr(GBytes) lines = make_lines (1024);
  g_autoptr(GSocket) raw = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GsockTcpClient *client;
  gsize len;
  const guint8 *wire = g_bytes_get_data (lines, &len);

  fixture_listen (fx);
  raw = gsock_test_tcp_connect (fx->port);
  gsock_test_wait_until (fx->accepted->len == 1);
  client = g_object_ref (fx->accepted->pdata[0]);
  write_until_pushed_back (raw, wire, len);
  g_assert_cmpuint (gsock_tcp_client_get_queued_bytes (client), >, 0);

  gsock_tcp_client_set_drain_timeout (client, 200);
  gsock_endpoint_close_async (GSOCK_ENDPOINT (client), NULL, store_result_cb, &result);
  gsock_test_wait_until (result != NULL);
  g_assert_false (gsock_endpoint_close_finish (GSOCK_ENDPOINT (client), result, &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_NOT_READING);
  g_assert_nonnull (strstr (error->message, "bytes queued were not written"));
  g_object_unref (client);
}

/* A drain timeout does not drop a peer that reads slowly: each bit it reads restarts it.
 * The answers first pile up until the server stops reading the peer (so they do wait), then
 * the peer reads 256 KiB every 50 ms: it all takes far longer than the 2 s timeout, never
 * that long without progress (the kernel takes more of the queue in steps of half its send
 * buffer, a few hundred ms here). */
static void
test_drain_timeout_spares_slow_reader (Fixture      *fx,
                                       gconstpointer data)
{
  g_autoptr(GBytes) lines = make_lines (16 * 1024);
  g_autoptr(GSocket) raw = NULL;
  g_autofree guint8 *buffer = g_malloc (256 * 1024);
  gsize total, sent = 0, received = 0;
  const guint8 *wire = g_bytes_get_data (lines, &total);
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  gsock_tcp_server_set_drain_timeout (fx->server, 2000);
  fixture_listen (fx);
  raw = gsock_test_tcp_connect (fx->port);
  gsock_test_wait_until (fx->accepted->len == 1);
  g_assert_cmpuint (gsock_tcp_client_get_drain_timeout (fx->accepted->pdata[0]), ==, 2000);

  while (fx->blocked_on == 0)
    {
      g_assert_cmpuint (sent, <, total);
      sent += send_some (raw, wire + sent, total - sent);
      gsock_test_run_for (NULL, 5);
    }
  while (received < total)
    {
      gsize n;

      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      while (sent < total && (n = send_some (raw, wire + sent, total - sent)) > 0)
        sent += n;
      n = receive_some (raw, buffer, 256 * 1024);
      g_assert_cmpmem (buffer, n, wire + received, n);
      received += n;
      gsock_test_run_for (NULL, 50);
    }
  g_assert_cmpuint (fx->reasons->len, ==, 0);
}

/* With handler threads, the messages waiting for a handler count toward flow control: while
 * the handler is stuck, the peer is pushed back instead of the server reading it all into
 * the handler queue (889 MB in 3 s before); once it goes on, every echo comes, in order. */
static void
test_handler_backlog_pushes_back (Fixture      *fx,
                                  gconstpointer data)
{
  g_autoptr(GBytes) lines = make_lines (1024);
  g_autoptr(GSocket) raw = NULL;
  g_autofree guint8 *buffer = g_malloc (65536);
  gsize len, sent, total, received = 0;
  const guint8 *wire = g_bytes_get_data (lines, &len);

  gsock_tcp_server_set_handler_threads (fx->server, 1);
  fx->gate_closed = TRUE;
  fixture_listen (fx);
  raw = gsock_test_tcp_connect (fx->port);
  gsock_test_wait_until (fx->accepted->len == 1);

  sent = write_until_pushed_back (raw, wire, len);
  g_test_message ("the peer wrote %" G_GSIZE_FORMAT " bytes before it was pushed back", sent);
  g_assert_cmpuint (sent, <, UNBOUNDED / 2);

  open_gate (fx);
  /* The last line the peer got out is finished too (as it reads), so every byte has an echo. */
  total = sent + (1024 - sent % 1024) % 1024;
  while (received < total)
    {
      gsize n;

      if (sent < total)
        sent += send_some (raw, wire + sent % len, total - sent);
      n = receive_some (raw, buffer, MIN (65536, sent - received));

      for (gsize done = 0; done < n;)
        {
          gsize offset = (received + done) % len;
          gsize piece = MIN (n - done, len - offset);

          g_assert_cmpmem (buffer + done, piece, wire + offset, piece);
          done += piece;
        }
      received += n;
      if (n == 0)
        gsock_test_run_for (NULL, 5);
    }
  g_assert_cmpuint (fx->errors->len, ==, 0);
  g_assert_cmpuint (fx->reasons->len, ==, 0);
}

/* A peer that sends its requests, shuts down its writing side and reads gets every answer,
 * even those the handler threads give after the end of file was read (before, the server
 * closed as soon as it saw the end, with nothing queued yet). */
static void
test_half_close_waits_for_handler_answers (Fixture      *fx,
                                           gconstpointer data)
{
  g_autoptr(GString) requests = g_string_new (NULL);
  g_autoptr(GSocket) raw = NULL;
  g_autoptr(GBytes) answers = NULL;
  g_autoptr(GError) error = NULL;
  gboolean eof = FALSE;

  gsock_tcp_server_set_handler_threads (fx->server, 2);
  fx->handler_sleep_us = 1000;
  fixture_listen (fx);
  for (guint i = 0; i < 200; i++)
    g_string_append_printf (requests, "request %u\n", i);

  raw = gsock_test_tcp_connect (fx->port);
  gsock_test_socket_send_all (raw, requests->str, requests->len);
  g_assert_true (g_socket_shutdown (raw, FALSE, TRUE, &error));
  g_assert_no_error (error);

  answers = gsock_test_socket_read (raw, G_MAXSIZE, 4096, &eof);
  g_assert_true (eof);
  gsock_test_assert_bytes (answers, requests->str, requests->len);
  gsock_test_wait_until (fx->reasons->len == 1);
  g_assert_null (fx->reasons->pdata[0]);
}

static void
disconnected_set_cb (GsockTcpClient *client,
                     const GError   *reason,
                     gboolean       *disconnected)
{
  g_assert_null (reason);
  *disconnected = TRUE;
}

/* gsock_tcp_client_shutdown_write(): what was queued goes out, then the peer reads the end
 * while it can still answer; sends fail from then on, and the peer's close in turn ends the
 * connection in order. */
static void
test_shutdown_write_half_closes (void)
{
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GSocket) peer = NULL;
  g_autoptr(GsockTcpClient) client = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GsockMessage) answer = NULL;
  gboolean eof = FALSE;
  gboolean disconnected = FALSE;
  guint16 port;

  listener = gsock_test_tcp_listen (4, &port);
  client = gsock_tcp_client_new ("127.0.0.1", port);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), 5000);
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);
  peer = gsock_test_tcp_accept (listener);

  g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), "last request", NULL, &error));
  gsock_tcp_client_shutdown_write (client);
  g_assert_false (gsock_endpoint_send (GSOCK_ENDPOINT (client), "too late", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);

  got = gsock_test_socket_read (peer, G_MAXSIZE, 4096, &eof);
  g_assert_true (eof);
  gsock_test_assert_bytes (got, "last request\n", 13);
  g_assert_cmpint (gsock_endpoint_get_state (GSOCK_ENDPOINT (client)), ==, GSOCK_STATE_OPEN);

  /* The peer still answers, then closes. */
  g_signal_connect (client, "disconnected", G_CALLBACK (disconnected_set_cb), &disconnected);
  gsock_test_socket_send_all (peer, "answer\n", 7);
  answer = gsock_endpoint_receive_message (GSOCK_ENDPOINT (client), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gsock_message_get_text (answer, NULL), ==, "answer");
  g_assert_true (g_socket_shutdown (peer, FALSE, TRUE, &error));
  gsock_test_wait_until (disconnected);
  g_assert_cmpint (gsock_endpoint_get_state (GSOCK_ENDPOINT (client)), ==, GSOCK_STATE_CLOSED);
}

/* A queued-bytes handler that aborts the connection while its queue drains: the write that
 * notified it stops there (it used to go on with the queue the abort had emptied). */
static void
abort_on_drain_cb (GsockTcpClient *client,
                   GParamSpec     *pspec,
                   gsize          *last)
{
  gsize queued = gsock_tcp_client_get_queued_bytes (client);

  if (queued < *last)
    gsock_endpoint_abort (GSOCK_ENDPOINT (client));
  *last = queued;
}

static void
test_abort_from_queued_bytes_handler (Fixture      *fx,
                                      gconstpointer data)
{
  g_autoptr(GBytes) chunk = gsock_test_pattern_bytes (512 * 1024);
  g_autoptr(GSocket) raw = NULL;
  g_autoptr(GBytes) got = NULL;
  GsockTcpClient *client;
  gboolean eof = FALSE;
  gsize last = 0;

  fixture_listen (fx);
  raw = gsock_test_tcp_connect (fx->port);
  gsock_test_wait_until (fx->accepted->len == 1);
  client = fx->accepted->pdata[0];

  /* 8 MiB the peer does not read yet: much of it waits in the queue. */
  for (guint i = 0; i < 16; i++)
    g_assert_true (gsock_endpoint_send_bytes (GSOCK_ENDPOINT (client), chunk, NULL, NULL));
  g_assert_cmpuint (gsock_tcp_client_get_queued_bytes (client), >, 0);
  last = gsock_tcp_client_get_queued_bytes (client);
  g_signal_connect (client, "notify::queued-bytes", G_CALLBACK (abort_on_drain_cb), &last);

  got = gsock_test_socket_read (raw, G_MAXSIZE, 65536, &eof);
  g_assert_true (eof);
  g_assert_cmpuint (g_bytes_get_size (got), <, 16 * g_bytes_get_size (chunk) + 16);
  g_assert_cmpint (gsock_endpoint_get_state (GSOCK_ENDPOINT (client)), ==, GSOCK_STATE_CLOSED);
}

/* The marks are properties of the client, inherited from the server; the low one never
 * counts above the high one. */
static void
test_water_marks_are_inherited (Fixture      *fx,
                                gconstpointer data)
{
  g_autoptr(GSocket) raw = NULL;
  GsockTcpClient *client;

  g_assert_cmpuint (gsock_tcp_server_get_high_water_mark (fx->server), ==, 1 * MIB);
  g_assert_cmpuint (gsock_tcp_server_get_low_water_mark (fx->server), ==, 256 * 1024);
  gsock_tcp_server_set_high_water_mark (fx->server, 4096);
  gsock_tcp_server_set_low_water_mark (fx->server, 1024);
  fixture_listen (fx);
  raw = gsock_test_tcp_connect (fx->port);
  gsock_test_wait_until (fx->accepted->len == 1);
  client = fx->accepted->pdata[0];
  g_assert_cmpuint (gsock_tcp_client_get_high_water_mark (client), ==, 4096);
  g_assert_cmpuint (gsock_tcp_client_get_low_water_mark (client), ==, 1024);

  gsock_tcp_client_set_low_water_mark (client, 8192);
  g_assert_cmpuint (gsock_tcp_client_get_low_water_mark (client), ==, 4096);
  gsock_tcp_client_set_high_water_mark (client, 0);
  g_assert_false (gsock_tcp_client_get_write_blocked (client));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gsock_test_install_watchdog ();

#define ADD(path, func) \
  g_test_add ("/Gsock/Stream/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("flow-control/slow-reader-gets-every-byte", test_slow_reader_gets_every_byte);
  ADD ("flow-control/never-reading-peer-is-pushed-back", test_never_reading_peer_is_pushed_back);
  ADD ("flow-control/drain-timeout-spares-a-slow-reader", test_drain_timeout_spares_slow_reader);
  ADD ("flow-control/small-messages-keep-the-queue-small",
       test_small_messages_keep_the_queue_small);
  ADD ("close-async/reports-unsent-bytes", test_close_async_reports_unsent_bytes);
  ADD ("flow-control/handler-backlog-pushes-back", test_handler_backlog_pushes_back);
  ADD ("flow-control/water-marks-are-inherited", test_water_marks_are_inherited);
  ADD ("flow-control/abort-from-a-queued-bytes-handler", test_abort_from_queued_bytes_handler);
  ADD ("half-close/peer-gets-answers-of-handler-threads",
       test_half_close_waits_for_handler_answers);
  g_test_add_func ("/Gsock/Stream/half-close/shutdown-write", test_shutdown_write_half_closes);

  return g_test_run ();
}
