/* gsock-test-util.c: helpers shared by the gsock test programs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gsock-test-util.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <glib/gstdio.h>

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

void
gsock_test_wait_begin (GsockTestWait *wait,
                       GMainContext  *context,
                       guint          timeout_ms)
{
  wait->context = context != NULL ? g_main_context_ref (context)
                                  : g_main_context_ref_thread_default ();
  wait->deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  /* A tick keeps the iteration from blocking forever when the condition changes without
   * any source of this context firing (a raw socket, another context). */
  wait->tick = g_timeout_source_new (2);
  g_source_set_callback (wait->tick, tick_cb, NULL, NULL);
  g_source_attach (wait->tick, wait->context);
}

gboolean
gsock_test_wait_step (GsockTestWait *wait)
{
  if (g_get_monotonic_time () > wait->deadline)
    return FALSE;
  g_main_context_iteration (wait->context, TRUE);
  return TRUE;
}

void
gsock_test_wait_end (GsockTestWait *wait)
{
  if (wait->tick != NULL)
    {
      g_source_destroy (wait->tick);
      g_clear_pointer (&wait->tick, g_source_unref);
    }
  g_clear_pointer (&wait->context, g_main_context_unref);
}

static char *watchdog_path;
static gint64 watchdog_start;

static gboolean
watchdog_cb (gpointer user_data)
{
  const char *path = g_test_get_path ();
  gint64 now = g_get_monotonic_time ();

  if (g_strcmp0 (path, watchdog_path) != 0)
    {
      g_free (watchdog_path);
      watchdog_path = g_strdup (path);
      watchdog_start = now;
    }
  else if (path != NULL && now - watchdog_start > GSOCK_TEST_WATCHDOG_S * G_USEC_PER_SEC)
    {
      g_autofree char *message =
        g_strdup_printf ("%s ran for more than %d s: a blocking call did not return", path,
                         GSOCK_TEST_WATCHDOG_S);

      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, message);
    }
  return G_SOURCE_CONTINUE;
}

void
gsock_test_install_watchdog (void)
{
  g_timeout_add_seconds (1, watchdog_cb, NULL);
}

void
gsock_test_run_for (GMainContext *context,
                    guint         ms)
{
  GsockTestWait wait;

  gsock_test_wait_begin (&wait, context, ms);
  while (gsock_test_wait_step (&wait))
    ;
  gsock_test_wait_end (&wait);
}

void
gsock_test_drain (GMainContext *context)
{
  g_autoptr(GMainContext) ctx = context != NULL ? g_main_context_ref (context)
                                                : g_main_context_ref_thread_default ();
  guint i;

  for (i = 0; i < 1000 && g_main_context_iteration (ctx, FALSE); i++)
    ;
}

GSocketAddress *
gsock_test_loopback_address (guint16 port)
{
  return g_inet_socket_address_new_from_string ("127.0.0.1", port);
}

guint16
gsock_test_address_get_port (GSocketAddress *address)
{
  g_assert_true (G_IS_INET_SOCKET_ADDRESS (address));
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
}

char *
gsock_test_address_to_string (GSocketAddress *address)
{
  GInetAddress *inet;
  g_autofree char *ip = NULL;

  g_assert_true (G_IS_INET_SOCKET_ADDRESS (address));
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  ip = g_inet_address_to_string (inet);
  return g_strdup_printf ("%s:%u", ip,
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
}

gboolean
gsock_test_address_equal (GSocketAddress *a,
                          GSocketAddress *b)
{
  g_autofree char *sa = NULL;
  g_autofree char *sb = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (a) || !G_IS_INET_SOCKET_ADDRESS (b))
    return FALSE;
  sa = gsock_test_address_to_string (a);
  sb = gsock_test_address_to_string (b);
  return g_str_equal (sa, sb);
}

guint16
gsock_test_endpoint_get_port (gpointer endpoint)
{
  guint16 port = gsock_endpoint_get_local_port (endpoint);

  g_assert_cmpuint (port, !=, 0);
  g_assert_cmpuint (port, ==, gsock_test_address_get_port (gsock_endpoint_get_local_address (endpoint)));
  return port;
}

