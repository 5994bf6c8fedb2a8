/* gsock-chat-server: the tutorial's many-clients server (5.1), as a chat room
 *
 * One GsockTcpServer on one main loop serves every client: no thread per connection. Each
 * line a client sends goes to all the others as "[HOST:PORT] text"; joins and leaves are
 * announced as "* HOST:PORT joined" and "* HOST:PORT left". Try it with a few terminals:
 *
 *   gsock-chat-server --port 8080
 *   nc 127.0.0.1 8080
 *
 * The room stays open to the rest when one member stops reading: once more than
 * --max-queued-bytes wait for that member, it is dropped ("* HOST:PORT dropped (...)").
 * --max-clients, --idle-timeout, --tls-cert and --tls-key work as for gsock-echo-server.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gsock/gsock.h>

#include "demo-common.h"

/* A member of the room: found from its connection through the room's table, and linked into
 * the room's list, so joining and leaving cost the same however many are in the room. */
typedef struct
{
  GList link;             /* in ChatRoom.members; data is the Member */
  GsockTcpClient *client; /* owned */
  char *name;             /* HOST:PORT, formatted once */
  char *dropped;          /* why the room dropped it, or NULL */
} Member;

/* A line waiting to go to every member but one. */
typedef struct
{
  char *line;
  GsockTcpClient *except; /* owned, or NULL for everyone */
} Notice;

/* The room: its members, and the lines waiting to go to them.
 *
 * A member's end is announced by a notice sent from an idle callback, never from the
 * client-disconnected handler itself: that announcement may drop more members, whose own
 * announcements would then nest inside it, one stack level per member. Deferred, a chain of
 * drops is sent one link per main-loop turn, and a burst of them (one long line overflowing
 * every silent member) goes out in one turn, after the read that caused it: sent during that
 * read, the notices to its sender would all wait for the read to end, in its queue. */
typedef struct
{
  GQueue members;        /* Member *, in the order they joined */
  GHashTable *by_client; /* GsockTcpClient * -> Member * (owned) */
  GQueue notices;        /* Notice *, oldest first */
  guint notices_source;  /* the idle callback that sends them */
} ChatRoom;

static void
member_free (Member *member)
{
  g_object_unref (member->client);
  g_free (member->name);
  g_free (member->dropped);
  g_free (member);
}

static void
notice_free (Notice *notice)
{
  g_free (notice->line);
  g_clear_object (&notice->except);
  g_free (notice);
}

static void
chat_room_init (ChatRoom *room)
{
  g_queue_init (&room->members);
  g_queue_init (&room->notices);
  room->by_client = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) member_free);
  room->notices_source = 0;
}

static void
chat_room_clear (ChatRoom *room)
{
  g_clear_handle_id (&room->notices_source, g_source_remove);
  g_queue_clear_full (&room->notices, (GDestroyNotify) notice_free);
  /* The links live in the members, which the table frees. */
  g_queue_init (&room->members);
  g_clear_pointer (&room->by_client, g_hash_table_unref);
}

/* Prints LINE and sends it to every member but EXCEPT. One by one rather than with
 * gsock_tcp_server_broadcast(), which stops at the first client that cannot take it: here a
 * member who does not read is dropped, and the others still get the line. The drops come
 * last, each queueing its notice. */
static void
send_line (ChatRoom       *room,
           const char     *line,
           GsockTcpClient *except)
{
  g_autoptr(GPtrArray) slow = g_ptr_array_new_with_free_func (g_object_unref);
  GList *next;

  g_print ("%s\n", line);

  for (GList *l = room->members.head; l != NULL; l = next)
    {
      Member *member = l->data;
      g_autoptr(GsockTcpClient) client = NULL;
      g_autoptr(GError) error = NULL;

      /* A send that finds the connection broken ends it, which takes this member out of the
       * list (and only this one: the notice of its end waits in the queue). */
      next = l->next;
      if (member->client == except ||
          gsock_endpoint_get_state (GSOCK_ENDPOINT (member->client)) != GSOCK_STATE_OPEN)
        continue;
      client = g_object_ref (member->client);
      if (gsock_endpoint_send (GSOCK_ENDPOINT (client), line, NULL, &error))
        continue;
      member = g_hash_table_lookup (room->by_client, client);
      if (member != NULL && g_error_matches (error, GSOCK_ERROR, GSOCK_ERROR_QUEUE_FULL))
        {
          g_free (member->dropped);
          member->dropped = g_strdup (error->message);
          g_ptr_array_add (slow, g_steal_pointer (&client));
        }
      else
        {
          g_autofree char *name =
            demo_address_to_string (gsock_tcp_client_get_remote_address (client));

          demo_log_limited ("lines not sent", "cannot send “%s” to %s: %s", line, name,
                            error->message);
        }
    }

  for (guint i = 0; i < slow->len; i++)
    gsock_endpoint_abort (slow->pdata[i]);
}

