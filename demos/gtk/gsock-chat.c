/* gsock-chat: a GTK 4 chat window on gsock
 *
 * The window comes from gsock-chat.ui (compiled in as a GResource), and so do the sockets: a
 * GsockTcpClient for the chat connection and a GsockTcpServer for an optional chat room of
 * our own. The Connect and "Host a server" toggles are bound to their `active` property, the
 * state labels to their `state` property; this file only adds what a .ui file cannot say:
 * what to do with a message, errors, and the command line.
 *
 *   gsock-chat-server --port 8080 &
 *   gsock-chat --connect --host 127.0.0.1 --port 8080
 *
 * For tests: --send TEXT sends TEXT once connected, --quit-after-reply exits 0 at the first
 * message received after that (1 if the connection fails first), --screenshot FILE saves the
 * window as a PNG just before quitting. --serve hosts a chat room in the window (as
 * gsock-chat-server does); --serve --connect without --host or --port joins it. Every received message is also printed on stdout as
 * "received: TEXT", every error on stderr.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gsock/gsock.h>
#include <gtk/gtk.h>
#include <locale.h>
#include <stdio.h>

#define GSOCK_TYPE_CHAT_APP (gsock_chat_app_get_type ())
G_DECLARE_FINAL_TYPE (GsockChatApp, gsock_chat_app, GSOCK, CHAT_APP, GtkApplication)

struct _GsockChatApp
{
  GtkApplication parent_instance;

  /* The command line. */
  char *host;
  int port;               /* -1: as in the .ui file */
  gboolean connect;
  char *send_text;
  gboolean quit_after_reply;
  char *screenshot;
  gboolean serve;
  int server_port;
  gboolean version;
  gboolean chat_here;     /* --serve --connect without --host/--port: join our own room */

  GtkBuilder *builder;
  GtkWindow *window;
  GsockTcpClient *client;
  GsockTcpServer *server;
  GtkStringList *messages;
  GtkLabel *error_label;
  GtkLabel *server_error_label;
  GtkEditable *message_entry;

  gboolean was_open;      /* the client got connected at least once */
  gboolean sent;          /* --send TEXT went out */
  gboolean finishing;     /* --quit-after-reply: quitting */
  int exit_status;
  gulong after_paint_id;
  guint screenshot_timeout_id;
};

G_DEFINE_FINAL_TYPE (GsockChatApp, gsock_chat_app, GTK_TYPE_APPLICATION)

static char *
address_to_string (GSocketAddress *address)
{
  if (address == NULL)
    return g_strdup ("?");
  return g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (address));
}

/* Adds one line to the message list and scrolls to it. */
static void
add_line (GsockChatApp *self,
          const char   *line)
{
  gtk_string_list_append (self->messages, line);
}

static void
show_error (GtkLabel   *label,
            const char *what,
            const char *message)
{
  g_autofree char *text = g_strdup_printf ("%s: %s", what, message);

  g_printerr ("%s: %s\n", g_get_prgname (), text);
  gtk_label_set_text (label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (label), text);
  gtk_widget_set_visible (GTK_WIDGET (label), TRUE);
}

/* Screenshot and quit (--quit-after-reply) */

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
quit_now (GsockChatApp *self)
{
  if (self->screenshot != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (save_screenshot (GTK_WIDGET (self->window), self->screenshot, &error))
        g_print ("screenshot: %s\n", self->screenshot);
      else
        {
          g_printerr ("%s: screenshot: %s\n", g_get_prgname (), error->message);
          self->exit_status = 1;
        }
    }
  g_application_quit (G_APPLICATION (self));
}

static void
after_paint_cb (GdkFrameClock *clock,
                GsockChatApp  *self)
{
  g_clear_signal_handler (&self->after_paint_id, clock);
  g_clear_handle_id (&self->screenshot_timeout_id, g_source_remove);
  quit_now (self);
}

