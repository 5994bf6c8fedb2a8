/* demo-common.c: the few helpers every gsock demo shares
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "demo-common.h"

char *demo_host = NULL;
int demo_port = 0;
char *demo_encoding = NULL;

/* The TCP server demos' options (demo_parse_server_options). */
static char *server_tls_cert = NULL;
static char *server_tls_key = NULL;
static int server_max_clients = 0;
static int server_idle_timeout = 0;
static gint64 server_max_queued_bytes = -1;
static gint64 server_high_water_mark = -1;
static gint64 server_low_water_mark = -1;
static int server_drain_timeout = 0;
static int server_handler_threads = 0;
static int server_keepalive = 0;

static const GOptionEntry server_entries[] = {
  { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &server_tls_cert,
    "Serve TCP over TLS with the PEM certificate (chain) in FILE", "FILE" },
  { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &server_tls_key,
    "The PEM private key of --tls-cert (default: the key in the --tls-cert file)", "FILE" },
  { "max-clients", 0, 0, G_OPTION_ARG_INT, &server_max_clients,
    "Close new connections at once while N clients are connected (default 0: no limit)", "N" },
  { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &server_idle_timeout,
    "Disconnect a client that sends nothing for MS milliseconds (default 0: never)", "MS" },
  { "max-queued-bytes", 0, 0, G_OPTION_ARG_INT64, &server_max_queued_bytes,
    "Refuse sends to a client with more than N bytes queued unread (default 8 MiB; 0: no "
    "limit)", "N" },
  { "high-water-mark", 0, 0, G_OPTION_ARG_INT64, &server_high_water_mark,
    "Stop reading a client while N bytes of answers wait for it (default 1 MiB; 0: never)",
    "N" },
  { "low-water-mark", 0, 0, G_OPTION_ARG_INT64, &server_low_water_mark,
    "Read it again once no more than N bytes wait (default 256 KiB)", "N" },
  { "drain-timeout", 0, 0, G_OPTION_ARG_INT, &server_drain_timeout,
    "Drop a client that reads nothing of its answers for MS milliseconds (default 0: never)",
    "MS" },
  { "handler-threads", 0, 0, G_OPTION_ARG_INT, &server_handler_threads,
    "Handle messages on N threads, each client's in order (default 0: the main thread)", "N" },
  { "keepalive", 0, 0, G_OPTION_ARG_INT, &server_keepalive,
    "Probe a client idle for S seconds every S seconds, and drop it after 3 unanswered probes "
    "(default 0: no keepalive)", "S" },
  G_OPTION_ENTRY_NULL
};

