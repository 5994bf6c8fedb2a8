/* test-threads.c: endpoints on worker threads' contexts, sending from any thread, handler
 * threads
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gsock/gsock.h>

#include "gsock-test-util.h"

/* A server living in a worker thread with its own main context. */
typedef struct
{
  GMainContext *context;
  GMainLoop *loop;
  GAsyncQueue *ready; /* the port, once listening */
  GThread *handler_thread;
  guint handled;
} Worker;

static void
worker_echo_cb (GsockEndpoint *server,
                GsockMessage  *message,
                Worker        *worker)
{
  worker->handler_thread = g_thread_self ();
  worker->handled++;
  gsock_message_reply_bytes (message, gsock_message_get_bytes (message), NULL);
}

static gpointer
worker_main (gpointer data)
{
  Worker *worker = data;
  g_autoptr(GsockTcpServer) server = NULL;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (worker->context);
  server = gsock_tcp_server_new ("127.0.0.1", 0);
  g_signal_connect (server, "message-received", G_CALLBACK (worker_echo_cb), worker);
  g_assert_true (gsock_tcp_server_listen (server, &error));
  g_async_queue_push (worker->ready, GUINT_TO_POINTER (gsock_test_endpoint_get_port (server)));

  g_main_loop_run (worker->loop);

  gsock_endpoint_abort (GSOCK_ENDPOINT (server));
  g_main_context_pop_thread_default (worker->context);
  return NULL;
}

static gboolean
quit_cb (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static void
test_server_in_worker_thread (void)
{
  Worker worker = { 0 };
  g_autoptr(GThread) thread = NULL;
  g_autoptr(GsockTcpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  worker.context = g_main_context_new ();
  worker.loop = g_main_loop_new (worker.context, FALSE);
  worker.ready = g_async_queue_new ();
  thread = g_thread_new ("gsock-test-server", worker_main, &worker);
  port = GPOINTER_TO_UINT (g_async_queue_timeout_pop (worker.ready, 10 * G_USEC_PER_SEC));
  g_assert_cmpuint (port, !=, 0);

  /* The client lives on this thread's context, the server on the worker's. */
  client = gsock_tcp_client_new ("127.0.0.1", port);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), 5000);
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *text = g_strdup_printf ("message %u", i);
      g_autofree char *reply = NULL;

      g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (client), text, NULL, &error));
      reply = gsock_endpoint_receive (GSOCK_ENDPOINT (client), NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (reply, ==, text);
    }
  g_assert_true (worker.handler_thread == thread);

  g_main_context_invoke (worker.context, quit_cb, worker.loop);
  g_thread_join (g_steal_pointer (&thread));
  g_assert_cmpuint (worker.handled, ==, 20);
  g_main_loop_unref (worker.loop);
  g_main_context_unref (worker.context);
  g_async_queue_unref (worker.ready);
}

/* Sending from a thread that does not own the endpoint hands the message over, in order. */
typedef struct
{
  GsockEndpoint *endpoint;
  guint count;
} Sender;

static gpointer
sender_main (gpointer data)
{
  Sender *sender = data;

  for (guint i = 0; i < sender->count; i++)
    {
      g_autofree char *text = g_strdup_printf ("%u", i);
      g_autoptr(GError) error = NULL;

      g_assert_true (gsock_endpoint_send (sender->endpoint, text, NULL, &error));
      g_assert_no_error (error);
    }
  return NULL;
}

typedef struct
{
  guint next;
  gboolean in_order;
  GThread *thread;
} Receiver;

static void
check_order_cb (GsockEndpoint *server,
                GsockMessage  *message,
                Receiver      *receiver)
{
  const char *text = gsock_message_get_text (message, NULL);

  receiver->in_order &= g_ascii_strtoull (text, NULL, 10) == receiver->next;
  receiver->next++;
  receiver->thread = g_thread_self ();
}