static gboolean
paint_timeout_cb (gpointer user_data)
{
  GsockChatApp *self = user_data;
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self->window));

  /* No frame came (a hidden window?): take what there is. */
  self->screenshot_timeout_id = 0;
  if (clock != NULL)
    g_clear_signal_handler (&self->after_paint_id, clock);
  quit_now (self);
  return G_SOURCE_REMOVE;
}

/* Quits with STATUS once the window has drawn what it shows now. */
static void
finish (GsockChatApp *self,
        int           status)
{
  GdkFrameClock *clock;

  if (self->finishing)
    return;
  self->finishing = TRUE;
  self->exit_status = status;

  clock = gtk_widget_get_frame_clock (GTK_WIDGET (self->window));
  if (clock == NULL)
    {
      quit_now (self);
      return;
    }
  self->after_paint_id = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb),
                                           self);
  self->screenshot_timeout_id = g_timeout_add_seconds (3, paint_timeout_cb, self);
  gtk_widget_queue_draw (GTK_WIDGET (self->window));
}

/* The client */

static void
send_text (GsockChatApp *self,
           const char   *text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  if (!gsock_endpoint_send (GSOCK_ENDPOINT (self->client), text, NULL, &error))
    {
      show_error (self->error_label, "cannot send", error->message);
      return;
    }
  g_print ("sent: %s\n", text);
  line = g_strdup_printf ("me: %s", text);
  add_line (self, line);
}

static void
client_state_cb (GsockEndpoint *client,
                 GParamSpec    *pspec,
                 GsockChatApp  *self)
{
  g_autofree char *name = NULL;
  g_autofree char *line = NULL;

  switch (gsock_endpoint_get_state (client))
    {
    case GSOCK_STATE_OPEN:
      self->was_open = TRUE;
      name = address_to_string (gsock_tcp_client_get_remote_address (self->client));
      g_print ("connected to %s\n", name);
      line = g_strdup_printf ("* connected to %s", name);
      add_line (self, line);
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
      gtk_widget_grab_focus (GTK_WIDGET (self->message_entry));
      if (self->send_text != NULL && !self->sent)
        {
          self->sent = TRUE;
          send_text (self, self->send_text);
        }
      break;

    case GSOCK_STATE_CLOSED:
      /* A connection that never opened is reported by the error signal. */
      if (self->quit_after_reply && self->was_open && !self->finishing)
        {
          g_printerr ("%s: the connection closed before a reply came\n", g_get_prgname ());
          finish (self, 1);
        }
      break;

    case GSOCK_STATE_OPENING:
    case GSOCK_STATE_CLOSING:
    default:
      break;
    }
}

static void
client_message_cb (GsockEndpoint *client,
                   GsockMessage  *message,
                   GsockChatApp  *self)
{
  g_autoptr(GError) error = NULL;
  const char *text = gsock_message_get_text (message, &error);

  if (text == NULL)
    {
      show_error (self->error_label, "cannot read a message", error->message);
      return;
    }
  g_print ("received: %s\n", text);
  add_line (self, text);

  if (self->quit_after_reply && (self->send_text == NULL || self->sent))
    finish (self, 0);
}

/* Failures to connect (asked for through :active), and other errors that keep it open. */
static void
client_error_cb (GsockEndpoint *client,
                 const GError  *error,
                 GsockChatApp  *self)
{
  g_autofree char *what = g_strdup_printf ("%s:%u", gsock_endpoint_get_host (client),
                                           gsock_endpoint_get_port (client));

  show_error (self->error_label, what, error->message);
  if (self->quit_after_reply)
    finish (self, 1);
}

static void
client_disconnected_cb (GsockTcpClient *client,
                        const GError   *reason,
                        GsockChatApp   *self)
{
  if (reason != NULL)
    {
      show_error (self->error_label, "disconnected", reason->message);
      add_line (self, "* disconnected with an error");
    }
  else
    {
      g_print ("disconnected\n");
      add_line (self, "* disconnected");
    }
}

