/* demo-common.h: the few helpers every gsock demo shares
 *
 * Option parsing, one-line fatal errors, address printing and the "serve until SIGINT or
 * SIGTERM, then close gracefully" main loop. Everything else lives in the demo that shows it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gsock/gsock.h>

G_BEGIN_DECLS

/* Filled by demo_parse_options(): --host, --port and --encoding. */
extern char *demo_host;
extern int   demo_port;
extern char *demo_encoding;

void         demo_parse_options       (int                *argc,
                                       char             ***argv,
                                       const char         *parameter_string,
                                       const char         *summary,
                                       int                 default_port,
                                       const GOptionEntry *extra_entries);

G_NORETURN
void         demo_fail                (const char *format,
                                       ...) G_GNUC_PRINTF (1, 2);

char        *demo_address_to_string   (GSocketAddress *address);
char        *demo_message_text        (GsockMessage   *message);
GsockFramer *demo_framer_new          (const char     *name);

/* demo_parse_options() plus the options of the TCP server demos: --tls-cert, --tls-key,
 * --max-clients, --idle-timeout and --max-queued-bytes, which demo_configure_server() applies
 * (it exits with one line if the certificate cannot be loaded). */
void         demo_parse_server_options (int                *argc,
                                        char             ***argv,
                                        const char         *parameter_string,
                                        const char         *summary,
                                        int                 default_port,
                                        const GOptionEntry *extra_entries);
void         demo_configure_server    (GsockTcpServer *server);
/* A certificate with its key (NULL: the key in the CERT file), or exits saying why. */
GTlsCertificate *demo_load_certificate (const char     *cert,
                                        const char     *key);

/* One line on stderr, at most a few per KIND every 10 s; the rest are counted and summed up
 * (every 10 s while it goes on, and when demo_serve() returns). */
void         demo_log_limited         (const char *kind,
                                       const char *format,
                                       ...) G_GNUC_PRINTF (2, 3);
void         demo_watch_errors        (GsockEndpoint  *endpoint);

void         demo_serve_on_thread     (GMainContext   *context,
                                       GsockEndpoint  *first,
                                       ...) G_GNUC_NULL_TERMINATED;
int          demo_serve               (GsockEndpoint  *first,
                                       ...) G_GNUC_NULL_TERMINATED;
int          demo_serve_all           (GsockEndpoint **endpoints);
void         demo_shutdown            (void);

G_END_DECLS