static gboolean
never_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
test_send_from_another_thread (void)
{
  g_autoptr(GsockTcpServer) server = gsock_tcp_server_new ("127.0.0.1", 0);
  g_autoptr(GsockTcpClient) client = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GThread) thread = NULL;
  g_autoptr(GError) error = NULL;
  Receiver receiver = { 0, TRUE, NULL };
  Sender sender;
  guint keep_owned;

  g_signal_connect (server, "message-received", G_CALLBACK (check_order_cb), &receiver);
  g_assert_true (gsock_tcp_server_listen (server, &error));
  client = gsock_tcp_client_new ("127.0.0.1", gsock_test_endpoint_get_port (server));
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));

  /* While this thread iterates the context, it owns it; the sender thread must hand over. */
  keep_owned = g_timeout_add (1, never_cb, NULL);
  sender.endpoint = GSOCK_ENDPOINT (client);
  sender.count = 2000;
  g_main_context_acquire (NULL);
  thread = g_thread_new ("gsock-test-sender", sender_main, &sender);
  gsock_test_wait_until (receiver.next == 2000);
  g_thread_join (g_steal_pointer (&thread));
  g_main_context_release (NULL);
  g_source_remove (keep_owned);

  g_assert_true (receiver.in_order);
  g_assert_true (receiver.thread == g_thread_self ());
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (GSOCK_ENDPOINT (client)), ==, 2000);
}

/* What a send from another thread causes is emitted on the endpoint's context, never on the
 * sending thread, even while no thread runs that context: the counters' notifications. (A
 * caller's error, such as a message over max-message-size, is returned to the sender at
 * once.) */
typedef struct
{
  GPtrArray *threads; /* GThread * of every emission */
} Emissions;

static void
record_notify_cb (GObject    *object,
                  GParamSpec *pspec,
                  Emissions  *emissions)
{
  g_ptr_array_add (emissions->threads, g_thread_self ());
}

static gpointer
oversize_sender_main (gpointer data)
{
  Sender *sender = data;
  g_autoptr(GError) error = NULL;

  sender_main (sender);
  g_assert_false (gsock_endpoint_send (sender->endpoint, "far too long for the limit", NULL,
                                       &error));
  g_assert_error (error, GSOCK_ERROR, GSOCK_ERROR_MESSAGE_TOO_LARGE);
  return NULL;
}

static void
test_send_from_another_thread_emits_on_the_context (void)
{
  g_autoptr(GsockTcpServer) server = gsock_tcp_server_new ("127.0.0.1", 0);
  g_autoptr(GsockTcpClient) client = NULL;
  g_autoptr(GThread) thread = NULL;
  g_autoptr(GError) error = NULL;
  Emissions emissions = { g_ptr_array_new () };
  Sender sender;

  g_assert_true (gsock_tcp_server_listen (server, &error));
  client = gsock_tcp_client_new ("127.0.0.1", gsock_test_endpoint_get_port (server));
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);
  gsock_endpoint_set_max_message_size (GSOCK_ENDPOINT (client), 8);
  g_signal_connect (client, "notify::messages-sent", G_CALLBACK (record_notify_cb), &emissions);
  g_signal_connect (client, "notify::bytes-sent", G_CALLBACK (record_notify_cb), &emissions);

  /* Nobody runs the context meanwhile. */
  sender.endpoint = GSOCK_ENDPOINT (client);
  sender.count = 100;
  thread = g_thread_new ("gsock-test-sender", oversize_sender_main, &sender);
  g_thread_join (g_steal_pointer (&thread));
  g_assert_cmpuint (emissions.threads->len, ==, 0);
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (GSOCK_ENDPOINT (client)), ==, 0);

  gsock_test_wait_until (gsock_endpoint_get_messages_sent (GSOCK_ENDPOINT (client)) == 100);
  g_assert_cmpuint (emissions.threads->len, >, 0);
  for (guint i = 0; i < emissions.threads->len; i++)
    g_assert_true (emissions.threads->pdata[i] == g_thread_self ());
  g_signal_handlers_disconnect_by_data (client, &emissions);
  g_ptr_array_unref (emissions.threads);
}

/* The owner closes or aborts a client and lets go of it outside any main-loop callback (after
 * its loop returned) while other threads send on it: their sends are handed over to the
 * context (they never touch the connection themselves, which raced with the owner's close: a
 * use after free under ASan), and run there once the context runs again. */
static gpointer
owned_sender_main (gpointer data)
{
  Sender *sender = data;

  for (guint i = 0; i < sender->count; i++)
    {
      g_autofree char *text = g_strdup_printf ("%u", i);

      gsock_endpoint_send (sender->endpoint, text, NULL, NULL);
    }
  g_object_unref (sender->endpoint);
  return NULL;
}