/* Handlers named in the .ui file; the builder passes the application as user data. */

static void
chat_send_activated (GtkWidget    *widget,
                     GsockChatApp *self)
{
  const char *text = gtk_editable_get_text (self->message_entry);

  if (*text == '\0')
    return;
  send_text (self, text);
  gtk_editable_set_text (self->message_entry, "");
}

static void
chat_use_server_clicked (GtkButton    *button,
                         GsockChatApp *self)
{
  GSocketAddress *local = gsock_endpoint_get_local_address (GSOCK_ENDPOINT (self->server));

  if (!G_IS_INET_SOCKET_ADDRESS (local))
    return;
  if (gsock_endpoint_get_active (GSOCK_ENDPOINT (self->client)))
    {
      show_error (self->error_label, "chat here", "disconnect first");
      return;
    }
  gsock_endpoint_set_port (GSOCK_ENDPOINT (self->client),
                           g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));
  gsock_endpoint_set_host (GSOCK_ENDPOINT (self->client),
                           gsock_endpoint_get_host (GSOCK_ENDPOINT (self->server)));
  gsock_endpoint_set_active (GSOCK_ENDPOINT (self->client), TRUE);
}

static void
chat_client_row_setup (GtkSignalListItemFactory *factory,
                       GtkListItem              *item,
                       GsockChatApp             *self)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_margin_start (label, 4);
  gtk_list_item_set_child (item, label);
}

static void
chat_client_row_bind (GtkSignalListItemFactory *factory,
                      GtkListItem              *item,
                      GsockChatApp             *self)
{
  GsockTcpClient *client = gtk_list_item_get_item (item);
  g_autofree char *name = address_to_string (gsock_tcp_client_get_remote_address (client));

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), name);
}

/* Closures of the <binding>s in the .ui file: the first argument is the object evaluated
 * for, unused here. */

static char *
chat_state_to_text (gpointer   this_object,
                    GsockState state)
{
  switch (state)
    {
    case GSOCK_STATE_CLOSED:
      return g_strdup ("Disconnected");
    case GSOCK_STATE_OPENING:
      return g_strdup ("Connecting…");
    case GSOCK_STATE_OPEN:
      return g_strdup ("Connected");
    case GSOCK_STATE_CLOSING:
      return g_strdup ("Disconnecting…");
    default:
      return g_strdup ("?");
    }
}

static char *
chat_connect_label (gpointer this_object,
                    gboolean active)
{
  return g_strdup (active ? "Disconnect" : "Connect");
}

static char *
chat_serve_label (gpointer this_object,
                  gboolean active)
{
  return g_strdup (active ? "Stop the server" : "Host a server");
}

static char *
chat_server_status (gpointer        this_object,
                    GsockState      state,
                    GSocketAddress *local)
{
  g_autofree char *name = NULL;

  switch (state)
    {
    case GSOCK_STATE_OPEN:
      name = address_to_string (local);
      return g_strdup_printf ("Listening on %s", name);
    case GSOCK_STATE_OPENING:
      return g_strdup ("Starting…");
    case GSOCK_STATE_CLOSING:
      return g_strdup ("Stopping…");
    case GSOCK_STATE_CLOSED:
    default:
      return g_strdup ("Not listening");
    }
}

/* The embedded server: a chat room like gsock-chat-server */

static void
server_announce (GsockChatApp   *self,
                 GsockTcpClient *except,
                 const char     *line)
{
  g_autoptr(GError) error = NULL;

  if (!gsock_tcp_server_broadcast (self->server, line, except, &error))
    g_printerr ("%s: server: cannot send “%s”: %s\n", g_get_prgname (), line, error->message);
}

