/* gsock-connector.c: opening a client's connection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-connector-private.h"

#include "gsock-endpoint-private.h"

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

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GsockEndpoint *endpoint = g_task_get_source_object (task);
  Connect *data = g_task_get_task_data (task);
  GSocketConnection *connection;
  g_autoptr(GError) error = NULL;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (connection != NULL && data->tls != NULL)
    {
      /* GSocketClient hands a TLS connection over in a wrapper that makes it a
       * GSocketConnection. */
      GIOStream *tls = g_tcp_wrapper_connection_get_base_io_stream (
        G_TCP_WRAPPER_CONNECTION (connection));

      if (!_gsock_tls_check_version (data->tls, G_TLS_CONNECTION (tls), &error))
        g_clear_object (&connection);
    }
  if (connection != NULL)
    {
      g_task_return_pointer (task, connection, g_object_unref);
      return;
    }

  if (data->tls != NULL)
    _gsock_tls_explain_refusal (data->tls->refused, "server", &error);
  if (data->timed_out && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                             "Connecting to %s:%u timed out after %u ms",
                             gsock_endpoint_get_host (endpoint),
                             gsock_endpoint_get_port (endpoint),
                             gsock_endpoint_get_timeout (endpoint));
  else
    g_task_return_error (task, g_steal_pointer (&error));
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
  guint timeout = gsock_endpoint_get_timeout (endpoint);
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
                                 GError      **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
