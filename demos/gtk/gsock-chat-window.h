/* gsock-chat-window.h: the main window of the gsock chat app
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <adwaita.h>
#include <gsock/gsock.h>

G_BEGIN_DECLS

#define GSOCK_TYPE_CHAT_WINDOW (gsock_chat_window_get_type ())
G_DECLARE_FINAL_TYPE (GsockChatWindow, gsock_chat_window, GSOCK, CHAT_WINDOW,
                      AdwApplicationWindow)

GsockChatWindow *gsock_chat_window_new (AdwApplication *application) G_GNUC_WARN_UNUSED_RESULT;

GsockTcpClient *gsock_chat_window_get_client (GsockChatWindow *self);
GsockTcpServer *gsock_chat_window_get_server (GsockChatWindow *self);

void gsock_chat_window_connect (GsockChatWindow *self);
void gsock_chat_window_host_server (GsockChatWindow *self,
                                    gboolean         join);
void gsock_chat_window_send (GsockChatWindow *self,
                             const char      *text);

G_END_DECLS