static GSocket *
new_socket (GSocketType     type,
            GSocketProtocol protocol)
{
  GError *error = NULL;
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, type, protocol, &error);

  g_assert_no_error (error);
  g_socket_set_blocking (socket, FALSE);
  return socket;
}

static guint16
socket_local_port (GSocket *socket)
{
  GError *error = NULL;
  g_autoptr(GSocketAddress) address = g_socket_get_local_address (socket, &error);

  g_assert_no_error (error);
  return gsock_test_address_get_port (address);
}

guint16
gsock_test_unused_tcp_port (void)
{
  g_autoptr(GSocket) socket = new_socket (G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP);
  g_autoptr(GSocketAddress) address = gsock_test_loopback_address (0);
  GError *error = NULL;
  guint16 port;

  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  port = socket_local_port (socket);
  g_socket_close (socket, &error);
  g_assert_no_error (error);
  return port;
}

guint16
gsock_test_unused_udp_port (void)
{
  g_autoptr(GSocket) socket = gsock_test_udp_socket (NULL);

  return socket_local_port (socket);
}

GSocket *
gsock_test_tcp_listen (int      backlog,
                       guint16 *port)
{
  GSocket *socket = new_socket (G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP);
  g_autoptr(GSocketAddress) address = gsock_test_loopback_address (0);
  GError *error = NULL;

  g_socket_bind (socket, address, TRUE, &error);
  g_assert_no_error (error);
  g_socket_set_listen_backlog (socket, backlog);
  g_socket_listen (socket, &error);
  g_assert_no_error (error);
  *port = socket_local_port (socket);
  return socket;
}

GSocket *
gsock_test_tcp_accept (GSocket *listener)
{
  GsockTestWait wait;
  GSocket *accepted = NULL;

  gsock_test_wait_begin (&wait, NULL, GSOCK_TEST_TIMEOUT_MS);
  for (;;)
    {
      GError *error = NULL;

      accepted = g_socket_accept (listener, NULL, &error);
      if (accepted != NULL)
        break;
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
      g_clear_error (&error);
      if (!gsock_test_wait_step (&wait))
        {
          gsock_test_wait_end (&wait);
          g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,
                               "timed out waiting for a connection to accept");
          return NULL;
        }
    }
  gsock_test_wait_end (&wait);
  g_socket_set_blocking (accepted, FALSE);
  return accepted;
}

GSocket *
gsock_test_tcp_connect (guint16 port)
{
  GSocket *socket = new_socket (G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP);
  g_autoptr(GSocketAddress) address = gsock_test_loopback_address (port);
  GError *error = NULL;
  GsockTestWait wait;

  if (!g_socket_connect (socket, address, NULL, &error))
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
      g_clear_error (&error);
      gsock_test_wait_begin (&wait, NULL, GSOCK_TEST_TIMEOUT_MS);
      while (g_socket_condition_check (socket, G_IO_OUT | G_IO_ERR | G_IO_HUP) == 0)
        {
          if (!gsock_test_wait_step (&wait))
            {
              gsock_test_wait_end (&wait);
              g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,
                                   "timed out connecting a raw socket");
              return socket;
            }
        }
      gsock_test_wait_end (&wait);
      g_socket_check_connect_result (socket, &error);
      g_assert_no_error (error);
    }
  return socket;
}

GSocket *
gsock_test_udp_socket (guint16 *port)
{
  GSocket *socket = new_socket (G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP);
  g_autoptr(GSocketAddress) address = gsock_test_loopback_address (0);
  GError *error = NULL;

  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  if (port != NULL)
    *port = socket_local_port (socket);
  return socket;
}

void
gsock_test_socket_send_all (GSocket    *socket,
                            const void *data,
                            gsize       len)
{
  GsockTestWait wait;
  gsize done = 0;

  gsock_test_wait_begin (&wait, NULL, GSOCK_TEST_TIMEOUT_MS);
  while (done < len)
    {
      GError *error = NULL;
      gssize n = g_socket_send_with_blocking (socket, (const char *) data + done, len - done,
                                              FALSE, NULL, &error);
      if (n > 0)
        {
          done += n;
          continue;
        }
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
      g_clear_error (&error);
      if (!gsock_test_wait_step (&wait))
        {
          gsock_test_wait_end (&wait);
          g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,
                               "timed out writing to a raw socket");
          return;
        }
    }
  gsock_test_wait_end (&wait);
}

