/* gsock-tcp-server-settings-private.h: what a server gives each connection it accepts, as
 * its properties
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-tcp-client-private.h"
#include "gsock-tcp-server.h"
#include "gsock-tls-private.h"

G_BEGIN_DECLS

/* A server's framer, limits and flow-control marks (handed to each client as they are) and
 * its TLS side. */
typedef struct
{
  GsockTcpClientSettings connection; /* the framer is owned; local_address unused here */
  GsockTls tls;
  char *tls_certificate_file;
  GTlsAuthenticationMode tls_authentication_mode;
} GsockTcpServerSettings;

/* GsockTcpServer's framer, idle-timeout, max-queued-bytes, high-water-mark, low-water-mark,
 * drain-timeout, tls-certificate, tls-certificate-file, tls-database, tls-authentication-mode
 * and tls-minimum-version: their specs, values and public accessors live in
 * gsock-tcp-server-settings.c; the class gives them the ids from @first on. */
void     _gsock_tcp_server_settings_install_properties (GObjectClass           *object_class,
                                                        guint                   first);
/* FALSE when @prop_id is not one of them. */
gboolean _gsock_tcp_server_settings_get_property       (GsockTcpServerSettings *self,
                                                        guint                   prop_id,
                                                        GValue                 *value);
gboolean _gsock_tcp_server_settings_set_property       (GsockTcpServer         *server,
                                                        guint                   prop_id,
                                                        const GValue           *value);

/* The server's own, embedded in its private struct (defined in gsock-tcp-server.c). */
GsockTcpServerSettings *_gsock_tcp_server_get_settings (GsockTcpServer *self);

G_END_DECLS