static void
owner_lets_go_while_threads_send (gboolean abort)
{
  g_autoptr(GsockTcpServer) server = gsock_tcp_server_new ("127.0.0.1", 0);
  GsockTcpClient *client;
  g_autoptr(GError) error = NULL;
  /* Two: more would mostly hand over to each other (while one sends, the context is taken), a
   * narrower race. */
  GThread *threads[2];
  Sender senders[2];

  g_assert_true (gsock_tcp_server_listen (server, &error));
  client = gsock_tcp_client_new ("127.0.0.1", gsock_test_endpoint_get_port (server));
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      senders[i].endpoint = g_object_ref (GSOCK_ENDPOINT (client));
      senders[i].count = 20000;
      threads[i] = g_thread_new ("gsock-test-sender", owned_sender_main, &senders[i]);
    }
  /* Nobody iterates the context meanwhile: the senders are in full flow when the owner lets
   * go, a close flushing what is queued, or an abort dropping it. */
  g_usleep (G_USEC_PER_SEC / 100);
  if (abort)
    gsock_endpoint_abort (GSOCK_ENDPOINT (client));
  else
    gsock_endpoint_close (GSOCK_ENDPOINT (client));
  g_object_unref (client);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  /* The handed-over sends run now, on this thread. */
  gsock_test_drain (NULL);
}

static void
test_owner_lets_go_while_threads_send (void)
{
  for (guint round = 0; round < 20; round++)
    owner_lets_go_while_threads_send (round % 2 == 0);
}

/* One thread's sends arrive in the order it made them, whatever drives the owner's context.
 * The peer is a server on a thread and context of its own, so that nothing but the owner's
 * own calls run the client's context: lines are "SENDER NUMBER", and the peer answers "done"
 * once every sender's lines came. */
#define ORDER_SENDERS 4
#define ORDER_LINES 2000
/* Long enough for valgrind, which runs one thread at a time. */
#define ORDER_TIMEOUT_MS 60000

typedef struct
{
  GMainContext *context;
  GMainLoop *loop;
  GAsyncQueue *ready; /* the port, once listening */
  guint next[ORDER_SENDERS + 1]; /* per sender: the number expected next */
  guint out_of_order;
  guint received;
} OrderPeer;

static void
order_peer_message_cb (GsockEndpoint *server,
                       GsockMessage  *message,
                       OrderPeer     *peer)
{
  const char *text = gsock_message_get_text (message, NULL);
  char *end = NULL;
  guint sender = g_ascii_strtoull (text, &end, 10);
  guint number = g_ascii_strtoull (end, NULL, 10);

  g_assert_cmpuint (sender, <=, ORDER_SENDERS);
  if (number != peer->next[sender])
    peer->out_of_order++;
  peer->next[sender] = number + 1;
  if (++peer->received == (ORDER_SENDERS + 1) * ORDER_LINES)
    gsock_message_reply (message, "done", NULL);
}

static gpointer
order_peer_main (gpointer data)
{
  OrderPeer *peer = data;
  g_autoptr(GsockTcpServer) server = NULL;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (peer->context);
  server = gsock_tcp_server_new ("127.0.0.1", 0);
  g_signal_connect (server, "message-received", G_CALLBACK (order_peer_message_cb), peer);
  g_assert_true (gsock_tcp_server_listen (server, &error));
  g_async_queue_push (peer->ready, GUINT_TO_POINTER (gsock_test_endpoint_get_port (server)));

  g_main_loop_run (peer->loop);

  gsock_endpoint_abort (GSOCK_ENDPOINT (server));
  g_main_context_pop_thread_default (peer->context);
  return NULL;
}

typedef struct
{
  GsockEndpoint *endpoint;
  guint id;
  guint next; /* the owner's: its next line, from its code or from a dispatch */
  guint tick;
} LineSender;

static gpointer
line_sender_main (gpointer data)
{
  LineSender *sender = data;

  for (guint i = 0; i < ORDER_LINES; i++)
    {
      g_autofree char *text = g_strdup_printf ("%u %u", sender->id, i);
      g_autoptr(GError) error = NULL;

      g_assert_true (gsock_endpoint_send (sender->endpoint, text, NULL, &error));
      g_assert_no_error (error);
    }
  return NULL;
}

static void
send_owner_line (LineSender *owner)
{
  g_autofree char *text = g_strdup_printf ("0 %u", owner->next++);
  g_autoptr(GError) error = NULL;

  g_assert_true (gsock_endpoint_send (owner->endpoint, text, NULL, &error));
  g_assert_no_error (error);
}

