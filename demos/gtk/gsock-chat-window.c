/* gsock-chat-window.c: the main window of the gsock chat app
 *
 * GsockChatWindow is an AdwApplicationWindow built from a template, gsock-chat-window.ui,
 * which declares the sockets too: a GsockTcpClient for the chat connection and a
 * GsockTcpServer for a chat room of the window's own. The template binds the widgets to them
 * (buttons and switches to `active`, titles and counters to `state`, `local-address` and the
 * traffic counters) and connects their signals to the handlers below. This file adds what a
 * template cannot say: what a message or a new client means for a chat, the rows of the list
 * of the server's clients, and errors, shown whole in a toast.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gsock-chat-window.h"

struct _GsockChatWindow
{
  AdwApplicationWindow parent_instance;

  /* From the template */
  GsockTcpClient *client;
  GsockTcpServer *server;
  GtkStringList *messages;
  AdwToastOverlay *toast_overlay;
  GtkEditable *message_entry;
  GtkScrolledWindow *messages_scroll;
  GtkToggleButton *server_button;
  GtkListBox *clients_list;

  AdwToast *connection_toast;   /* the last failure to connect, dismissed once connected */
  gboolean join_when_listening; /* gsock_chat_window_host_server (self, TRUE) */
};

G_DEFINE_FINAL_TYPE (GsockChatWindow, gsock_chat_window, ADW_TYPE_APPLICATION_WINDOW)

static char *
address_to_string (GSocketAddress *address)
{
  if (address == NULL)
    return g_strdup ("?");
  return g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (address));
}

static void
add_line (GsockChatWindow *self,
          const char      *line)
{
  gtk_string_list_append (self->messages, line);
}

/* Shows TEXT in a toast, whole: the title of a toast is one line, cut at the window's width,
 * so the text goes in a label that wraps. The overlay gives a toast its minimum width, which
 * for a wrapping label is its width-chars: up to 60, so that a short text stays on one line
 * and a long one wraps at 60 to 70 characters. Errors stay until dismissed. */
static AdwToast *
show_error (GsockChatWindow *self,
            const char      *text)
{
  GtkWidget *label = g_object_new (GTK_TYPE_LABEL,
                                   "label", text,
                                   "wrap", TRUE,
                                   "wrap-mode", PANGO_WRAP_WORD_CHAR,
                                   "width-chars", (int) MIN (g_utf8_strlen (text, -1), 60),
                                   "max-width-chars", 70,
                                   "xalign", 0.0f,
                                   NULL);
  AdwToast *toast = g_object_new (ADW_TYPE_TOAST,
                                  "custom-title", label,
                                  "priority", ADW_TOAST_PRIORITY_HIGH,
                                  "timeout", 0,
                                  NULL);

  adw_toast_overlay_add_toast (self->toast_overlay, toast);   /* takes our reference */
  return toast;
}

static void
show_errorf (GsockChatWindow *self,
             const char      *format,
             ...) G_GNUC_PRINTF (2, 3);

static void
show_errorf (GsockChatWindow *self,
             const char      *format,
             ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  show_error (self, text);
}

/* The client: the chat connection */

static void
client_state_cb (GsockEndpoint   *client,
                 GParamSpec      *pspec,
                 GsockChatWindow *self)
{
  g_autofree char *name = NULL;
  g_autofree char *line = NULL;

  if (gsock_endpoint_get_state (client) != GSOCK_STATE_OPEN)
    return;
  name = address_to_string (gsock_tcp_client_get_remote_address (self->client));
  line = g_strdup_printf ("* connected to %s", name);
  add_line (self, line);
  if (self->connection_toast != NULL)
    adw_toast_dismiss (self->connection_toast);
  gtk_widget_grab_focus (GTK_WIDGET (self->message_entry));
}

static void
client_message_cb (GsockEndpoint   *client,
                   GsockMessage    *message,
                   GsockChatWindow *self)
{
  g_autoptr(GError) error = NULL;
  const char *text = gsock_message_get_text (message, &error);

  if (text == NULL)
    {
      show_errorf (self, "Cannot read a message: %s", error->message);
      return;
    }
  add_line (self, text);
}

/* Failures to connect (asked for through :active), and other errors that keep it open. */
static void
client_error_cb (GsockEndpoint   *client,
                 const GError    *error,
                 GsockChatWindow *self)
{
  g_autofree char *text = g_strdup_printf ("%s:%u: %s", gsock_endpoint_get_host (client),
                                           gsock_endpoint_get_port (client), error->message);

  if (self->connection_toast != NULL)
    adw_toast_dismiss (self->connection_toast);
  g_set_weak_pointer (&self->connection_toast, show_error (self, text));
}

