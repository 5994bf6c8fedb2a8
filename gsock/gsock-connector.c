/* gsock-connector.c: opening a client's connection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-connector-private.h"

#include "gsock-endpoint-private.h"
#include "gsock-stream-private.h"

/* The least a client that showed (or was asked for) a certificate waits for the server's
 * verdict on it, in µs; otherwise twice the handshake's own time. */
#define VERDICT_WAIT_MIN_US (100 * 1000)
/* What the wait reads at most: what arrives with the verdict is handed to the stream. */
#define VERDICT_READ_SIZE (16 * 1024)

/* What a connection attempt needs to tell a timeout from a cancellation. */
typedef struct
{
  GsockTls *tls;                  /* NULL for plain TCP; the endpoint's, alive with the task */
  GCancellable *cancellable;      /* the attempt's own: the timeout and both others cancel it */
  GCancellable *user_cancellable;
  gulong user_cancelled_id;
  GCancellable *close_cancellable;
  gulong close_cancelled_id;
  GSource *timeout_source;
  gboolean timed_out;
  /* The wait for the server's verdict on our certificate (TLS 1.3). */
  GSocketConnection *connection;
  GSource *verdict_source;
  GSource *verdict_timer;
  GBytes *first_input;            /* what the wait read: the stream takes it first */
} Connect;

static void
forget_cancellable (GCancellable **cancellable,
                    gulong         id)
{
  if (*cancellable == NULL)
    return;
  g_cancellable_disconnect (*cancellable, id);
  g_clear_object (cancellable);
}

static void
connect_free (Connect *data)
{
  forget_cancellable (&data->user_cancellable, data->user_cancelled_id);
  forget_cancellable (&data->close_cancellable, data->close_cancelled_id);
  _gsock_source_clear (&data->timeout_source);
  _gsock_source_clear (&data->verdict_source);
  _gsock_source_clear (&data->verdict_timer);
  g_clear_object (&data->connection);
  g_clear_pointer (&data->first_input, g_bytes_unref);
  g_object_unref (data->cancellable);
  g_free (data);
}

static void
cancelled_cb (GCancellable *cancelled,
              GCancellable *cancellable)
{
  g_cancellable_cancel (cancellable);
}

static gulong
chain (GCancellable  *from,
       GCancellable **kept,
       GCancellable  *to)
{
  if (from == NULL)
    return 0;
  *kept = g_object_ref (from);
  return g_cancellable_connect (from, G_CALLBACK (cancelled_cb), to, NULL);
}

static gboolean
timeout_cb (gpointer user_data)
{
  Connect *data = user_data;

  data->timed_out = TRUE;
  g_cancellable_cancel (data->cancellable);
  return G_SOURCE_REMOVE;
}

/* The attempt failed with @error: explained, a timeout told from a cancellation. */
static void
return_error (GTask  *task,
              GError *error)
{
  GsockEndpoint *endpoint = g_task_get_source_object (task);
  Connect *data = g_task_get_task_data (task);

  if (data->tls != NULL)
    _gsock_tls_explain_refusal (data->tls->refused, "server", &error);
  if (data->timed_out && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                               "Connecting to %s:%u timed out after %u ms",
                               gsock_endpoint_get_host (endpoint),
                               gsock_endpoint_get_port (endpoint),
                               gsock_endpoint_get_connect_timeout (endpoint));
      g_error_free (error);
    }
  else
    g_task_return_error (task, error);
}

/* Connected: the connection, and what the wait for a verdict read of it (or NULL). */
static void
return_connection (GTask  *task,
                   GBytes *first_input)
{
  Connect *data = g_task_get_task_data (task);

  _gsock_source_clear (&data->verdict_source);
  _gsock_source_clear (&data->verdict_timer);
  if (first_input != NULL)
    data->first_input = g_bytes_ref (first_input);
  g_task_return_pointer (task, g_steal_pointer (&data->connection), g_object_unref);
  g_object_unref (task);
}

