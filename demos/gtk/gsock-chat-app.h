/* gsock-chat-app.h: the gsock chat application (org.gsock.Chat)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define GSOCK_TYPE_CHAT_APP (gsock_chat_app_get_type ())
G_DECLARE_FINAL_TYPE (GsockChatApp, gsock_chat_app, GSOCK, CHAT_APP, AdwApplication)

GsockChatApp *gsock_chat_app_new (void) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