static void
client_disconnected_cb (GsockTcpClient  *client,
                        const GError    *reason,
                        GsockChatWindow *self)
{
  if (reason != NULL)
    {
      show_errorf (self, "Disconnected: %s", reason->message);
      add_line (self, "* disconnected with an error");
    }
  else
    add_line (self, "* disconnected");
}

/* The server: a chat room like gsock-chat-server, which says to every client what the
 * others say, and who comes and goes. */

static void
server_announce (GsockChatWindow *self,
                 GsockTcpClient  *except,
                 const char      *line)
{
  g_autoptr(GError) error = NULL;

  if (!gsock_tcp_server_broadcast (self->server, line, except, &error))
    show_errorf (self, "Chat room: cannot send “%s”: %s", line, error->message);
}

static void
server_message_cb (GsockEndpoint   *server,
                   GsockMessage    *message,
                   GsockChatWindow *self)
{
  GsockTcpClient *sender = GSOCK_TCP_CLIENT (gsock_message_get_endpoint (message));
  g_autofree char *name = address_to_string (gsock_tcp_client_get_remote_address (sender));
  g_autoptr(GError) error = NULL;
  const char *text = gsock_message_get_text (message, &error);
  g_autofree char *line = NULL;

  if (text == NULL)
    {
      show_errorf (self, "Chat room: %s: %s", name, error->message);
      return;
    }
  line = g_strdup_printf ("[%s] %s", name, text);
  server_announce (self, sender, line);
}

static void
server_client_connected_cb (GsockTcpServer  *server,
                            GsockTcpClient  *client,
                            GsockChatWindow *self)
{
  g_autofree char *name = address_to_string (gsock_tcp_client_get_remote_address (client));
  g_autofree char *line = g_strdup_printf ("* %s joined", name);

  server_announce (self, client, line);
}

static void
server_client_disconnected_cb (GsockTcpServer  *server,
                               GsockTcpClient  *client,
                               const GError    *reason,
                               GsockChatWindow *self)
{
  g_autofree char *name = address_to_string (gsock_tcp_client_get_remote_address (client));
  g_autofree char *line = g_strdup_printf ("* %s left", name);

  server_announce (self, client, line);
}

static void
chat_here (GsockChatWindow *self)
{
  if (gsock_endpoint_get_active (GSOCK_ENDPOINT (self->client)))
    {
      show_error (self, "Disconnect first to chat in your own room.");
      return;
    }
  gsock_endpoint_set_host (GSOCK_ENDPOINT (self->client),
                           gsock_endpoint_get_host (GSOCK_ENDPOINT (self->server)));
  gsock_endpoint_set_port (GSOCK_ENDPOINT (self->client),
                           gsock_endpoint_get_local_port (GSOCK_ENDPOINT (self->server)));
  gsock_endpoint_set_active (GSOCK_ENDPOINT (self->client), TRUE);
}

static void
server_state_cb (GsockEndpoint   *server,
                 GParamSpec      *pspec,
                 GsockChatWindow *self)
{
  if (gsock_endpoint_get_state (server) == GSOCK_STATE_OPEN && self->join_when_listening)
    {
      self->join_when_listening = FALSE;
      chat_here (self);
    }
}

static void
server_error_cb (GsockEndpoint   *server,
                 const GError    *error,
                 GsockChatWindow *self)
{
  show_errorf (self, "Chat room: %s", error->message);
}

/* A row of the list of the server's clients: its address, and how much it said. */

static gboolean
messages_to_text (GBinding     *binding,
                  const GValue *from,
                  GValue       *to,
                  gpointer      user_data)
{
  guint64 n = g_value_get_uint64 (from);

  g_value_take_string (to, g_strdup_printf ("%" G_GUINT64_FORMAT " %s", n,
                                            n == 1 ? "message" : "messages"));
  return TRUE;
}

static GtkWidget *
create_client_row (gpointer item,
                   gpointer user_data)
{
  GsockTcpClient *client = GSOCK_TCP_CLIENT (item);
  g_autofree char *name = address_to_string (gsock_tcp_client_get_remote_address (client));
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  g_object_bind_property_full (client, "messages-received", row, "subtitle",
                               G_BINDING_SYNC_CREATE, messages_to_text, NULL, NULL, NULL);
  return row;
}