/* The owner's sends from a dispatch of its context (as from a handler or a timer), between
 * those it makes from its own code: this source was attached first, so it runs ahead of the
 * hand-overs queued since. */
static gboolean
owner_tick_cb (gpointer data)
{
  LineSender *owner = data;

  if (owner->next == ORDER_LINES)
    {
      owner->tick = 0;
      return G_SOURCE_REMOVE;
    }
  send_owner_line (owner);
  return G_SOURCE_CONTINUE;
}

static void
sends_keep_their_order (gboolean blocking_receive)
{
  OrderPeer peer = { 0 };
  g_autoptr(GThread) peer_thread = NULL;
  g_autoptr(GsockTcpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  GThread *threads[ORDER_SENDERS];
  LineSender senders[ORDER_SENDERS];
  LineSender owner = { 0 };
  gint64 deadline;
  guint16 port;

  peer.context = g_main_context_new ();
  peer.loop = g_main_loop_new (peer.context, FALSE);
  peer.ready = g_async_queue_new ();
  peer_thread = g_thread_new ("gsock-test-peer", order_peer_main, &peer);
  port = GPOINTER_TO_UINT (g_async_queue_timeout_pop (peer.ready, 10 * G_USEC_PER_SEC));
  g_assert_cmpuint (port, !=, 0);

  client = gsock_tcp_client_new ("127.0.0.1", port);
  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (client), ORDER_TIMEOUT_MS);
  g_assert_true (gsock_tcp_client_open (client, NULL, &error));
  g_assert_no_error (error);

  /* The owner is sender 0: it sends from its own code between the calls that run its
   * context (at once while nothing is on its way, handed over behind the others' otherwise),
   * and from a dispatch of the context. */
  owner.endpoint = GSOCK_ENDPOINT (client);
  for (guint i = 0; i < ORDER_SENDERS; i++)
    {
      senders[i].endpoint = GSOCK_ENDPOINT (client);
      senders[i].id = i + 1;
      threads[i] = g_thread_new ("gsock-test-sender", line_sender_main, &senders[i]);
    }
  /* Once the others' first sends wait on the context (nothing runs it meanwhile), the owner's
   * first line is handed over behind them, and the tick, attached before it, runs ahead. */
  deadline = g_get_monotonic_time () + ORDER_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;
  while (!g_main_context_pending (NULL))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (100);
    }
  owner.tick = g_idle_add_full (G_PRIORITY_DEFAULT, owner_tick_cb, &owner, NULL);
  if (blocking_receive)
    {
      g_autofree char *done = NULL;

      /* Half of the owner's lines now, the rest from the dispatches of the receive. */
      while (owner.next < ORDER_LINES / 2)
        send_owner_line (&owner);
      done = gsock_endpoint_receive (GSOCK_ENDPOINT (client), NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (done, ==, "done");
    }
  else
    {
      while (owner.next < ORDER_LINES)
        {
          send_owner_line (&owner);
          g_main_context_iteration (NULL, FALSE);
        }
      gsock_test_wait_until_full (NULL, ORDER_TIMEOUT_MS,
                                  gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (client))
                                    == 1);
    }
  for (guint i = 0; i < ORDER_SENDERS; i++)
    g_thread_join (threads[i]);
  g_clear_handle_id (&owner.tick, g_source_remove);

  g_main_context_invoke (peer.context, quit_cb, peer.loop);
  g_thread_join (g_steal_pointer (&peer_thread));
  g_assert_cmpuint (peer.out_of_order, ==, 0);
  for (guint i = 0; i <= ORDER_SENDERS; i++)
    g_assert_cmpuint (peer.next[i], ==, ORDER_LINES);
  g_assert_cmpuint (gsock_endpoint_get_messages_sent (GSOCK_ENDPOINT (client)), ==,
                    (ORDER_SENDERS + 1) * ORDER_LINES);

  gsock_endpoint_abort (GSOCK_ENDPOINT (client));
  g_main_loop_unref (peer.loop);
  g_main_context_unref (peer.context);
  g_async_queue_unref (peer.ready);
}

static void
test_order_while_owner_iterates (void)
{
  sends_keep_their_order (FALSE);
}

static void
test_order_while_owner_receives (void)
{
  sends_keep_their_order (TRUE);
}

