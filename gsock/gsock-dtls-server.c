/* gsock-dtls-server.c: the DTLS sessions of a datagram endpoint that serves many peers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-dtls-server-private.h"

#include "gsock-debug-private.h"
#include "gsock-dtls-peer-private.h"
#include "gsock-endpoint-private.h"
#include "gsock-error.h"
#include "gsock-socket-address-private.h"

/* Handshakes at once: each waits for its peer's next flight in one of GIO's threads, and
 * that pool is shared with the resolver and every other blocking job of the process. */
#define MAX_HANDSHAKES 16
/* A handshake lasts at most this long (or the idle timeout, if shorter). */
#define HANDSHAKE_TIMEOUT_MS 10000
/* The largest DTLS plaintext: 2^14 bytes per record. */
#define MAX_PLAINTEXT 16384

/* One peer's session. Refcounted: a handshake's callback may come after the session ended. */
typedef struct
{
  GsockDtlsServer *server; /* NULL once ended */
  GSocketAddress *peer;
  GsockDtlsPeer *base;      /* what the session runs over */
  GDatagramBased *dtls;     /* the GDtlsServerConnection, once handshaken */
  GCancellable *handshake;  /* while handshaking */
  GSource *idle_source;
  gint64 last_heard;
} Session;

static Session *
session_ref (Session *session)
{
  return g_atomic_rc_box_acquire (session);
}

static void
session_free_contents (Session *session)
{
  g_clear_object (&session->dtls);
  g_clear_object (&session->handshake);
  g_object_unref (session->base);
  g_object_unref (session->peer);
}

static void
session_unref (Session *session)
{
  g_atomic_rc_box_release_full (session, (GDestroyNotify) session_free_contents);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Session, session_unref)

/* Ends @session: out of the table, its handshake stopped, its base closed (a waiting
 * handshake wakes up); an established session's peer is told (close_notify). */
static void
session_end (Session     *session,
             const char  *why)
{
  GsockDtlsServer *self = session->server;

  if (self == NULL)
    return;
  session->server = NULL;
  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    {
      g_autofree char *name = _gsock_debug_address (session->peer);

      g_debug ("DTLS session with %s ended: %s", name, why);
    }
  _gsock_source_clear (&session->idle_source);
  /* A handshake counts until it is stopped (its thread lets go at once). */
  if (session->handshake != NULL)
    {
      g_cancellable_cancel (session->handshake);
      self->handshakes--;
    }
  if (session->dtls != NULL)
    g_dtls_connection_shutdown (G_DTLS_CONNECTION (session->dtls), FALSE, TRUE, NULL, NULL);
  g_clear_object (&session->dtls);
  _gsock_dtls_peer_close (session->base);
  /* The table's reference goes last. */
  g_hash_table_remove (self->sessions, session->peer);
}

static gboolean idle_cb (gpointer user_data);

/* The idle timer, for what is left of the timeout since the peer was last heard. */
static void
arm_idle (Session *session)
{
  GsockDtlsServer *self = session->server;
  gint64 left_us = session->last_heard + (gint64) self->idle_timeout_ms * 1000
                   - g_get_monotonic_time ();

  _gsock_source_clear (&session->idle_source);
  session->idle_source = g_timeout_source_new (MAX (0, left_us / 1000) + 1);
  g_source_set_static_name (session->idle_source, "GsockDtlsServer idle session");
  g_source_set_callback (session->idle_source, idle_cb, session, NULL);
  g_source_attach (session->idle_source, _gsock_endpoint_get_context (self->owner));
}

static gboolean
idle_cb (gpointer user_data)
{
  Session *session = user_data;
  GsockDtlsServer *self = session->server;

  /* The source is the session's own; arm_idle or session_end destroys it. */
  if (g_get_monotonic_time () - session->last_heard >= (gint64) self->idle_timeout_ms * 1000)
    session_end (session, "idle for too long (session-idle-timeout)");
  else
    arm_idle (session);
  return G_SOURCE_REMOVE;
}

/* Hands what @session can decrypt now to the owner, one datagram at a time. */
static void
read_session (Session *session)
{
  g_autoptr(Session) held = session_ref (session);

  if (session->server->buffer == NULL)
    session->server->buffer = g_malloc (MAX_PLAINTEXT);
  while (session->server != NULL && session->dtls != NULL)
    {
      GsockDtlsServer *self = session->server;
      g_autoptr(GError) error = NULL;
      GInputVector vector = { self->buffer, MAX_PLAINTEXT };
      GInputMessage message = { .vectors = &vector, .num_vectors = 1 };
      gint n = g_datagram_based_receive_messages (session->dtls, &message, 1, 0, 0, NULL,
                                                  &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return;
      if (n < 0)
        {
          session_end (session, error->message);
          return;
        }
      if (n == 0)
        {
          session_end (session, "the peer ended it (close_notify)");
          return;
        }
      self->callbacks->deliver (self->owner, self->buffer, message.bytes_received,
                                session->peer);
    }
}

static void
handshaken_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(Session) session = user_data;
  g_autoptr(GDatagramBased) dtls = NULL;
  g_autoptr(GError) error = NULL;
  GsockDtlsServer *self;

  dtls = _gsock_tls_dtls_handshake_finish (result, &error);
  /* Ended meanwhile (session_end counted the handshake out). */
  self = session->server;
  if (self == NULL)
    return;
  self->handshakes--;
  g_clear_object (&session->handshake);
  if (dtls == NULL)
    {
      g_autofree char *name = _gsock_debug_address (session->peer);

      g_prefix_error (&error, "DTLS handshake with %s failed: ", name);
      GSOCK_DEBUG ("%s", error->message);
      _gsock_endpoint_report_error (self->owner, error);
      session_end (session, "its handshake failed");
      return;
    }
  session->dtls = g_steal_pointer (&dtls);
  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    {
      g_autofree char *name = _gsock_debug_address (session->peer);

      g_debug ("DTLS session with %s open (%s, %s)", name,
               _gsock_tls_protocol_name (
                 g_dtls_connection_get_protocol_version (G_DTLS_CONNECTION (session->dtls))),
               g_dtls_connection_get_ciphersuite_name (G_DTLS_CONNECTION (session->dtls)));
    }
  if (self->idle_timeout_ms > 0)
    arm_idle (session);
  /* What the peer sent right after its Finished may wait already. */
  read_session (session);
}

