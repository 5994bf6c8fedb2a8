/* gsock-debug-private.h: debug logging in the Gsock domain, cheap when off
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* g_debug() (structured: the library is built with G_LOG_USE_STRUCTURED), formatted only when
 * the default writer would print it, that is with G_MESSAGES_DEBUG naming Gsock (or all).
 * Never on the per-message path: connections, TLS, flow control, limits. */
#define GSOCK_DEBUG(...)                                                               \
  G_STMT_START                                                                         \
  {                                                                                    \
    if (G_UNLIKELY (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))) \
      g_debug (__VA_ARGS__);                                                           \
  }                                                                                    \
  G_STMT_END

/* @address as text for a debug line (transfer full); "nothing" for NULL. */
char *_gsock_debug_address (GSocketAddress *address);

G_END_DECLS