/* handler-threads: replies from the handler threads reach each connection in the order they
 * were made, across the jobs (and so the threads) that handle its messages. */
#define REPLY_CLIENTS 80
#define REPLY_MESSAGES 100

typedef struct
{
  guint next;
  guint out_of_order;
} ReplyChecker;

static void
reply_twice_cb (GsockEndpoint *server,
                GsockMessage  *message,
                gpointer       user_data)
{
  const char *text = gsock_message_get_text (message, NULL);
  guint number = g_ascii_strtoull (text, NULL, 10);
  g_autofree char *first = g_strdup_printf ("%u", 2 * number);
  g_autofree char *second = g_strdup_printf ("%u", 2 * number + 1);

  g_assert_true (gsock_message_reply (message, first, NULL));
  g_assert_true (gsock_message_reply (message, second, NULL));
}

static void
check_reply_cb (GsockEndpoint *client,
                GsockMessage  *message,
                ReplyChecker  *checker)
{
  guint number = g_ascii_strtoull (gsock_message_get_text (message, NULL), NULL, 10);

  if (number != checker->next)
    checker->out_of_order++;
  checker->next = number + 1;
}

static void
test_handler_replies_in_order (void)
{
  g_autoptr(GsockTcpServer) server = gsock_tcp_server_new ("127.0.0.1", 0);
  GsockTcpClient *clients[REPLY_CLIENTS];
  ReplyChecker checkers[REPLY_CLIENTS] = { { 0 } };
  g_autoptr(GError) error = NULL;
  guint done = 0;
  guint intact = 0;

  gsock_tcp_server_set_handler_threads (server, 4);
  g_signal_connect (server, "message-received", G_CALLBACK (reply_twice_cb), NULL);
  g_assert_true (gsock_tcp_server_listen (server, &error));
  for (guint i = 0; i < REPLY_CLIENTS; i++)
    {
      clients[i] = gsock_tcp_client_new ("127.0.0.1", gsock_test_endpoint_get_port (server));
      g_signal_connect (clients[i], "message-received", G_CALLBACK (check_reply_cb),
                        &checkers[i]);
      g_assert_true (gsock_tcp_client_open (clients[i], NULL, &error));
      g_assert_no_error (error);
    }

  /* Each message in a write of its own, so that the server reads them apart and its jobs for
   * a connection come and go (a new job, often on another thread, for each). */
  for (guint n = 0; n < REPLY_MESSAGES; n++)
    {
      g_autofree char *text = g_strdup_printf ("%u", n);

      for (guint i = 0; i < REPLY_CLIENTS; i++)
        g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (clients[i]), text, NULL, &error));
      g_main_context_iteration (NULL, FALSE);
    }
  gsock_test_wait_until (({
    done = 0;
    for (guint i = 0; i < REPLY_CLIENTS; i++)
      done += checkers[i].next == 2 * REPLY_MESSAGES;
    done == REPLY_CLIENTS;
  }));

  for (guint i = 0; i < REPLY_CLIENTS; i++)
    {
      intact += checkers[i].out_of_order == 0;
      g_assert_cmpuint (gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (clients[i])), ==,
                        2 * REPLY_MESSAGES);
      gsock_endpoint_abort (GSOCK_ENDPOINT (clients[i]));
      g_object_unref (clients[i]);
    }
  g_assert_cmpuint (intact, ==, REPLY_CLIENTS);
  gsock_endpoint_abort (GSOCK_ENDPOINT (server));
}

/* handler-threads: a handler that blocks does not stall the other clients, and each client's
 * messages stay in order. */
typedef struct
{
  GMutex lock;
  GHashTable *next; /* client -> next expected number */
  gboolean in_order;
  guint handled;
  GThread *main_thread;
  gboolean on_main_thread;
} Handlers;

static void
slow_handler_cb (GsockEndpoint *server,
                 GsockMessage  *message,
                 Handlers      *handlers)
{
  GsockEndpoint *client = gsock_message_get_endpoint (message);
  const char *text = gsock_message_get_text (message, NULL);
  guint number;

  /* The "blocked" client's handler sleeps; the others must go on meanwhile. */
  if (g_str_has_prefix (text, "block"))
    g_usleep (G_USEC_PER_SEC / 2);
  number = g_ascii_strtoull (text + strcspn (text, "0123456789"), NULL, 10);

  g_mutex_lock (&handlers->lock);
  handlers->in_order &= GPOINTER_TO_UINT (g_hash_table_lookup (handlers->next, client)) == number;
  g_hash_table_insert (handlers->next, client, GUINT_TO_POINTER (number + 1));
  handlers->handled++;
  handlers->on_main_thread |= g_thread_self () == handlers->main_thread;
  g_mutex_unlock (&handlers->lock);

  /* Replying from a handler thread is safe. */
  gsock_message_reply (message, text, NULL);
}