/* Handlers named in the template */

static void
chat_send_activated (GtkWidget       *widget,
                     GsockChatWindow *self)
{
  const char *text = gtk_editable_get_text (self->message_entry);

  if (*text == '\0')
    return;
  gsock_chat_window_send (self, text);
  gtk_editable_set_text (self->message_entry, "");
}

static void
chat_here_clicked (GtkButton       *button,
                   GsockChatWindow *self)
{
  chat_here (self);
}

/* Closures of the template's <binding>s: the first argument is the object evaluated for,
 * unused here. */

static char *
chat_connection_text (gpointer    this_object,
                      GsockState  state,
                      const char *host,
                      guint       port)
{
  switch (state)
    {
    case GSOCK_STATE_OPENING:
      return g_strdup_printf ("Connecting to %s:%u…", host, port);
    case GSOCK_STATE_OPEN:
      return g_strdup_printf ("Connected to %s:%u", host, port);
    case GSOCK_STATE_CLOSING:
      return g_strdup ("Disconnecting…");
    case GSOCK_STATE_CLOSED:
    default:
      return g_strdup ("Not connected");
    }
}

static char *
chat_connect_label (gpointer this_object,
                    gboolean active)
{
  return g_strdup (active ? "Disconnect" : "Connect");
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

static char *
chat_traffic_text (gpointer this_object,
                   guint64  messages_sent,
                   guint64  bytes_sent,
                   guint64  messages_received,
                   guint64  bytes_received)
{
  g_autofree char *sent = g_format_size (bytes_sent);
  g_autofree char *received = g_format_size (bytes_received);

  return g_strdup_printf ("Sent %" G_GUINT64_FORMAT " %s (%s) · received %" G_GUINT64_FORMAT
                          " %s (%s)",
                          messages_sent, messages_sent == 1 ? "message" : "messages", sent,
                          messages_received, messages_received == 1 ? "message" : "messages",
                          received);
}

/* A server's messages-sent counts its own sends, not what it passes on with broadcast: the
 * room says how much it heard, and how many bytes it passed on in all. */
static char *
chat_room_traffic_text (gpointer this_object,
                        guint64  messages_received,
                        guint64  bytes_received,
                        guint64  bytes_sent)
{
  g_autofree char *received = g_format_size (bytes_received);
  g_autofree char *sent = g_format_size (bytes_sent);

  return g_strdup_printf ("Heard %" G_GUINT64_FORMAT " %s (%s) · passed on %s",
                          messages_received, messages_received == 1 ? "message" : "messages",
                          received, sent);
}

/* The window */

static void
scroll_to_end_cb (GtkAdjustment *adjustment,
                  GParamSpec    *pspec,
                  gpointer       user_data)
{
  gtk_adjustment_set_value (adjustment,
                            gtk_adjustment_get_upper (adjustment) -
                            gtk_adjustment_get_page_size (adjustment));
}

static void
gsock_chat_window_dispose (GObject *object)
{
  GsockChatWindow *self = GSOCK_CHAT_WINDOW (object);

  /* The sockets can outlive the window while they close: stop hearing from them. */
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  if (self->server != NULL)
    g_signal_handlers_disconnect_by_data (self->server, self);
  g_clear_weak_pointer (&self->connection_toast);
  gtk_widget_dispose_template (GTK_WIDGET (self), GSOCK_TYPE_CHAT_WINDOW);

  G_OBJECT_CLASS (gsock_chat_window_parent_class)->dispose (object);
}

static void
gsock_chat_window_class_init (GsockChatWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gsock_chat_window_dispose;

  /* The template names these classes: register them before it is parsed. */
  g_type_ensure (GSOCK_TYPE_TCP_CLIENT);
  g_type_ensure (GSOCK_TYPE_TCP_SERVER);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/gsock/Chat/gsock-chat-window.ui");
  gtk_widget_class_bind_template_child (widget_class, GsockChatWindow, client);
  gtk_widget_class_bind_template_child (widget_class, GsockChatWindow, server);
  gtk_widget_class_bind_template_child (widget_class, GsockChatWindow, messages);
  gtk_widget_class_bind_template_child (widget_class, GsockChatWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, GsockChatWindow, message_entry);
  gtk_widget_class_bind_template_child (widget_class, GsockChatWindow, messages_scroll);
  gtk_widget_class_bind_template_child (widget_class, GsockChatWindow, server_button);
  gtk_widget_class_bind_template_child (widget_class, GsockChatWindow, clients_list);

  gtk_widget_class_bind_template_callback (widget_class, client_state_cb);
  gtk_widget_class_bind_template_callback (widget_class, client_message_cb);
  gtk_widget_class_bind_template_callback (widget_class, client_error_cb);
  gtk_widget_class_bind_template_callback (widget_class, client_disconnected_cb);
  gtk_widget_class_bind_template_callback (widget_class, server_state_cb);
  gtk_widget_class_bind_template_callback (widget_class, server_message_cb);
  gtk_widget_class_bind_template_callback (widget_class, server_client_connected_cb);
  gtk_widget_class_bind_template_callback (widget_class, server_client_disconnected_cb);
  gtk_widget_class_bind_template_callback (widget_class, server_error_cb);
  gtk_widget_class_bind_template_callback (widget_class, chat_send_activated);
  gtk_widget_class_bind_template_callback (widget_class, chat_here_clicked);
  gtk_widget_class_bind_template_callback (widget_class, chat_connection_text);
  gtk_widget_class_bind_template_callback (widget_class, chat_connect_label);
  gtk_widget_class_bind_template_callback (widget_class, chat_server_status);
  gtk_widget_class_bind_template_callback (widget_class, chat_traffic_text);
  gtk_widget_class_bind_template_callback (widget_class, chat_room_traffic_text);
}

static void
gsock_chat_window_init (GsockChatWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_list_box_bind_model (self->clients_list,
                           gsock_tcp_server_get_clients (self->server),
                           create_client_row, NULL, NULL);
  g_signal_connect (gtk_scrolled_window_get_vadjustment (self->messages_scroll),
                    "notify::upper", G_CALLBACK (scroll_to_end_cb), NULL);
}

/**
 * gsock_chat_window_new:
 * @application: the application
 *
 * Makes a chat window of @application, not connected and not serving.
 *
 * Returns: (transfer none): the window, owned by @application's window list
 */
GsockChatWindow *
gsock_chat_window_new (AdwApplication *application)
{
  return g_object_new (GSOCK_TYPE_CHAT_WINDOW, "application", application, NULL);
}

/**
 * gsock_chat_window_get_client:
 * @self: a window
 *
 * Returns: (transfer none): the chat connection
 */
GsockTcpClient *
gsock_chat_window_get_client (GsockChatWindow *self)
{
  g_return_val_if_fail (GSOCK_IS_CHAT_WINDOW (self), NULL);
  return self->client;
}

/**
 * gsock_chat_window_get_server:
 * @self: a window
 *
 * Returns: (transfer none): the window's own chat room
 */
GsockTcpServer *
gsock_chat_window_get_server (GsockChatWindow *self)
{
  g_return_val_if_fail (GSOCK_IS_CHAT_WINDOW (self), NULL);
  return self->server;
}

/**
 * gsock_chat_window_connect:
 * @self: a window
 *
 * Connects to the chat server the window shows, as the Connect button does.
 */
void
gsock_chat_window_connect (GsockChatWindow *self)
{
  g_return_if_fail (GSOCK_IS_CHAT_WINDOW (self));
  gsock_endpoint_set_active (GSOCK_ENDPOINT (self->client), TRUE);
}

/**
 * gsock_chat_window_host_server:
 * @self: a window
 * @join: whether to join the room once it listens, as "Chat Here" does
 *
 * Shows the chat room pane and starts the room.
 */
void
gsock_chat_window_host_server (GsockChatWindow *self,
                               gboolean         join)
{
  g_return_if_fail (GSOCK_IS_CHAT_WINDOW (self));
  gtk_toggle_button_set_active (self->server_button, TRUE);
  self->join_when_listening = join;
  gsock_endpoint_set_active (GSOCK_ENDPOINT (self->server), TRUE);
}

/**
 * gsock_chat_window_send:
 * @self: a window
 * @text: a line to say
 *
 * Sends @text to the chat room and adds it to the window's list; a failure shows in a toast.
 */
void
gsock_chat_window_send (GsockChatWindow *self,
                        const char      *text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  g_return_if_fail (GSOCK_IS_CHAT_WINDOW (self));
  g_return_if_fail (text != NULL);

  if (!gsock_endpoint_send (GSOCK_ENDPOINT (self->client), text, NULL, &error))
    {
      show_errorf (self, "Cannot send: %s", error->message);
      return;
    }
  line = g_strdup_printf ("me: %s", text);
  add_line (self, line);
}
