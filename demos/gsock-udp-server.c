/* gsock-udp-server: the tutorial's UDP server (3.2)
 *
 * Prints every datagram with its sender and answers it with the next line typed on standard
 * input, or with TEXT for every datagram when --reply TEXT is given:
 *
 *   gsock-udp-server --port 8080
 *   gsock-udp-server --port 8080 --reply "Hello UDP Client"
 *
 * The tutorial blocks in input(); here standard input is read asynchronously, so datagrams
 * keep arriving (and are printed) while a reply is being typed: they wait in a queue and are
 * answered in order. Runs until SIGINT or SIGTERM.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gio/gunixinputstream.h>
#include <stdio.h>
#include <unistd.h>

#include <gsock/gsock.h>

#include "demo-common.h"

static char *reply_text = NULL;

static const GOptionEntry entries[] = {
  { "reply", 0, 0, G_OPTION_ARG_STRING, &reply_text,
    "Answer every datagram with TEXT instead of reading answers from standard input", "TEXT" },
  G_OPTION_ENTRY_NULL
};

/* Typed answers: the datagrams waiting for one, and standard input as lines. */
static GQueue unanswered = G_QUEUE_INIT;
static GDataInputStream *input;
static gboolean reading;
static gboolean input_closed;

static void read_answer (void);

static void
answer_read_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autoptr(GsockMessage) message = NULL;

  reading = FALSE;
  line = g_data_input_stream_read_line_finish_utf8 (input, result, NULL, &error);
  if (line == NULL)
    {
      input_closed = TRUE;
      g_queue_clear_full (&unanswered, (GDestroyNotify) gsock_message_unref);
      g_printerr ("%s: %s: datagrams are still printed but no longer answered\n",
                  g_get_prgname (), error != NULL ? error->message : "end of standard input");
      return;
    }

  message = g_queue_pop_head (&unanswered);
  if (!gsock_message_reply (message, line, &error))
    g_printerr ("%s: cannot answer: %s\n", g_get_prgname (), error->message);

  read_answer ();
}

/* Reads the answer for the oldest unanswered datagram, unless a read is already under way. */
static void
read_answer (void)
{
  GsockMessage *oldest = g_queue_peek_head (&unanswered);

  if (reading || input_closed || oldest == NULL)
    return;

  if (isatty (STDIN_FILENO))
    {
      g_autofree char *sender = demo_address_to_string (gsock_message_get_sender (oldest));
      g_print ("reply to %s: ", sender);
      fflush (stdout);
    }
  reading = TRUE;
  g_data_input_stream_read_line_async (input, G_PRIORITY_DEFAULT, NULL, answer_read_cb, NULL);
}

static void
message_received_cb (GsockEndpoint *server,
                     GsockMessage  *message,
                     gpointer       user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sender = demo_address_to_string (gsock_message_get_sender (message));
  g_autofree char *text = demo_message_text (message);

  g_print ("received from %s: %s\n", sender, text);

  if (reply_text != NULL)
    {
      if (!gsock_message_reply (message, reply_text, &error))
        g_printerr ("%s: cannot answer %s: %s\n", g_get_prgname (), sender, error->message);
    }
  else if (!input_closed)
    {
      g_queue_push_tail (&unanswered, gsock_message_ref (message));
      read_answer ();
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GsockUdpEndpoint) server = NULL;
  g_autoptr(GInputStream) stdin_stream = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  demo_parse_options (&argc, &argv, NULL,
                      "Prints UDP datagrams and answers each with a line read from standard "
                      "input (or with --reply TEXT).", 8080, entries);

  stdin_stream = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  input = g_data_input_stream_new (stdin_stream);

  server = gsock_udp_endpoint_new (demo_host, demo_port);
  gsock_endpoint_set_encoding (GSOCK_ENDPOINT (server), demo_encoding);
  g_signal_connect (server, "message-received", G_CALLBACK (message_received_cb), NULL);

  if (!gsock_udp_endpoint_bind (server, &error))
    demo_fail ("cannot bind %s:%d: %s", demo_host, demo_port, error->message);

  status = demo_serve (GSOCK_ENDPOINT (server), NULL);

  g_queue_clear_full (&unanswered, (GDestroyNotify) gsock_message_unref);
  g_clear_object (&input);
  return status;
}