static void
parse_options (int                *argc,
               char             ***argv,
               const char         *parameter_string,
               const char         *summary,
               int                 default_port,
               const GOptionEntry *extra_entries,
               gboolean            server)
{
  g_autofree char *port_help = g_strdup_printf ("Port (default %d; 0 picks a free one)",
                                                default_port);
  gboolean version = FALSE;
  const GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &demo_host, "Address (default 127.0.0.1)", "HOST" },
    { "port", 0, 0, G_OPTION_ARG_INT, &demo_port, port_help, "PORT" },
    { "encoding", 0, 0, G_OPTION_ARG_STRING, &demo_encoding,
      "Character set of the text on the wire (default UTF-8)", "NAME" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version of gsock and exit",
      NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (parameter_string);
  g_autoptr(GError) error = NULL;
  g_autofree char *prgname = g_path_get_basename ((*argv)[0]);
  const char *locale;

  g_set_prgname (prgname);
  /* g_print() converts UTF-8 text to the locale's character set. A plain C locale, without
   * LC_ALL, means none was configured: take C.UTF-8 then, as Python does (PEP 538). */
  locale = setlocale (LC_ALL, "");
  if (g_getenv ("LC_ALL") == NULL
      && (locale == NULL || g_str_equal (locale, "C") || g_str_equal (locale, "POSIX")))
    setlocale (LC_CTYPE, "C.UTF-8");
  /* Line-buffered even into a pipe, so whoever reads us sees each line as it is printed. */
  setvbuf (stdout, NULL, _IOLBF, 0);

  demo_port = default_port;
  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  if (extra_entries != NULL)
    g_option_context_add_main_entries (context, extra_entries, NULL);
  if (server)
    g_option_context_add_main_entries (context, server_entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    demo_fail ("%s", error->message);
  if (version)
    {
      /* The library the program runs with, which may be newer than the headers it was built
       * with. */
      g_print ("%s %u.%u.%u\n", prgname, gsock_get_major_version (), gsock_get_minor_version (),
               gsock_get_micro_version ());
      exit (EXIT_SUCCESS);
    }

  if (server_max_clients < 0)
    demo_fail ("--max-clients must not be negative");
  if (server_idle_timeout < 0)
    demo_fail ("--idle-timeout must not be negative");
  if (server_max_queued_bytes < -1)
    demo_fail ("--max-queued-bytes must not be negative");
  if (server_high_water_mark < -1 || server_low_water_mark < -1)
    demo_fail ("--high-water-mark and --low-water-mark must not be negative");
  if (server_drain_timeout < 0)
    demo_fail ("--drain-timeout must not be negative");
  if (server_handler_threads < 0 || server_handler_threads > 1024)
    demo_fail ("--handler-threads must be between 0 and 1024");
  if (server_keepalive < 0)
    demo_fail ("--keepalive must not be negative");
  if (server_tls_key != NULL && server_tls_cert == NULL)
    demo_fail ("--tls-key needs --tls-cert");

  if (demo_port < 0 || demo_port > G_MAXUINT16)
    demo_fail ("--port must be between 0 and %u", G_MAXUINT16);
  if (demo_host == NULL)
    demo_host = g_strdup ("127.0.0.1");
  if (demo_encoding == NULL)
    demo_encoding = g_strdup ("UTF-8");
}

/**
 * demo_parse_options:
 * @default_port: the --port value when none is given (the tutorial uses 8080)
 * @extra_entries: (nullable): the demo's own options
 *
 * Parses --host, --port, --encoding and @extra_entries, or exits with one line on stderr.
 */
void
demo_parse_options (int                *argc,
                    char             ***argv,
                    const char         *parameter_string,
                    const char         *summary,
                    int                 default_port,
                    const GOptionEntry *extra_entries)
{
  parse_options (argc, argv, parameter_string, summary, default_port, extra_entries, FALSE);
}

/**
 * demo_parse_server_options:
 *
 * demo_parse_options(), plus --tls-cert, --tls-key, --max-clients, --idle-timeout and
 * --max-queued-bytes for demo_configure_server().
 */
void
demo_parse_server_options (int                *argc,
                           char             ***argv,
                           const char         *parameter_string,
                           const char         *summary,
                           int                 default_port,
                           const GOptionEntry *extra_entries)
{
  parse_options (argc, argv, parameter_string, summary, default_port, extra_entries, TRUE);
}

/**
 * demo_configure_server:
 *
 * Gives @server the limits and the TLS certificate of the server options, or exits with one
 * line if the certificate or its key cannot be loaded.
 */
void
demo_configure_server (GsockTcpServer *server)
{
  gsock_tcp_server_set_max_clients (server, server_max_clients);
  gsock_tcp_server_set_idle_timeout (server, server_idle_timeout);
  if (server_max_queued_bytes >= 0)
    gsock_tcp_server_set_max_queued_bytes (server, server_max_queued_bytes);
  if (server_high_water_mark >= 0)
    gsock_tcp_server_set_high_water_mark (server, server_high_water_mark);
  if (server_low_water_mark >= 0)
    gsock_tcp_server_set_low_water_mark (server, server_low_water_mark);
  gsock_tcp_server_set_drain_timeout (server, server_drain_timeout);
  gsock_tcp_server_set_handler_threads (server, server_handler_threads);
  if (server_keepalive > 0)
    gsock_tcp_server_set_keepalive (server, TRUE, server_keepalive, server_keepalive, 3);

  if (server_tls_cert != NULL)
    {
      g_autoptr(GTlsCertificate) certificate =
        demo_load_certificate (server_tls_cert, server_tls_key);

      gsock_tcp_server_set_tls_certificate (server, certificate);
    }
}

/**
 * demo_load_certificate:
 * @cert: a PEM certificate file
 * @key: (nullable): its private key's PEM file, or `NULL` for the key in @cert
 *
 * Loads a certificate with its key, or exits with one line on stderr.
 *
 * Returns: (transfer full): the certificate
 */
GTlsCertificate *
demo_load_certificate (const char *cert,
                       const char *key)
{
  g_autoptr(GError) error = NULL;
  GTlsCertificate *certificate;

  if (key != NULL)
    certificate = g_tls_certificate_new_from_files (cert, key, &error);
  else
    certificate = g_tls_certificate_new_from_file (cert, &error);
  if (certificate == NULL)
    demo_fail ("cannot load the TLS certificate %s%s%s: %s", cert,
               key != NULL ? " with the key " : "", key != NULL ? key : "", error->message);
  return certificate;
}

/* demo_log_limited(): what each kind of line has printed and held back. */
#define LOG_WINDOW_SECONDS 10
#define LOG_LINES_PER_WINDOW 3

typedef struct
{
  char *kind;
  guint64 total;
  guint64 held_back;      /* in the current window */
  guint printed;          /* in the current window */
} LogKind;

/* Servers may run on several threads (demo_serve_on_thread()): the counts are shared. */
static GMutex log_lock;
static GPtrArray *log_kinds;
static guint log_window_source;

static gboolean
log_window_cb (gpointer user_data)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&log_lock);
  gboolean any = FALSE;

  for (guint i = 0; i < log_kinds->len; i++)
    {
      LogKind *k = log_kinds->pdata[i];

      if (k->held_back > 0)
        g_printerr ("%s: %" G_GUINT64_FORMAT " more %s in the last %d s (not shown)\n",
                    g_get_prgname (), k->held_back, k->kind, LOG_WINDOW_SECONDS);
      any = any || k->printed > 0;
      k->held_back = 0;
      k->printed = 0;
    }
  if (!any)
    {
      log_window_source = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
log_kind_free (LogKind *k)
{
  g_free (k->kind);
  g_free (k);
}

/**
 * demo_log_limited:
 * @kind: what the line is about, as a plural ("connections rejected"), for the summaries
 *
 * Prints "PROGRAM: MESSAGE" on stderr, unless LOG_LINES_PER_WINDOW lines of @kind were printed
 * in the last LOG_WINDOW_SECONDS already: then the line is only counted, and the count printed
 * when the window ends. demo_serve() prints the totals when it returns. So a flood of bad
 * peers costs a few lines, not one each.
 */
void
demo_log_limited (const char *kind,
                  const char *format,
                  ...)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&log_lock);
  LogKind *k = NULL;

  if (log_kinds == NULL)
    log_kinds = g_ptr_array_new_with_free_func ((GDestroyNotify) log_kind_free);
  for (guint i = 0; i < log_kinds->len && k == NULL; i++)
    if (g_str_equal (((LogKind *) log_kinds->pdata[i])->kind, kind))
      k = log_kinds->pdata[i];
  if (k == NULL)
    {
      k = g_new0 (LogKind, 1);
      k->kind = g_strdup (kind);
      g_ptr_array_add (log_kinds, k);
    }

  k->total++;
  if (k->printed < LOG_LINES_PER_WINDOW)
    {
      g_autofree char *message = NULL;
      va_list args;

      va_start (args, format);
      message = g_strdup_vprintf (format, args);
      va_end (args);
      g_printerr ("%s: %s\n", g_get_prgname (), message);
      k->printed++;
    }
  else
    k->held_back++;

  if (log_window_source == 0)
    log_window_source = g_timeout_add_seconds (LOG_WINDOW_SECONDS, log_window_cb, NULL);
}