static void
test_handler_threads (void)
{
  g_autoptr(GsockTcpServer) server = gsock_tcp_server_new ("127.0.0.1", 0);
  GsockTcpClient *clients[3];
  g_autoptr(GError) error = NULL;
  Handlers handlers = { 0 };

  g_mutex_init (&handlers.lock);
  handlers.next = g_hash_table_new (NULL, NULL);
  handlers.in_order = TRUE;
  handlers.main_thread = g_thread_self ();

  gsock_tcp_server_set_handler_threads (server, 2);
  g_assert_cmpuint (gsock_tcp_server_get_handler_threads (server), ==, 2);
  g_signal_connect (server, "message-received", G_CALLBACK (slow_handler_cb), &handlers);
  g_assert_true (gsock_tcp_server_listen (server, &error));
  for (guint i = 0; i < 3; i++)
    {
      clients[i] = gsock_tcp_client_new ("127.0.0.1", gsock_test_endpoint_get_port (server));
      g_assert_true (gsock_tcp_client_open (clients[i], NULL, &error));
    }
  gsock_test_wait_until (g_list_model_get_n_items (gsock_tcp_server_get_clients (server)) == 3);

  /* Client 0 sends four slow messages (2 s of handling); clients 1 and 2 send 50 fast ones. */
  for (guint n = 0; n < 50; n++)
    {
      g_autofree char *slow = g_strdup_printf ("block %u", n);
      g_autofree char *fast = g_strdup_printf ("fast %u", n);

      if (n < 4)
        g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (clients[0]), slow, NULL, &error));
      g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (clients[1]), fast, NULL, &error));
      g_assert_true (gsock_endpoint_send (GSOCK_ENDPOINT (clients[2]), fast, NULL, &error));
    }
  gsock_test_wait_until (gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (clients[1])) == 50
                         && gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (clients[2])) ==
                              50);
  /* The fast clients were all answered while the slow one was still being handled. */
  g_assert_cmpint (gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (clients[0])), <, 4);

  gsock_test_wait_until (gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (clients[0])) == 4);
  g_mutex_lock (&handlers.lock);
  g_assert_true (handlers.in_order);
  g_assert_cmpuint (handlers.handled, ==, 104);
  g_assert_false (handlers.on_main_thread);
  g_mutex_unlock (&handlers.lock);
  g_assert_cmpuint (gsock_endpoint_get_messages_received (GSOCK_ENDPOINT (server)), ==, 104);

  for (guint i = 0; i < 3; i++)
    {
      gsock_endpoint_abort (GSOCK_ENDPOINT (clients[i]));
      g_object_unref (clients[i]);
    }
  gsock_endpoint_abort (GSOCK_ENDPOINT (server));
  g_hash_table_unref (handlers.next);
  g_mutex_clear (&handlers.lock);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Gsock/Threads/server-in-worker-thread", test_server_in_worker_thread);
  g_test_add_func ("/Gsock/Threads/send-from-another-thread", test_send_from_another_thread);
  g_test_add_func ("/Gsock/Threads/send-from-another-thread/emits-on-the-context",
                   test_send_from_another_thread_emits_on_the_context);
  g_test_add_func ("/Gsock/Threads/owner-lets-go-while-threads-send",
                   test_owner_lets_go_while_threads_send);
  g_test_add_func ("/Gsock/TcpServer/handler-threads/block-without-stalling",
                   test_handler_threads);
  g_test_add_func ("/Gsock/Threads/order/kept-while-the-owner-iterates",
                   test_order_while_owner_iterates);
  g_test_add_func ("/Gsock/Threads/order/kept-while-the-owner-receives",
                   test_order_while_owner_receives);
  g_test_add_func ("/Gsock/TcpServer/handler-threads/replies-in-order",
                   test_handler_replies_in_order);

  return g_test_run ();
}