/* A DTLS record of the handshake type (22) with a DTLS version (0xfe..), holding a
 * ClientHello (1): the only datagram a peer without a session may start one with. Anything
 * else costs nothing. */
static gboolean
looks_like_client_hello (const guint8 *data,
                         gsize         size)
{
  return size > 13 && data[0] == 22 && data[1] == 0xfe && data[13] == 1;
}

static Session *
session_new (GsockDtlsServer *self,
             GSocketAddress  *peer)
{
  Session *session = g_atomic_rc_box_new0 (Session);
  guint timeout_ms = HANDSHAKE_TIMEOUT_MS;
  GMainContext *context;

  session->server = self;
  session->peer = g_object_ref (peer);
  session->base = _gsock_dtls_peer_new (self->socket, peer);
  session->handshake = g_cancellable_new ();
  session->last_heard = g_get_monotonic_time ();
  g_hash_table_insert (self->sessions, session->peer, session);
  /* The idle timer starts once the handshake is done; a shorter idle timeout bounds it. */
  if (self->idle_timeout_ms > 0)
    timeout_ms = MIN (timeout_ms, self->idle_timeout_ms);
  self->handshakes++;
  /* Its end is told on the endpoint's context, which a source's dispatch does not make
   * thread-default. */
  context = _gsock_endpoint_get_context (self->owner);
  g_main_context_push_thread_default (context);
  _gsock_tls_dtls_handshake_async (self->tls, G_DATAGRAM_BASED (session->base), NULL,
                                   G_TLS_AUTHENTICATION_NONE, timeout_ms, session->handshake,
                                   handshaken_cb, session_ref (session));
  g_main_context_pop_thread_default (context);
  return session;
}

void
_gsock_dtls_server_init (GsockDtlsServer                *self,
                         GsockEndpoint                  *owner,
                         GsockTls                       *tls,
                         const GsockDtlsServerCallbacks *callbacks)
{
  self->owner = owner;
  self->tls = tls;
  self->callbacks = callbacks;
}

void
_gsock_dtls_server_attach (GsockDtlsServer *self,
                           GSocket         *socket)
{
  self->socket = socket;
  self->sessions = g_hash_table_new_full (_gsock_socket_address_hash,
                                          _gsock_socket_address_equal, NULL,
                                          (GDestroyNotify) session_unref);
}

void
_gsock_dtls_server_clear (GsockDtlsServer *self)
{
  if (self->sessions != NULL)
    {
      GList *sessions = g_hash_table_get_values (self->sessions);

      /* Each end takes its session out of the table, and may free it: held meanwhile. */
      g_list_foreach (sessions, (GFunc) (void (*) (void)) session_ref, NULL);
      for (GList *l = sessions; l != NULL; l = l->next)
        session_end (l->data, "the endpoint closed");
      g_list_free_full (sessions, (GDestroyNotify) session_unref);
      g_clear_pointer (&self->sessions, g_hash_table_unref);
    }
  g_clear_pointer (&self->buffer, g_free);
  self->socket = NULL;
}

void
_gsock_dtls_server_feed (GsockDtlsServer *self,
                         const guint8    *data,
                         gsize            size,
                         GSocketAddress  *sender)
{
  Session *session;

  if (sender == NULL)
    return;
  session = g_hash_table_lookup (self->sessions, sender);
  if (session == NULL)
    {
      guint n = g_hash_table_size (self->sessions);

      if (!looks_like_client_hello (data, size))
        return;
      if ((self->max_sessions > 0 && n >= self->max_sessions)
          || self->handshakes >= MAX_HANDSHAKES)
        {
          if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
            {
              g_autofree char *name = _gsock_debug_address (sender);

              g_debug ("No DTLS session for %s: %u sessions (max-sessions %u), %u handshakes "
                       "under way (at most %u)", name, n, self->max_sessions, self->handshakes,
                       MAX_HANDSHAKES);
            }
          return;
        }
      session = session_new (self, sender);
    }
  session->last_heard = g_get_monotonic_time ();
  if (!_gsock_dtls_peer_feed (session->base, data, size))
    return;
  if (session->dtls != NULL)
    read_session (session);
}

GDatagramBased *
_gsock_dtls_server_lookup (GsockDtlsServer *self,
                           GSocketAddress  *peer)
{
  Session *session = self->sessions != NULL ? g_hash_table_lookup (self->sessions, peer) : NULL;

  return session != NULL ? session->dtls : NULL;
}

guint
_gsock_dtls_server_get_n_sessions (GsockDtlsServer *self)
{
  return self->sessions != NULL ? g_hash_table_size (self->sessions) : 0;
}
