/* gsock-chat-test-hooks.c: the chat app as tests/test-gtk-chat.py drives it
 *
 * gsock-chat-test is the app of gsock-chat.c (the same GsockChatApp and GsockChatWindow,
 * the same command line) with this main () instead, so that the example's own code knows
 * nothing of tests. It watches the window's sockets from outside, through the signals any
 * program can connect to, and reports on stdout, one line each:
 *
 *   connected to ADDRESS                   the chat connection opened
 *   received: TEXT                         a line came in on it
 *   error: HOST:PORT: MESSAGE              the connection's error signal (the window's toast)
 *   listening on ADDRESS                   the window's chat room started
 *   server: ADDRESS joined (N connected)   a client came into that room
 *   screenshot: FILE                       FILE holds the window as a PNG
 *
 * It takes commands on stdin, one a line, each done before the next is read:
 *
 *   send TEXT         say TEXT in the chat, as the Send button does
 *   screenshot FILE   save the window as a PNG once it has drawn what it shows now
 *   action NAME       activate the app's action NAME (about, quit), then say "action: NAME"
 *   close             close the window, as its close button does (the app quits with it)
 *   quit              quit, as the end of stdin does
 *
 * It exits 1 when a screenshot fails or stdin cannot be read. Never installed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gio/gunixinputstream.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gsock-chat-app.h"
#include "gsock-chat-window.h"

/* How long a screenshot waits for the window's next frame before it takes what there is. */
#define FRAME_TIMEOUT_SECONDS 3

typedef struct
{
  GsockChatWindow *window;    /* the first window (the app has one); NULL once it is gone */
  GsockTcpClient *client;     /* its sockets, held until main () ends */
  GsockTcpServer *server;
  GDataInputStream *commands;
  GCancellable *cancellable;
  char *screenshot;           /* the file of the screenshot waiting for a frame */
  gulong after_paint_id;
  guint frame_timeout_id;
  int exit_status;
} TestHooks;

static void read_command (TestHooks *hooks);

static char *
address_to_string (GSocketAddress *address)
{
  if (address == NULL)
    return g_strdup ("?");
  return g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (address));
}

/* Reports */

static void
client_state_cb (GsockEndpoint *client,
                 GParamSpec    *pspec,
                 TestHooks     *hooks)
{
  g_autofree char *name = NULL;

  if (gsock_endpoint_get_state (client) != GSOCK_STATE_OPEN)
    return;
  name = address_to_string (gsock_tcp_client_get_remote_address (GSOCK_TCP_CLIENT (client)));
  g_print ("connected to %s\n", name);
}

static void
client_message_cb (GsockEndpoint *client,
                   GsockMessage  *message,
                   TestHooks     *hooks)
{
  const char *text = gsock_message_get_text (message, NULL);

  if (text != NULL)   /* the window shows why not */
    g_print ("received: %s\n", text);
}

static void
client_error_cb (GsockEndpoint *client,
                 const GError  *error,
                 TestHooks     *hooks)
{
  g_print ("error: %s:%u: %s\n", gsock_endpoint_get_host (client),
           gsock_endpoint_get_port (client), error->message);
}

static void
server_state_cb (GsockEndpoint *server,
                 GParamSpec    *pspec,
                 TestHooks     *hooks)
{
  g_autofree char *name = NULL;

  if (gsock_endpoint_get_state (server) != GSOCK_STATE_OPEN)
    return;
  name = address_to_string (gsock_endpoint_get_local_address (server));
  g_print ("listening on %s\n", name);
}

static void
server_client_connected_cb (GsockTcpServer *server,
                            GsockTcpClient *client,
                            TestHooks      *hooks)
{
  g_autofree char *name = address_to_string (gsock_tcp_client_get_remote_address (client));

  g_print ("server: %s joined (%u connected)\n", name,
           g_list_model_get_n_items (gsock_tcp_server_get_clients (server)));
}

/* screenshot FILE */

static gboolean
save_screenshot (GtkWidget  *widget,
                 const char *path,
                 GError    **error)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  graphene_rect_t bounds;

  gdk_paintable_snapshot (paintable, snapshot,
                          gtk_widget_get_width (widget), gtk_widget_get_height (widget));
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL || renderer == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window drew nothing");
      return FALSE;
    }
  gsk_render_node_get_bounds (node, &bounds);
  texture = gsk_renderer_render_texture (renderer, node, &bounds);
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s", path);
      return FALSE;
    }
  return TRUE;
}

static void
take_screenshot (TestHooks *hooks)
{
  g_autofree char *path = g_steal_pointer (&hooks->screenshot);
  g_autoptr(GError) error = NULL;

  if (save_screenshot (GTK_WIDGET (hooks->window), path, &error))
    g_print ("screenshot: %s\n", path);
  else
    {
      g_print ("screenshot failed: %s\n", error->message);
      hooks->exit_status = 1;
    }
  read_command (hooks);
}

static void
after_paint_cb (GdkFrameClock *clock,
                TestHooks     *hooks)
{
  g_clear_signal_handler (&hooks->after_paint_id, clock);
  g_clear_handle_id (&hooks->frame_timeout_id, g_source_remove);
  take_screenshot (hooks);
}