static void
server_message_cb (GsockEndpoint *server,
                   GsockMessage  *message,
                   GsockChatApp  *self)
{
  GsockTcpClient *sender = GSOCK_TCP_CLIENT (gsock_message_get_endpoint (message));
  g_autofree char *name = address_to_string (gsock_tcp_client_get_remote_address (sender));
  g_autoptr(GError) error = NULL;
  const char *text = gsock_message_get_text (message, &error);
  g_autofree char *line = NULL;

  if (text == NULL)
    {
      g_printerr ("%s: server: %s: %s\n", g_get_prgname (), name, error->message);
      return;
    }
  line = g_strdup_printf ("[%s] %s", name, text);
  server_announce (self, sender, line);
}

static void
server_client_connected_cb (GsockTcpServer *server,
                            GsockTcpClient *client,
                            GsockChatApp   *self)
{
  g_autofree char *name = address_to_string (gsock_tcp_client_get_remote_address (client));
  g_autofree char *line = g_strdup_printf ("* %s joined", name);

  g_print ("server: %s joined (%u connected)\n", name,
           g_list_model_get_n_items (gsock_tcp_server_get_clients (server)));
  server_announce (self, client, line);
}

static void
server_client_disconnected_cb (GsockTcpServer *server,
                               GsockTcpClient *client,
                               const GError   *reason,
                               GsockChatApp   *self)
{
  g_autofree char *name = address_to_string (gsock_tcp_client_get_remote_address (client));
  g_autofree char *line = g_strdup_printf ("* %s left", name);

  g_print ("server: %s left\n", name);
  server_announce (self, client, line);
}

static void
server_state_cb (GsockEndpoint *server,
                 GParamSpec    *pspec,
                 GsockChatApp  *self)
{
  g_autofree char *name = NULL;

  if (gsock_endpoint_get_state (server) != GSOCK_STATE_OPEN)
    return;
  name = address_to_string (gsock_endpoint_get_local_address (server));
  g_print ("listening on %s\n", name);
  gtk_widget_set_visible (GTK_WIDGET (self->server_error_label), FALSE);
  if (self->chat_here)
    {
      self->chat_here = FALSE;
      chat_use_server_clicked (NULL, self);
    }
}

static void
server_error_cb (GsockEndpoint *server,
                 const GError  *error,
                 GsockChatApp  *self)
{
  show_error (self->server_error_label, "server", error->message);
}

/* The application */

static void
scroll_to_end_cb (GtkAdjustment *adjustment,
                  GParamSpec    *pspec,
                  gpointer       user_data)
{
  gtk_adjustment_set_value (adjustment,
                            gtk_adjustment_get_upper (adjustment) -
                            gtk_adjustment_get_page_size (adjustment));
}

static GtkBuilder *
build_ui (GsockChatApp *self)
{
  GtkBuilder *builder = gtk_builder_new ();
  GtkBuilderScope *scope = gtk_builder_cscope_new ();
  g_autoptr(GError) error = NULL;

  /* The .ui file names these classes: register them before it is parsed. */
  g_type_ensure (GSOCK_TYPE_TCP_CLIENT);
  g_type_ensure (GSOCK_TYPE_TCP_SERVER);

  gtk_builder_cscope_add_callback_symbols (GTK_BUILDER_CSCOPE (scope),
    "chat_send_activated", G_CALLBACK (chat_send_activated),
    "chat_use_server_clicked", G_CALLBACK (chat_use_server_clicked),
    "chat_client_row_setup", G_CALLBACK (chat_client_row_setup),
    "chat_client_row_bind", G_CALLBACK (chat_client_row_bind),
    "chat_state_to_text", G_CALLBACK (chat_state_to_text),
    "chat_connect_label", G_CALLBACK (chat_connect_label),
    "chat_serve_label", G_CALLBACK (chat_serve_label),
    "chat_server_status", G_CALLBACK (chat_server_status),
    NULL);
  gtk_builder_set_scope (builder, scope);
  g_object_unref (scope);
  /* Handlers without an object= attribute get the current object as user data. */
  gtk_builder_set_current_object (builder, G_OBJECT (self));

  if (!gtk_builder_add_from_resource (builder, "/org/gsock/Chat/gsock-chat.ui", &error))
    g_error ("gsock-chat.ui: %s", error->message);   /* a build error, not a user's */
  return builder;
}

