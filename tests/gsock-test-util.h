/* gsock-test-util.h: helpers shared by the gsock test programs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gsock/gsock.h>

G_BEGIN_DECLS

/* How long any wait may take before the test fails instead of hanging. */
#define GSOCK_TEST_TIMEOUT_MS 10000

typedef struct
{
  GMainContext *context;
  gint64        deadline;
  GSource      *tick;
} GsockTestWait;

void     gsock_test_wait_begin (GsockTestWait *wait,
                                GMainContext  *context,
                                guint          timeout_ms);
gboolean gsock_test_wait_step  (GsockTestWait *wait);
void     gsock_test_wait_end   (GsockTestWait *wait);

/* Iterates @context (NULL: the thread-default one) until @cond holds; fails the test
 * with the text of @cond when @timeout_ms pass first. */
#define gsock_test_wait_until_full(context, timeout_ms, cond)                                   \
  G_STMT_START                                                                                  \
  {                                                                                             \
    GsockTestWait gsock_test_wait_;                                                             \
    gsock_test_wait_begin (&gsock_test_wait_, (context), (timeout_ms));                         \
    while (!(cond))                                                                             \
      {                                                                                         \
        if (!gsock_test_wait_step (&gsock_test_wait_))                                          \
          {                                                                                     \
            gsock_test_wait_end (&gsock_test_wait_);                                            \
            g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,                   \
                                 "timed out waiting for: " #cond);                              \
            break;                                                                              \
          }                                                                                     \
      }                                                                                         \
    gsock_test_wait_end (&gsock_test_wait_);                                                    \
  }                                                                                             \
  G_STMT_END

#define gsock_test_wait_until(cond) \
  gsock_test_wait_until_full (NULL, GSOCK_TEST_TIMEOUT_MS, cond)

/* Fails the running test when it has taken longer than this, as long as the default main
 * context runs (blocking gsock calls run it): a blocking call that never returns then fails
 * the test instead of hanging the program. */
#define GSOCK_TEST_WATCHDOG_S 60

void            gsock_test_install_watchdog    (void);

/* Iterates @context (NULL: the thread-default one) for @ms milliseconds, to show that
 * something does NOT happen. */
void            gsock_test_run_for             (GMainContext *context,
                                                guint         ms);

/* Dispatches whatever is ready without blocking. */
void            gsock_test_drain               (GMainContext *context);

GSocketAddress *gsock_test_loopback_address    (guint16 port);
guint16         gsock_test_address_get_port    (GSocketAddress *address);
char           *gsock_test_address_to_string   (GSocketAddress *address);
gboolean        gsock_test_address_equal       (GSocketAddress *a,
                                                GSocketAddress *b);
/* The real port, read back from the local-address property. */
guint16         gsock_test_endpoint_get_port   (gpointer endpoint);

/* How many descriptors the process has open now (/proc/self/fd). */
guint           gsock_test_count_open_fds      (void);

/* A TCP port on 127.0.0.1 that was just bound and released: nothing listens there. */
guint16         gsock_test_unused_tcp_port     (void);
/* The same for UDP: a datagram sent there comes back as ICMP port unreachable. */
guint16         gsock_test_unused_udp_port     (void);

/* Raw GSocket peers, all non-blocking, all on 127.0.0.1. */
GSocket        *gsock_test_tcp_listen          (int      backlog,
                                                guint16 *port);
GSocket        *gsock_test_tcp_accept          (GSocket *listener);
GSocket        *gsock_test_tcp_connect         (guint16  port);
GSocket        *gsock_test_udp_socket          (guint16 *port);
void            gsock_test_socket_send_all     (GSocket    *socket,
                                                const void *data,
                                                gsize       len);
void            gsock_test_socket_send_to      (GSocket    *socket,
                                                guint16     port,
                                                const void *data,
                                                gsize       len);
/* Reads until @len bytes arrived or EOF (G_MAXSIZE: until EOF), at most @chunk bytes per
 * main-context iteration; sets @eof when the peer closed. */
GBytes         *gsock_test_socket_read         (GSocket  *socket,
                                                gsize     len,
                                                gsize     chunk,
                                                gboolean *eof);
/* Receives one datagram, waiting for it. */
GBytes         *gsock_test_socket_receive_from (GSocket         *socket,
                                                GSocketAddress **sender);
/* TRUE when nothing is readable on @socket within @ms. */
gboolean        gsock_test_socket_stays_quiet  (GSocket *socket,
                                                guint    ms);

#define gsock_test_assert_bytes(bytes, data, len)                              \
  G_STMT_START                                                                 \
  {                                                                            \
    gsize gsock_test_len_ = 0;                                                 \
    gconstpointer gsock_test_data_;                                            \
    g_assert_nonnull (bytes);                                                  \
    gsock_test_data_ = g_bytes_get_data ((bytes), &gsock_test_len_);           \
    g_assert_cmpmem (gsock_test_data_, gsock_test_len_, (data), (len));        \
  }                                                                            \
  G_STMT_END

/* Fills @len bytes with a pattern that never contains '\n'. */
GBytes         *gsock_test_pattern_bytes       (gsize len);

/* The CPU time this process has used, user and system, in µs. */
gint64          gsock_test_cpu_time_us         (void);

/* Reads /proc/self/status VmPeak in KiB (0 if unknown). */
guint64         gsock_test_vm_peak_kib         (void);

/* Certificates made for the run with the openssl command in a temporary folder (none is
 * committed): a CA (ca.pem), a server certificate it signed for localhost and 127.0.0.1
 * (server.pem, server.key), one for localhost only (nameonly.*), and a client certificate it
 * signed (client.*). */
void            gsock_test_make_certificates   (void);
void            gsock_test_remove_certificates (void);
/* The path of @name in the certificates' folder (transfer full). */
char           *gsock_test_cert_path           (const char *name);
/* @name.pem with its key @name.key. */
GTlsCertificate *gsock_test_load_certificate   (const char *name);
/* A database of the CA alone. */
GTlsDatabase   *gsock_test_load_ca             (void);
/* An openssl command of the test's own, killed by the kernel if the test dies first
 * (PR_SET_PDEATHSIG), and by gsock_test_stop_openssl(), which kills its PID. */
GSubprocess    *gsock_test_spawn_openssl       (GSubprocessFlags   flags,
                                                const char *const *argv);
void            gsock_test_stop_openssl        (GSubprocess       *openssl);

G_END_DECLS
