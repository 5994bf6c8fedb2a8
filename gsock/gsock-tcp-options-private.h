/* gsock-tcp-options-private.h: the TCP socket options a client, or a server for its clients,
 * asks for (no-delay, keepalive and its timing)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  gboolean no_delay;         /* TCP_NODELAY: TRUE by default */
  gboolean keepalive;        /* SO_KEEPALIVE */
  guint keepalive_idle;      /* TCP_KEEPIDLE, in seconds; 0: the system's */
  guint keepalive_interval;  /* TCP_KEEPINTVL, in seconds; 0: the system's */
  guint keepalive_count;     /* TCP_KEEPCNT; 0: the system's */
} GsockTcpOptions;

/* The properties, in the order their ids take on a class from the first one given to
 * _gsock_tcp_options_install_properties(): no-delay, keepalive, keepalive-idle,
 * keepalive-interval, keepalive-count. Their documentation is each class's own. */
enum
{
  GSOCK_TCP_OPTION_NO_DELAY,
  GSOCK_TCP_OPTION_KEEPALIVE,
  GSOCK_TCP_OPTION_KEEPALIVE_IDLE,
  GSOCK_TCP_OPTION_KEEPALIVE_INTERVAL,
  GSOCK_TCP_OPTION_KEEPALIVE_COUNT,
  GSOCK_TCP_N_OPTIONS
};

void     _gsock_tcp_options_init               (GsockTcpOptions       *self);
/* Installs the properties with ids @first to @first + GSOCK_TCP_N_OPTIONS - 1 and stores
 * their specs in @pspecs (GSOCK_TCP_N_OPTIONS of them). */
void     _gsock_tcp_options_install_properties (GObjectClass          *object_class,
                                                guint                  first,
                                                GParamSpec           **pspecs);
/* @option is the property's index (a GSOCK_TCP_OPTION_*). */
void     _gsock_tcp_options_get                (const GsockTcpOptions *self,
                                                guint                  option,
                                                GValue                *value);
/* Whether the value changed (the caller notifies). */
gboolean _gsock_tcp_options_set_boolean        (GsockTcpOptions       *self,
                                                guint                  option,
                                                gboolean               value);
gboolean _gsock_tcp_options_set_uint           (GsockTcpOptions       *self,
                                                guint                  option,
                                                guint                  value);
/* Sets them on a connected TCP socket; what the system lacks is left as it is. */
void     _gsock_tcp_options_apply              (const GsockTcpOptions *self,
                                                GSocket               *socket);

G_END_DECLS