/* The totals, once, when serving ends: "in all: 1200 connections rejected, ...". */
static void
log_summary (void)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&log_lock);
  g_autoptr(GString) line = NULL;

  if (log_kinds == NULL)
    return;
  for (guint i = 0; i < log_kinds->len; i++)
    {
      LogKind *k = log_kinds->pdata[i];

      if (line == NULL)
        line = g_string_new (NULL);
      else
        g_string_append (line, ", ");
      g_string_append_printf (line, "%" G_GUINT64_FORMAT " %s", k->total, k->kind);
    }
  if (line != NULL)
    g_printerr ("%s: in all: %s\n", g_get_prgname (), line->str);
  g_clear_handle_id (&log_window_source, g_source_remove);
  g_clear_pointer (&log_kinds, g_ptr_array_unref);
}

static void
endpoint_error_cb (GsockEndpoint *endpoint,
                   const GError  *error,
                   gpointer       user_data)
{
  if (g_error_matches (error, GSOCK_ERROR, GSOCK_ERROR_TOO_MANY_CLIENTS))
    demo_log_limited ("connections rejected (too many clients)", "%s", error->message);
  else
    demo_log_limited ("errors", "%s", error->message);
}

/**
 * demo_watch_errors:
 *
 * Prints what @endpoint's `error` signal reports (problems that do not close it: a
 * connection rejected past max-clients, a failed TLS handshake, an oversize datagram ...)
 * through demo_log_limited().
 */