static gboolean
frame_timeout_cb (gpointer user_data)
{
  TestHooks *hooks = user_data;
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (hooks->window));

  hooks->frame_timeout_id = 0;
  if (clock != NULL)
    g_clear_signal_handler (&hooks->after_paint_id, clock);
  take_screenshot (hooks);
  return G_SOURCE_REMOVE;
}

/* Takes the screenshot after the next frame, which draws everything that changed so far. */
static void
screenshot_after_next_frame (TestHooks  *hooks,
                             const char *path)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (hooks->window));

  hooks->screenshot = g_strdup (path);
  if (clock == NULL)
    {
      take_screenshot (hooks);
      return;
    }
  hooks->after_paint_id = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb),
                                            hooks);
  hooks->frame_timeout_id = g_timeout_add_seconds (FRAME_TIMEOUT_SECONDS, frame_timeout_cb,
                                                   hooks);
  gtk_widget_queue_draw (GTK_WIDGET (hooks->window));
}

/* Commands */

static void
run_command (TestHooks  *hooks,
             const char *line)
{
  if (hooks->window == NULL)
    g_printerr ("%s: “%s”: the window is gone\n", g_get_prgname (), line);
  else if (g_str_has_prefix (line, "send "))
    {
      gsock_chat_window_send (hooks->window, line + strlen ("send "));
      read_command (hooks);
    }
  else if (g_str_has_prefix (line, "screenshot "))
    screenshot_after_next_frame (hooks, line + strlen ("screenshot "));
  else if (g_str_has_prefix (line, "action "))
    {
      const char *name = line + strlen ("action ");

      g_action_group_activate_action (G_ACTION_GROUP (g_application_get_default ()), name,
                                      NULL);
      g_print ("action: %s\n", name);
      read_command (hooks);
    }
  else if (g_str_equal (line, "close"))
    gtk_window_close (GTK_WINDOW (hooks->window));
  else if (g_str_equal (line, "quit"))
    g_application_quit (g_application_get_default ());
  else
    {
      g_printerr ("%s: unknown command “%s”\n", g_get_prgname (), line);
      read_command (hooks);
    }
}

static void
command_read_cb (GObject      *stream,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  TestHooks *hooks = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (
    G_DATA_INPUT_STREAM (stream), result, NULL, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error != NULL)
    {
      g_printerr ("%s: stdin: %s\n", g_get_prgname (), error->message);
      hooks->exit_status = 1;
    }
  if (line == NULL)   /* the end of stdin, or an error */
    {
      g_application_quit (g_application_get_default ());
      return;
    }
  run_command (hooks, line);
}

static void
read_command (TestHooks *hooks)
{
  g_data_input_stream_read_line_async (hooks->commands, G_PRIORITY_DEFAULT, hooks->cancellable,
                                       command_read_cb, hooks);
}

/* The app's window, as it is added */

static void
window_added_cb (GtkApplication *app,
                 GtkWindow      *window,
                 TestHooks      *hooks)
{
  g_autoptr(GInputStream) in = NULL;

  if (hooks->window != NULL || !GSOCK_IS_CHAT_WINDOW (window))
    return;
  g_set_weak_pointer (&hooks->window, GSOCK_CHAT_WINDOW (window));
  hooks->client = g_object_ref (gsock_chat_window_get_client (hooks->window));
  hooks->server = g_object_ref (gsock_chat_window_get_server (hooks->window));

  g_signal_connect (hooks->client, "notify::state", G_CALLBACK (client_state_cb), hooks);
  g_signal_connect (hooks->client, "message-received", G_CALLBACK (client_message_cb), hooks);
  g_signal_connect (hooks->client, "error", G_CALLBACK (client_error_cb), hooks);
  g_signal_connect (hooks->server, "notify::state", G_CALLBACK (server_state_cb), hooks);
  g_signal_connect (hooks->server, "client-connected", G_CALLBACK (server_client_connected_cb),
                    hooks);

  in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  hooks->commands = g_data_input_stream_new (in);
  hooks->cancellable = g_cancellable_new ();
  read_command (hooks);
}

static void
test_hooks_clear (TestHooks *hooks)
{
  g_cancellable_cancel (hooks->cancellable);
  g_clear_object (&hooks->cancellable);
  g_clear_object (&hooks->commands);
  if (hooks->client != NULL)
    g_signal_handlers_disconnect_by_data (hooks->client, hooks);
  if (hooks->server != NULL)
    g_signal_handlers_disconnect_by_data (hooks->server, hooks);
  g_clear_object (&hooks->client);
  g_clear_object (&hooks->server);
  g_clear_handle_id (&hooks->frame_timeout_id, g_source_remove);
  g_clear_pointer (&hooks->screenshot, g_free);
  g_clear_weak_pointer (&hooks->window);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GsockChatApp) app = NULL;
  TestHooks hooks = { 0, };
  int status;

  setlocale (LC_ALL, "");
  /* Line-buffered even into a pipe, so the test sees each line as it is printed. */
  setvbuf (stdout, NULL, _IOLBF, 0);

  app = gsock_chat_app_new ();
  g_signal_connect (app, "window-added", G_CALLBACK (window_added_cb), &hooks);
  status = g_application_run (G_APPLICATION (app), argc, argv);
  test_hooks_clear (&hooks);
  return status != 0 ? status : hooks.exit_status;
}