static gboolean
send_notices_cb (gpointer user_data)
{
  ChatRoom *room = user_data;
  GQueue notices = room->notices;
  Notice *notice;

  /* What these notices cause is queued anew, for the next turn. */
  g_queue_init (&room->notices);
  room->notices_source = 0;
  while ((notice = g_queue_pop_head (&notices)) != NULL)
    {
      send_line (room, notice->line, notice->except);
      notice_free (notice);
    }
  return G_SOURCE_REMOVE;
}

/* Queues LINE (taken) for every member but EXCEPT, if not NULL. At the default priority, so
 * that the notices go out on the next main-loop turn whatever the room's traffic. */
static void
queue_notice (ChatRoom       *room,
              char           *line,
              GsockTcpClient *except)
{
  Notice *notice = g_new0 (Notice, 1);

  notice->line = line;
  notice->except = except != NULL ? g_object_ref (except) : NULL;
  g_queue_push_tail (&room->notices, notice);
  if (room->notices_source == 0)
    room->notices_source = g_idle_add_full (G_PRIORITY_DEFAULT, send_notices_cb, room, NULL);
}

/* Sends LINE (taken) to every member but EXCEPT now, unless notices wait: then after them,
 * so that the room sees everything in the order it happened. */
static void
announce (ChatRoom       *room,
          char           *line,
          GsockTcpClient *except)
{
  if (!g_queue_is_empty (&room->notices))
    {
      queue_notice (room, line, except);
      return;
    }
  send_line (room, line, except);
  g_free (line);
}

static void
client_connected_cb (GsockTcpServer *server,
                     GsockTcpClient *client,
                     gpointer        user_data)
{
  ChatRoom *room = user_data;
  Member *member = g_new0 (Member, 1);

  member->client = g_object_ref (client);
  member->name = demo_address_to_string (gsock_tcp_client_get_remote_address (client));
  member->link.data = member;
  g_queue_push_tail_link (&room->members, &member->link);
  g_hash_table_insert (room->by_client, client, member);

  announce (room, g_strdup_printf ("* %s joined", member->name), client);
}

static void
client_disconnected_cb (GsockTcpServer *server,
                        GsockTcpClient *client,
                        const GError   *reason,
                        gpointer        user_data)
{
  ChatRoom *room = user_data;
  Member *member = g_hash_table_lookup (room->by_client, client);
  char *line;

  if (member == NULL)
    return;
  g_queue_unlink (&room->members, &member->link);

  /* reason is NULL for an orderly close, from either side, and for our own abort. */
  if (member->dropped != NULL)
    line = g_strdup_printf ("* %s dropped (%s)", member->name, member->dropped);
  else if (reason == NULL)
    line = g_strdup_printf ("* %s left", member->name);
  else
    line = g_strdup_printf ("* %s left (%s)", member->name, reason->message);
  g_hash_table_remove (room->by_client, client);
  queue_notice (room, line, NULL);
}

static void
message_received_cb (GsockTcpServer *server,
                     GsockMessage   *message,
                     gpointer        user_data)
{
  ChatRoom *room = user_data;
  /* A message from a server's client belongs to that client's connection. */
  GsockTcpClient *sender = GSOCK_TCP_CLIENT (gsock_message_get_endpoint (message));
  Member *member = g_hash_table_lookup (room->by_client, sender);
  g_autofree char *text = demo_message_text (message);

  if (member != NULL)
    announce (room, g_strdup_printf ("[%s] %s", member->name, text), sender);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GsockTcpServer) server = NULL;
  g_autoptr(GError) error = NULL;
  ChatRoom room;
  int status;

  demo_parse_server_options (&argc, &argv, NULL,
                             "A chat room: every line a TCP client sends goes to all the others.",
                             8080, NULL);

  /* The default framer cuts the stream into lines. */
  chat_room_init (&room);
  server = gsock_tcp_server_new (demo_host, demo_port);
  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (server), demo_encoding);
  demo_configure_server (server);
  demo_watch_errors (GSOCK_ENDPOINT (server));
  g_signal_connect (server, "client-connected", G_CALLBACK (client_connected_cb), &room);
  g_signal_connect (server, "client-disconnected", G_CALLBACK (client_disconnected_cb), &room);
  g_signal_connect (server, "message-received", G_CALLBACK (message_received_cb), &room);

  if (!gsock_tcp_server_listen (server, &error))
    demo_fail ("cannot listen on %s:%d: %s", demo_host, demo_port, error->message);

  status = demo_serve (GSOCK_ENDPOINT (server), NULL);
  g_signal_handlers_disconnect_by_data (server, &room);
  chat_room_clear (&room);
  return status;
}