void
demo_watch_errors (GsockEndpoint *endpoint)
{
  g_signal_connect (endpoint, "error", G_CALLBACK (endpoint_error_cb), NULL);
}

/* Prints "PROGRAM: MESSAGE" on stderr and exits with status 1. */
void
demo_fail (const char *format,
           ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("%s: %s\n", g_get_prgname (), message);
  exit (1);
}

/* "127.0.0.1:5555" or "[::1]:5555". */
char *
demo_address_to_string (GSocketAddress *address)
{
  if (address == NULL)
    return g_strdup ("(unknown)");
  return g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (address));
}

/* The message's text, or a note saying why there is none: a server keeps serving bad input. */
char *
demo_message_text (GsockMessage *message)
{
  g_autoptr(GError) error = NULL;
  const char *text = gsock_message_get_text (message, &error);

  if (text != NULL)
    return g_strdup (text);
  return g_strdup_printf ("(%zu bytes that are not text: %s)",
                          g_bytes_get_size (gsock_message_get_bytes (message)), error->message);
}

/* The framer for --framing NAME, or exits. */
GsockFramer *
demo_framer_new (const char *name)
{
  if (g_str_equal (name, "line"))
    return gsock_line_framer_new ("\n");
  if (g_str_equal (name, "length"))
    return gsock_length_framer_new (4);
  if (g_str_equal (name, "raw"))
    return gsock_raw_framer_new ();
  demo_fail ("unknown framing “%s” (expected line, length or raw)", name);
}

/* The endpoints demo_serve() runs, and how closing them goes. */
static GMainLoop *serve_loop;
static GPtrArray *serve_endpoints;
static gboolean shutting_down;
static gint closes_pending; /* atomic: endpoints on other threads close there */
static gint serve_status;   /* atomic */

/* Endpoints served by a thread of their own, with its own main context. */
typedef struct
{
  GPtrArray *endpoints;
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
} ServeThread;

static GPtrArray *serve_threads;

static gpointer
serve_thread_main (gpointer data)
{
  ServeThread *t = data;

  g_main_context_push_thread_default (t->context);
  g_main_loop_run (t->loop);
  g_main_context_pop_thread_default (t->context);
  return NULL;
}

/* Ends the thread, once it has closed its endpoints (or demo_serve() gave up). */
static void
serve_thread_free (ServeThread *t)
{
  g_main_loop_quit (t->loop);
  g_thread_join (t->thread);
  g_ptr_array_unref (t->endpoints);
  g_main_loop_unref (t->loop);
  g_main_context_unref (t->context);
  g_free (t);
}

/**
 * demo_serve_on_thread:
 * @context: the main context the endpoints were made in (thread-default while they were made)
 * @first: an endpoint that is already listening or bound
 * @...: more endpoints of @context, then `NULL`
 *
 * Runs @context on a new thread from now on, so the endpoints are served there; demo_serve()
 * closes them, there, together with its own endpoints.
 */
void
demo_serve_on_thread (GMainContext  *context,
                      GsockEndpoint *first,
                      ...)
{
  ServeThread *t = g_new0 (ServeThread, 1);
  va_list args;

  t->endpoints = g_ptr_array_new_with_free_func (g_object_unref);
  va_start (args, first);
  for (GsockEndpoint *endpoint = first; endpoint != NULL; endpoint = va_arg (args, GsockEndpoint *))
    g_ptr_array_add (t->endpoints, g_object_ref (endpoint));
  va_end (args);
  t->context = g_main_context_ref (context);
  t->loop = g_main_loop_new (context, FALSE);
  t->thread = g_thread_new ("demo-server", serve_thread_main, t);
  if (serve_threads == NULL)
    serve_threads = g_ptr_array_new_with_free_func ((GDestroyNotify) serve_thread_free);
  g_ptr_array_add (serve_threads, t);
}