static gboolean
verdict_timer_cb (gpointer task)
{
  /* No word from the server: our certificate was taken. */
  return_connection (task, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
verdict_readable_cb (GObject *stream,
                     gpointer task)
{
  Connect *data = g_task_get_task_data (task);
  g_autofree guint8 *buffer = g_malloc (VERDICT_READ_SIZE);
  g_autoptr(GBytes) first_input = NULL;
  GError *error = NULL;
  gssize n;

  n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (stream), buffer,
                                                VERDICT_READ_SIZE, data->cancellable, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      /* Handshake messages after the handshake (session tickets), no verdict yet. */
      g_error_free (error);
      return G_SOURCE_CONTINUE;
    }
  if (n < 0)
    {
      /* The server's alert: the open fails with it, and nothing more is owed to it. */
      GSocketConnection *base = _gsock_socket_connection_of (G_IO_STREAM (data->connection));

      g_socket_close (g_socket_connection_get_socket (base), NULL);
      g_clear_object (&data->connection);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (&error, "The server ended the connection after the TLS handshake, "
                                "having asked for a client certificate: ");
      _gsock_source_clear (&data->verdict_timer);
      g_clear_pointer (&data->verdict_source, g_source_unref);
      return_error (task, error);
      g_object_unref (task);
      return G_SOURCE_REMOVE;
    }
  /* Data (or the end) after the certificate was seen: the server took it; the stream reads
   * what came as its first input. */
  if (n > 0)
    first_input = g_bytes_new_take (g_steal_pointer (&buffer), n);
  g_clear_pointer (&data->verdict_source, g_source_unref);
  return_connection (task, first_input);
  return G_SOURCE_REMOVE;
}

/* Under TLS 1.3 the server judges a client's certificate after the client's handshake is
 * done: a refusal is an alert that comes a round trip later, which the client would see only
 * at its first read, as if the open had worked. So a client the server asked for a
 * certificate waits for it, twice the handshake's time and at least VERDICT_WAIT_MIN_US, the
 * connection's timeout still running. Under TLS 1.2 the handshake ends after the verdict. */
static void
wait_for_verdict (GTask *task)
{
  GsockEndpoint *endpoint = g_task_get_source_object (task);
  Connect *data = g_task_get_task_data (task);
  GTlsConnection *tls = G_TLS_CONNECTION (g_tcp_wrapper_connection_get_base_io_stream (
    G_TCP_WRAPPER_CONNECTION (data->connection)));
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (tls));
  gint64 took = g_get_monotonic_time () - data->tls->handshake_began;
  gint64 wait_us = MAX (VERDICT_WAIT_MIN_US, 2 * took);

  data->verdict_source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (input),
                                                                data->cancellable);
  g_source_set_callback (data->verdict_source, G_SOURCE_FUNC (verdict_readable_cb), task, NULL);
  g_source_attach (data->verdict_source, _gsock_endpoint_get_context (endpoint));
  data->verdict_timer = g_timeout_source_new ((guint) (wait_us / 1000));
  g_source_set_callback (data->verdict_timer, verdict_timer_cb, task, NULL);
  g_source_attach (data->verdict_timer, _gsock_endpoint_get_context (endpoint));
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Connect *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (data->connection != NULL && data->tls != NULL)
    {
      /* GSocketClient hands a TLS connection over in a wrapper that makes it a
       * GSocketConnection. */
      GIOStream *tls = g_tcp_wrapper_connection_get_base_io_stream (
        G_TCP_WRAPPER_CONNECTION (data->connection));

      if (!_gsock_tls_check_version (data->tls, G_TLS_CONNECTION (tls), &error))
        g_clear_object (&data->connection);
      else if (data->tls->certificate_requested &&
               g_tls_connection_get_protocol_version (G_TLS_CONNECTION (tls)) ==
                 G_TLS_PROTOCOL_VERSION_TLS_1_3)
        {
          wait_for_verdict (task);
          return;
        }
    }
  if (data->connection != NULL)
    return_connection (task, NULL);
  else
    {
      return_error (task, error);
      g_object_unref (task);
    }
}

void
_gsock_connector_connect_async (GsockEndpoint       *endpoint,
                                GsockTls            *tls,
                                GCancellable        *cancellable,
                                GCancellable        *close_cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task = g_task_new (endpoint, cancellable, callback, user_data);
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) connectable = NULL;
  GSocketAddress *address = gsock_endpoint_get_address (endpoint);
  guint timeout = gsock_endpoint_get_connect_timeout (endpoint);
  Connect *data = g_new0 (Connect, 1);

  g_task_set_source_tag (task, _gsock_connector_connect_async);
  g_task_set_task_data (task, data, (GDestroyNotify) connect_free);
  data->tls = tls;
  data->cancellable = g_cancellable_new ();
  data->user_cancelled_id = chain (cancellable, &data->user_cancellable, data->cancellable);
  data->close_cancelled_id = chain (close_cancellable, &data->close_cancellable,
                                    data->cancellable);
  if (timeout > 0)
    {
      data->timeout_source = g_timeout_source_new (timeout);
      g_source_set_callback (data->timeout_source, timeout_cb, data, NULL);
      g_source_attach (data->timeout_source, _gsock_endpoint_get_context (endpoint));
    }

  if (tls != NULL)
    {
      tls->refused = 0;
      _gsock_tls_set_up_client (tls, socket_client);
    }
  /* A message socket to a host and port: system proxy settings (HTTP proxies, mostly) do not
   * apply, and looking them up costs a thread and a settings backend per connection. */
  g_socket_client_set_enable_proxy (socket_client, FALSE);
  if (address != NULL)
    connectable = G_SOCKET_CONNECTABLE (g_object_ref (address));
  else
    connectable = g_network_address_new (gsock_endpoint_get_host (endpoint),
                                         gsock_endpoint_get_port (endpoint));
  g_socket_client_connect_async (socket_client, connectable, data->cancellable, connected_cb,
                                 task);
}

GSocketConnection *
_gsock_connector_connect_finish (GAsyncResult *result,
                                 GBytes      **first_input,
                                 GError      **error)
{
  Connect *data = g_task_get_task_data (G_TASK (result));

  *first_input = g_steal_pointer (&data->first_input);
  return g_task_propagate_pointer (G_TASK (result), error);
}