static void
gsock_chat_app_activate (GApplication *app)
{
  GsockChatApp *self = GSOCK_CHAT_APP (app);
  GtkScrolledWindow *scroll;

  if (self->window != NULL)
    {
      gtk_window_present (self->window);
      return;
    }

  self->builder = build_ui (self);
  self->window = GTK_WINDOW (gtk_builder_get_object (self->builder, "window"));
  self->client = GSOCK_TCP_CLIENT (gtk_builder_get_object (self->builder, "client"));
  self->server = GSOCK_TCP_SERVER (gtk_builder_get_object (self->builder, "server"));
  self->messages = GTK_STRING_LIST (gtk_builder_get_object (self->builder, "messages"));
  self->error_label = GTK_LABEL (gtk_builder_get_object (self->builder, "error_label"));
  self->server_error_label = GTK_LABEL (gtk_builder_get_object (self->builder,
                                                                "server_error_label"));
  self->message_entry = GTK_EDITABLE (gtk_builder_get_object (self->builder, "message_entry"));
  scroll = GTK_SCROLLED_WINDOW (gtk_builder_get_object (self->builder, "messages_scroll"));

  g_signal_connect (gtk_scrolled_window_get_vadjustment (scroll), "notify::upper",
                    G_CALLBACK (scroll_to_end_cb), NULL);

  g_signal_connect (self->client, "notify::state", G_CALLBACK (client_state_cb), self);
  g_signal_connect (self->client, "message-received", G_CALLBACK (client_message_cb), self);
  g_signal_connect (self->client, "error", G_CALLBACK (client_error_cb), self);
  g_signal_connect (self->client, "disconnected", G_CALLBACK (client_disconnected_cb), self);

  g_signal_connect (self->server, "notify::state", G_CALLBACK (server_state_cb), self);
  g_signal_connect (self->server, "message-received", G_CALLBACK (server_message_cb), self);
  g_signal_connect (self->server, "client-connected",
                    G_CALLBACK (server_client_connected_cb), self);
  g_signal_connect (self->server, "client-disconnected",
                    G_CALLBACK (server_client_disconnected_cb), self);
  g_signal_connect (self->server, "error", G_CALLBACK (server_error_cb), self);

  /* The command line wins over the .ui file's defaults; the entries follow by binding. */
  if (self->host != NULL)
    gsock_endpoint_set_host (GSOCK_ENDPOINT (self->client), self->host);
  if (self->port >= 0)
    gsock_endpoint_set_port (GSOCK_ENDPOINT (self->client), self->port);
  if (self->server_port >= 0)
    gsock_endpoint_set_port (GSOCK_ENDPOINT (self->server), self->server_port);

  gtk_window_set_application (self->window, GTK_APPLICATION (app));
  gtk_window_present (self->window);

  /* Opens from the main loop; a failure comes back through the error signal. */
  self->chat_here = self->serve && self->connect && self->host == NULL && self->port < 0;
  if (self->serve)
    gsock_endpoint_set_active (GSOCK_ENDPOINT (self->server), TRUE);
  if (self->connect && !self->chat_here)
    gsock_endpoint_set_active (GSOCK_ENDPOINT (self->client), TRUE);
}

