/* gsock-chat-app.c: the gsock chat application (org.gsock.Chat)
 *
 * An AdwApplication with the command line of the chat (where to connect, whether to host a
 * chat room), the app.about and app.quit actions, and one GsockChatWindow per run: the app
 * is not unique, so every run has its own window and sockets.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gsock-chat-app.h"

#include "gsock-chat-window.h"

#define GSOCK_CHAT_APP_ID "org.gsock.Chat"

struct _GsockChatApp
{
  AdwApplication parent_instance;

  /* The command line */
  char *host;
  int port;               /* -1: as in the window's template */
  gboolean connect;
  gboolean serve;
  int server_port;        /* -1: as in the window's template */
  gboolean version;
};

G_DEFINE_FINAL_TYPE (GsockChatApp, gsock_chat_app, ADW_TYPE_APPLICATION)

static char *
dup_version (void)
{
  return g_strdup_printf ("%u.%u.%u", gsock_get_major_version (), gsock_get_minor_version (),
                          gsock_get_micro_version ());
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  g_autofree char *version = dup_version ();
  const char *developers[] = { "The gsock developers", NULL };
  GtkWidget *about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                                   "transient-for", gtk_application_get_active_window (app),
                                   "application-name", "gsock Chat",
                                   "application-icon", GSOCK_CHAT_APP_ID,
                                   "developer-name", "The gsock developers",
                                   "version", version,
                                   "comments", "A chat client and chat room on gsock, the "
                                               "message-oriented socket toolkit for GLib",
                                   "developers", developers,
                                   "copyright", "© The gsock developers",
                                   "license-type", GTK_LICENSE_LGPL_2_1,
                                   NULL);

  gtk_window_present (GTK_WINDOW (about));
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
gsock_chat_app_startup (GApplication *app)
{
  const GActionEntry actions[] = {
    { .name = "about", .activate = about_activated },
    { .name = "quit", .activate = quit_activated },
  };
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *close_accels[] = { "<Control>w", NULL };

  G_APPLICATION_CLASS (gsock_chat_app_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), actions, G_N_ELEMENTS (actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  /* GtkWindow's own action */
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "window.close", close_accels);
  /* The icon comes with the resources (/org/gsock/Chat/icons) for an uninstalled run. */
  gtk_window_set_default_icon_name (GSOCK_CHAT_APP_ID);
}

static void
gsock_chat_app_activate (GApplication *app)
{
  GsockChatApp *self = GSOCK_CHAT_APP (app);
  GsockChatWindow *window;
  GsockEndpoint *client, *server;
  gboolean join;

  window = gsock_chat_window_new (ADW_APPLICATION (app));
  client = GSOCK_ENDPOINT (gsock_chat_window_get_client (window));
  server = GSOCK_ENDPOINT (gsock_chat_window_get_server (window));

  /* The command line wins over the template's defaults; the window's fields follow. */
  if (self->host != NULL)
    gsock_endpoint_set_host (client, self->host);
  if (self->port >= 0)
    gsock_endpoint_set_port (client, self->port);
  if (self->server_port >= 0)
    gsock_endpoint_set_port (server, self->server_port);

  gtk_window_present (GTK_WINDOW (window));

  /* --serve --connect without --host or --port joins the room it hosts. Both open from the
   * main loop; a failure shows in the window. */
  join = self->serve && self->connect && self->host == NULL && self->port < 0;
  if (self->serve)
    gsock_chat_window_host_server (window, join);
  if (self->connect && !join)
    gsock_chat_window_connect (window);
}

static int
gsock_chat_app_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  GsockChatApp *self = GSOCK_CHAT_APP (app);

  if (self->version)
    {
      g_autofree char *version = dup_version ();

      g_print ("%s %s\n", g_get_prgname (), version);
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
  GList *windows;

  /* Close the windows, and with them their sockets. Drop the focus first: GTK 4.8 warns
   * when a focused GtkText goes with its window. */
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (app))) != NULL)
    {
      gtk_window_set_focus (windows->data, NULL);
      gtk_window_destroy (windows->data);
    }

  G_APPLICATION_CLASS (gsock_chat_app_parent_class)->shutdown (app);
}

static void
gsock_chat_app_finalize (GObject *object)
{
  GsockChatApp *self = GSOCK_CHAT_APP (object);

  g_free (self->host);

  G_OBJECT_CLASS (gsock_chat_app_parent_class)->finalize (object);
}

static void
gsock_chat_app_class_init (GsockChatAppClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = gsock_chat_app_finalize;
  app_class->startup = gsock_chat_app_startup;
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
    { "serve", 0, 0, G_OPTION_ARG_NONE, &self->serve,
      "Host a chat room at startup (with --connect and no --host/--port: join it)", NULL },
    { "server-port", 0, 0, G_OPTION_ARG_INT, &self->server_port,
      "Port of the hosted chat room (default 0: a free one)", "PORT" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &self->version, "Print the version of gsock and exit",
      NULL },
    G_OPTION_ENTRY_NULL
  };

  self->port = -1;
  self->server_port = -1;
  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
    "A chat window: a gsock TCP client for gsock-chat-server, and a chat room of its own.");
}

/**
 * gsock_chat_app_new:
 *
 * Makes the chat application; run it with g_application_run().
 *
 * Returns: (transfer full): the application
 */
GsockChatApp *
gsock_chat_app_new (void)
{
  /* Non-unique: every run gets its own window and sockets. */
  return g_object_new (GSOCK_TYPE_CHAT_APP,
                       "application-id", GSOCK_CHAT_APP_ID,
                       "flags", G_APPLICATION_NON_UNIQUE,
                       NULL);
}