void
gsock_test_socket_send_to (GSocket    *socket,
                           guint16     port,
                           const void *data,
                           gsize       len)
{
  g_autoptr(GSocketAddress) address = gsock_test_loopback_address (port);
  GError *error = NULL;
  gssize n = g_socket_send_to (socket, address, data, len, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (n, ==, (gssize) len);
}

GBytes *
gsock_test_socket_read (GSocket  *socket,
                        gsize     len,
                        gsize     chunk,
                        gboolean *eof)
{
  GByteArray *array = g_byte_array_new ();
  g_autofree guint8 *buffer = g_malloc (chunk);
  GsockTestWait wait;

  if (eof != NULL)
    *eof = FALSE;
  gsock_test_wait_begin (&wait, NULL, GSOCK_TEST_TIMEOUT_MS);
  while (array->len < len)
    {
      GError *error = NULL;
      gssize n = g_socket_receive_with_blocking (socket, (char *) buffer,
                                                 MIN (chunk, len - array->len), FALSE, NULL,
                                                 &error);
      if (n > 0)
        {
          g_byte_array_append (array, buffer, n);
          /* Give the other side a turn, so a slow reader really is slow. */
          g_main_context_iteration (wait.context, FALSE);
          continue;
        }
      if (n == 0)
        {
          if (eof != NULL)
            *eof = TRUE;
          break;
        }
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
      g_clear_error (&error);
      if (!gsock_test_wait_step (&wait))
        {
          gsock_test_wait_end (&wait);
          g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,
                               "timed out reading from a raw socket");
          break;
        }
    }
  gsock_test_wait_end (&wait);
  return g_byte_array_free_to_bytes (array);
}

GBytes *
gsock_test_socket_receive_from (GSocket         *socket,
                                GSocketAddress **sender)
{
  guint8 buffer[65536];
  GsockTestWait wait;
  GBytes *result = NULL;

  gsock_test_wait_begin (&wait, NULL, GSOCK_TEST_TIMEOUT_MS);
  for (;;)
    {
      GError *error = NULL;
      gssize n = g_socket_receive_from (socket, sender, (char *) buffer, sizeof buffer, NULL,
                                        &error);
      if (n >= 0)
        {
          result = g_bytes_new (buffer, n);
          break;
        }
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
      g_clear_error (&error);
      if (!gsock_test_wait_step (&wait))
        {
          gsock_test_wait_end (&wait);
          g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,
                               "timed out waiting for a datagram");
          return NULL;
        }
    }
  gsock_test_wait_end (&wait);
  return result;
}

gboolean
gsock_test_socket_stays_quiet (GSocket *socket,
                               guint    ms)
{
  GsockTestWait wait;

  gsock_test_wait_begin (&wait, NULL, ms);
  while (gsock_test_wait_step (&wait))
    if (g_socket_condition_check (socket, G_IO_IN) != 0)
      {
        gsock_test_wait_end (&wait);
        return FALSE;
      }
  gsock_test_wait_end (&wait);
  return g_socket_condition_check (socket, G_IO_IN) == 0;
}

GBytes *
gsock_test_pattern_bytes (gsize len)
{
  guint8 *data = g_malloc (len);
  gsize i;

  for (i = 0; i < len; i++)
    data[i] = 'a' + (i * 7 + i / 26) % 26;
  return g_bytes_new_take (data, len);
}

guint64
gsock_test_vm_peak_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmPeak:");
  if (line == NULL)
    return 0;
  return g_ascii_strtoull (line + strlen ("VmPeak:"), NULL, 10);
}

