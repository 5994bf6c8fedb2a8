/* gsock-chat: a GNOME chat app on gsock
 *
 * A libadwaita app whose window declares its sockets in its template, as it declares its
 * widgets: a GsockTcpClient for the chat connection and a GsockTcpServer for a chat room of
 * its own (gsock-chat-window.ui). The files, as GNOME's app template lays them out:
 *
 *   gsock-chat.c             main ()
 *   gsock-chat-app.c         the application: command line, actions, About
 *   gsock-chat-window.c/.ui  the window, its sockets and what it does with them
 *
 * Against the chat server of the demos:
 *
 *   gsock-chat-server --port 8080 &
 *   gsock-chat --connect --host 127.0.0.1 --port 8080
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <locale.h>

#include "gsock-chat-app.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GsockChatApp) app = NULL;

  setlocale (LC_ALL, "");
  app = gsock_chat_app_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