static void
close_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!gsock_endpoint_close_finish (GSOCK_ENDPOINT (source), result, &error))
    {
      g_printerr ("%s: closing failed: %s\n", g_get_prgname (), error->message);
      g_atomic_int_set (&serve_status, 1);
    }
  if (g_atomic_int_dec_and_test (&closes_pending))
    g_main_loop_quit (serve_loop);
}

/* On a serving thread: closes its endpoints there. */
static gboolean
close_on_thread_cb (gpointer data)
{
  ServeThread *t = data;

  for (guint i = 0; i < t->endpoints->len; i++)
    gsock_endpoint_close_async (t->endpoints->pdata[i], NULL, close_cb, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
close_timeout_cb (gpointer user_data)
{
  g_printerr ("%s: closing took more than 5 s, giving up\n", g_get_prgname ());
  g_atomic_int_set (&serve_status, 1);
  g_main_loop_quit (serve_loop);
  return G_SOURCE_REMOVE;
}

/**
 * demo_shutdown:
 *
 * Closes every endpoint demo_serve() runs, gracefully: what is queued is sent first. The
 * main loop stops once all have closed. Calling it again does nothing.
 */
void
demo_shutdown (void)
{
  if (shutting_down || serve_endpoints == NULL)
    return;

  shutting_down = TRUE;
  closes_pending = serve_endpoints->len;
  for (guint i = 0; serve_threads != NULL && i < serve_threads->len; i++)
    closes_pending += ((ServeThread *) serve_threads->pdata[i])->endpoints->len;
  for (guint i = 0; serve_threads != NULL && i < serve_threads->len; i++)
    g_main_context_invoke (((ServeThread *) serve_threads->pdata[i])->context,
                           close_on_thread_cb, serve_threads->pdata[i]);
  for (guint i = 0; i < serve_endpoints->len; i++)
    gsock_endpoint_close_async (serve_endpoints->pdata[i], NULL, close_cb, NULL);
  g_timeout_add_seconds (5, close_timeout_cb, NULL);
}

static gboolean
signal_cb (gpointer user_data)
{
  demo_shutdown ();
  return G_SOURCE_CONTINUE;
}

/**
 * demo_serve:
 * @first: an endpoint that is already listening or bound
 * @...: more endpoints, then `NULL`
 *
 * demo_serve_all() for @first and the others.
 *
 * Returns: the exit status: 0, or 1 if closing failed
 */
int
demo_serve (GsockEndpoint *first,
            ...)
{
  g_autoptr(GPtrArray) endpoints = g_ptr_array_new_null_terminated (2, NULL, TRUE);
  va_list args;

  va_start (args, first);
  for (GsockEndpoint *endpoint = first; endpoint != NULL; endpoint = va_arg (args, GsockEndpoint *))
    g_ptr_array_add (endpoints, endpoint);
  va_end (args);
  return demo_serve_all ((GsockEndpoint **) endpoints->pdata);
}

/**
 * demo_serve_all:
 * @endpoints: endpoints that are already listening or bound, then `NULL`
 *
 * Prints "listening on HOST:PORT" for the first, with the port the system really gave, runs
 * the main loop until SIGINT or SIGTERM (or demo_shutdown()), then closes the endpoints
 * gracefully.
 *
 * Returns: the exit status: 0, or 1 if closing failed
 */
int
demo_serve_all (GsockEndpoint **endpoints)
{
  g_autofree char *address = demo_address_to_string (gsock_endpoint_get_local_address (endpoints[0]));

  serve_loop = g_main_loop_new (NULL, FALSE);
  serve_endpoints = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; endpoints[i] != NULL; i++)
    g_ptr_array_add (serve_endpoints, g_object_ref (endpoints[i]));

  g_unix_signal_add (SIGINT, signal_cb, NULL);
  g_unix_signal_add (SIGTERM, signal_cb, NULL);

  /* Only now: whoever waits for this line may send a signal at once. */
  g_print ("listening on %s\n", address);
  fflush (stdout);

  g_main_loop_run (serve_loop);
  g_clear_pointer (&serve_threads, g_ptr_array_unref);
  log_summary ();

  g_clear_pointer (&serve_endpoints, g_ptr_array_unref);
  g_clear_pointer (&serve_loop, g_main_loop_unref);
  return g_atomic_int_get (&serve_status);
}
