/* gsock-tcp-options.c: the TCP socket options a client, or a server for its clients, asks for
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-tcp-options-private.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

void
_gsock_tcp_options_init (GsockTcpOptions *self)
{
  *self = (GsockTcpOptions) { .no_delay = TRUE };
}

void
_gsock_tcp_options_install_properties (GObjectClass  *object_class,
                                       guint          first,
                                       GParamSpec   **pspecs)
{
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  pspecs[GSOCK_TCP_OPTION_NO_DELAY] =
    g_param_spec_boolean ("no-delay", NULL, NULL, TRUE, flags);
  pspecs[GSOCK_TCP_OPTION_KEEPALIVE] =
    g_param_spec_boolean ("keepalive", NULL, NULL, FALSE, flags);
  pspecs[GSOCK_TCP_OPTION_KEEPALIVE_IDLE] =
    g_param_spec_uint ("keepalive-idle", NULL, NULL, 0, G_MAXINT, 0, flags);
  pspecs[GSOCK_TCP_OPTION_KEEPALIVE_INTERVAL] =
    g_param_spec_uint ("keepalive-interval", NULL, NULL, 0, G_MAXINT, 0, flags);
  pspecs[GSOCK_TCP_OPTION_KEEPALIVE_COUNT] =
    g_param_spec_uint ("keepalive-count", NULL, NULL, 0, G_MAXINT, 0, flags);
  for (guint i = 0; i < GSOCK_TCP_N_OPTIONS; i++)
    g_object_class_install_property (object_class, first + i, pspecs[i]);
}

void
_gsock_tcp_options_get (const GsockTcpOptions *self,
                        guint                  option,
                        GValue                *value)
{
  switch (option)
    {
    case GSOCK_TCP_OPTION_NO_DELAY:
      g_value_set_boolean (value, self->no_delay);
      break;
    case GSOCK_TCP_OPTION_KEEPALIVE:
      g_value_set_boolean (value, self->keepalive);
      break;
    case GSOCK_TCP_OPTION_KEEPALIVE_IDLE:
      g_value_set_uint (value, self->keepalive_idle);
      break;
    case GSOCK_TCP_OPTION_KEEPALIVE_INTERVAL:
      g_value_set_uint (value, self->keepalive_interval);
      break;
    case GSOCK_TCP_OPTION_KEEPALIVE_COUNT:
      g_value_set_uint (value, self->keepalive_count);
      break;
    default:
      g_return_if_reached ();
    }
}

gboolean
_gsock_tcp_options_set_boolean (GsockTcpOptions *self,
                                guint            option,
                                gboolean         value)
{
  gboolean *field = option == GSOCK_TCP_OPTION_NO_DELAY ? &self->no_delay : &self->keepalive;

  g_return_val_if_fail (option == GSOCK_TCP_OPTION_NO_DELAY ||
                        option == GSOCK_TCP_OPTION_KEEPALIVE, FALSE);

  value = !!value;
  if (*field == value)
    return FALSE;
  *field = value;
  return TRUE;
}

gboolean
_gsock_tcp_options_set_uint (GsockTcpOptions *self,
                             guint            option,
                             guint            value)
{
  guint *field;

  switch (option)
    {
    case GSOCK_TCP_OPTION_KEEPALIVE_IDLE:
      field = &self->keepalive_idle;
      break;
    case GSOCK_TCP_OPTION_KEEPALIVE_INTERVAL:
      field = &self->keepalive_interval;
      break;
    case GSOCK_TCP_OPTION_KEEPALIVE_COUNT:
      field = &self->keepalive_count;
      break;
    default:
      g_return_val_if_reached (FALSE);
    }
  if (*field == value)
    return FALSE;
  *field = value;
  return TRUE;
}

void
_gsock_tcp_options_apply (const GsockTcpOptions *self,
                          GSocket               *socket)
{
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, self->no_delay, NULL);
  g_socket_set_keepalive (socket, self->keepalive);
  if (!self->keepalive)
    return;
#ifdef TCP_KEEPIDLE
  if (self->keepalive_idle > 0)
    g_socket_set_option (socket, IPPROTO_TCP, TCP_KEEPIDLE, self->keepalive_idle, NULL);
#endif
#ifdef TCP_KEEPINTVL
  if (self->keepalive_interval > 0)
    g_socket_set_option (socket, IPPROTO_TCP, TCP_KEEPINTVL, self->keepalive_interval, NULL);
#endif
#ifdef TCP_KEEPCNT
  if (self->keepalive_count > 0)
    g_socket_set_option (socket, IPPROTO_TCP, TCP_KEEPCNT, self->keepalive_count, NULL);
#endif
}