static int
gsock_chat_app_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  GsockChatApp *self = GSOCK_CHAT_APP (app);

  if (self->version)
    {
      g_print ("%s %u.%u.%u\n", g_get_prgname (), gsock_get_major_version (),
               gsock_get_minor_version (), gsock_get_micro_version ());
      return 0;
    }
  if (self->port > G_MAXUINT16 || self->port < -1)
    {
      g_printerr ("%s: --port must be between 0 and %u\n", g_get_prgname (), G_MAXUINT16);
      return 2;
    }
  if (self->server_port > G_MAXUINT16 || self->server_port < -1)
    {
      g_printerr ("%s: --server-port must be between 0 and %u\n", g_get_prgname (),
                  G_MAXUINT16);
      return 2;
    }
  return -1;  /* go on */
}

static void
gsock_chat_app_shutdown (GApplication *app)
{
  GsockChatApp *self = GSOCK_CHAT_APP (app);

  if (self->window != NULL)
    {
      /* Drop the focus first: GTK 4.8 warns when a focused GtkText goes with its window. */
      gtk_window_set_focus (self->window, NULL);
      gtk_window_destroy (self->window);
    }
  self->window = NULL;
  /* The sockets belong to the builder: dropping it closes them. */
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  if (self->server != NULL)
    g_signal_handlers_disconnect_by_data (self->server, self);
  self->client = NULL;
  self->server = NULL;
  g_clear_object (&self->builder);

  G_APPLICATION_CLASS (gsock_chat_app_parent_class)->shutdown (app);
}

static void
gsock_chat_app_finalize (GObject *object)
{
  GsockChatApp *self = GSOCK_CHAT_APP (object);

  g_free (self->host);
  g_free (self->send_text);
  g_free (self->screenshot);

  G_OBJECT_CLASS (gsock_chat_app_parent_class)->finalize (object);
}

static void
gsock_chat_app_class_init (GsockChatAppClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = gsock_chat_app_finalize;
  app_class->activate = gsock_chat_app_activate;
  app_class->handle_local_options = gsock_chat_app_handle_local_options;
  app_class->shutdown = gsock_chat_app_shutdown;
}

static void
gsock_chat_app_init (GsockChatApp *self)
{
  const GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &self->host,
      "Chat server address (default 127.0.0.1)", "HOST" },
    { "port", 0, 0, G_OPTION_ARG_INT, &self->port, "Chat server port (default 8080)", "PORT" },
    { "connect", 0, 0, G_OPTION_ARG_NONE, &self->connect, "Connect at startup", NULL },
    { "send", 0, 0, G_OPTION_ARG_STRING, &self->send_text, "Send TEXT once connected",
      "TEXT" },
    { "quit-after-reply", 0, 0, G_OPTION_ARG_NONE, &self->quit_after_reply,
      "Exit 0 at the first message received after --send (1 if the connection fails)", NULL },
    { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, &self->screenshot,
      "Save the window as a PNG to FILE just before quitting", "FILE" },
    { "serve", 0, 0, G_OPTION_ARG_NONE, &self->serve,
      "Host a chat server at startup (with --connect and no --host/--port: join it)", NULL },
    { "server-port", 0, 0, G_OPTION_ARG_INT, &self->server_port,
      "Port of the hosted server (default 0: a free one)", "PORT" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &self->version, "Print the version of gsock and exit",
      NULL },
    G_OPTION_ENTRY_NULL
  };

  self->port = -1;
  self->server_port = -1;
  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
    "A GTK chat window: a gsock TCP client for gsock-chat-server, and a chat server of its own.");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GsockChatApp) app = NULL;
  int status;

  setlocale (LC_ALL, "");
  /* Line-buffered even into a pipe, so a test reading us sees each line as it is printed. */
  setvbuf (stdout, NULL, _IOLBF, 0);

  /* Non-unique: every run gets its own window and sockets. */
  app = g_object_new (GSOCK_TYPE_CHAT_APP,
                      "application-id", "org.gsock.Chat",
                      "flags", G_APPLICATION_NON_UNIQUE,
                      NULL);
  status = g_application_run (G_APPLICATION (app), argc, argv);
  return status != 0 ? status : app->exit_status;
}