gint64
gsock_test_cpu_time_us (void)
{
  struct rusage usage;

  g_assert_cmpint (getrusage (RUSAGE_SELF, &usage), ==, 0);
  return (gint64) (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_USEC_PER_SEC +
         usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

guint
gsock_test_count_open_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  /* The directory's own descriptor is among them. */
  return n - 1;
}

/* ---- certificates and openssl children ---- */

static char *certs_dir;

char *
gsock_test_cert_path (const char *name)
{
  return g_build_filename (certs_dir, name, NULL);
}

static void
run_openssl (const char *arguments)
{
  g_autofree char *command = g_strdup_printf ("openssl %s", arguments);
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (certs_dir, (char *[]) { "/bin/sh", "-c", command, NULL }, NULL,
                               G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err, &status,
                               &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("openssl %s failed: %s\n%s", arguments, error->message, err);
}

/* A CA; a server certificate it signed for localhost and 127.0.0.1, and one for localhost
 * only; and a client certificate it signed. */
void
gsock_test_make_certificates (void)
{
  g_autofree char *server_ext = NULL;
  g_autofree char *nameonly_ext = NULL;

  certs_dir = g_dir_make_tmp ("gsock-tls-XXXXXX", NULL);
  g_assert_nonnull (certs_dir);
  server_ext = g_build_filename (certs_dir, "server.ext", NULL);
  nameonly_ext = g_build_filename (certs_dir, "nameonly.ext", NULL);

  run_openssl ("req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=gsock-test-ca "
               "-keyout ca.key -out ca.pem");
  run_openssl ("req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key "
               "-out server.csr");
  g_assert_true (g_file_set_contents (server_ext, "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
                                      -1, NULL));
  run_openssl ("x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
               "-extfile server.ext -out server.pem");
  g_assert_true (g_file_set_contents (nameonly_ext, "subjectAltName=DNS:localhost\n", -1, NULL));
  run_openssl ("req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout nameonly.key "
               "-out nameonly.csr");
  run_openssl ("x509 -req -in nameonly.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
               "-extfile nameonly.ext -out nameonly.pem");
  run_openssl ("req -newkey rsa:2048 -nodes -subj /CN=gsock-test-client -keyout client.key "
               "-out client.csr");
  run_openssl ("x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
               "-out client.pem");
}

void
gsock_test_remove_certificates (void)
{
  g_autoptr(GDir) dir = g_dir_open (certs_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = gsock_test_cert_path (name);
      g_unlink (path);
    }
  g_rmdir (certs_dir);
  g_free (certs_dir);
}

GTlsCertificate *
gsock_test_load_certificate (const char *name)
{
  g_autofree char *pem = g_strdup_printf ("%s.pem", name);
  g_autofree char *key = g_strdup_printf ("%s.key", name);
  g_autofree char *pem_path = gsock_test_cert_path (pem);
  g_autofree char *key_path = gsock_test_cert_path (key);
  g_autoptr(GError) error = NULL;
  GTlsCertificate *certificate;

  certificate = g_tls_certificate_new_from_files (pem_path, key_path, &error);
  g_assert_no_error (error);
  return certificate;
}

GTlsDatabase *
gsock_test_load_ca (void)
{
  g_autofree char *path = gsock_test_cert_path ("ca.pem");
  g_autoptr(GError) error = NULL;
  GTlsDatabase *database = g_tls_file_database_new (path, &error);

  g_assert_no_error (error);
  return database;
}

static void
die_with_the_test (gpointer user_data)
{
  /* In the child: the kernel kills it if the test dies before stopping it. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* An openssl command of the test's own: stopped by gsock_test_stop_openssl(), which kills its PID. */
GSubprocess *
gsock_test_spawn_openssl (GSubprocessFlags   flags,
               const char *const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);
  g_autoptr(GError) error = NULL;
  GSubprocess *openssl;

  g_subprocess_launcher_set_child_setup (launcher, die_with_the_test, NULL, NULL);
  openssl = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  return openssl;
}

void
gsock_test_stop_openssl (GSubprocess *openssl)
{
  /* SIGKILL to its PID. */
  g_subprocess_force_exit (openssl);
  g_subprocess_wait (openssl, NULL, NULL);
}
