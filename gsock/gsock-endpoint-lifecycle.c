/* gsock-endpoint-lifecycle.c: opening and closing an endpoint: open_async, active, close,
 * abort, close_async
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-endpoint-lifecycle-private.h"

#include "gsock-endpoint-private.h"

void
_gsock_lifecycle_init (GsockLifecycle *self)
{
  g_queue_init (&self->closers);
}

void
_gsock_lifecycle_closed (GsockLifecycle *self,
                         const GError   *error)
{
  GTask *task;

  while ((task = g_queue_pop_head (&self->closers)) != NULL)
    {
      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

void
_gsock_lifecycle_clear (GsockLifecycle *self)
{
  _gsock_source_clear (&self->open_source);
  _gsock_lifecycle_closed (self, NULL);
}

static void
active_open_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GsockEndpoint *self = GSOCK_ENDPOINT (source);
  g_autoptr(GError) error = NULL;

  if (!gsock_endpoint_open_finish (self, result, &error))
    _gsock_endpoint_report_error (self, error);
}

static gboolean
active_open_idle_cb (gpointer user_data)
{
  GsockEndpoint *self = user_data;
  GsockLifecycle *lifecycle = _gsock_endpoint_get_lifecycle (self);

  /* :active stays TRUE from the request through OPENING; it drops only if opening failed at
   * once. */
  if (_gsock_endpoint_peek_state (self) == GSOCK_STATE_CLOSED)
    gsock_endpoint_open_async (self, NULL, active_open_cb, NULL);
  g_clear_pointer (&lifecycle->open_source, g_source_unref);
  if (!gsock_endpoint_get_active (self))
    _gsock_endpoint_notify_active (self);
  return G_SOURCE_REMOVE;
}

/**
 * gsock_endpoint_get_active:
 * @self: an endpoint
 *
 * Gets [property@Gsock.Endpoint:active].
 *
 * Returns: whether the endpoint is open, opening, or about to open
 */
gboolean
gsock_endpoint_get_active (GsockEndpoint *self)
{
  GsockLifecycle *lifecycle;
  GsockState state;

  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), FALSE);

  lifecycle = _gsock_endpoint_get_lifecycle (self);

  state = _gsock_endpoint_peek_state (self);
  return lifecycle->open_source != NULL || state == GSOCK_STATE_OPENING ||
         state == GSOCK_STATE_OPEN;
}

/**
 * gsock_endpoint_set_active:
 * @self: an endpoint
 * @active: `TRUE` to open, `FALSE` to close
 *
 * Sets [property@Gsock.Endpoint:active].
 */
void
gsock_endpoint_set_active (GsockEndpoint *self,
                           gboolean       active)
{
  GsockLifecycle *lifecycle;

  g_return_if_fail (GSOCK_IS_ENDPOINT (self));

  lifecycle = _gsock_endpoint_get_lifecycle (self);

  if (!!active == gsock_endpoint_get_active (self))
    return;

  if (!active)
    {
      if (lifecycle->open_source != NULL)
        {
          _gsock_source_clear (&lifecycle->open_source);
          _gsock_endpoint_notify_active (self);
        }
      gsock_endpoint_close (self);
      return;
    }

  lifecycle->open_source = g_idle_source_new ();
  g_source_set_callback (lifecycle->open_source, active_open_idle_cb, self, NULL);
  g_source_attach (lifecycle->open_source, _gsock_endpoint_get_context (self));
  _gsock_endpoint_notify_active (self);
}

/**
 * gsock_endpoint_open_async:
 * @self: an endpoint
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called when the endpoint is open or failed to open
 * @user_data: data for @callback
 *
 * Opens @self the way its kind does: [method@Gsock.UdpEndpoint.bind],
 * [method@Gsock.TcpServer.listen] or [method@Gsock.TcpClient.open_async]. Code that handles
 * endpoints of any kind (a GtkBuilder file, a generic UI) uses this.
 *
 * It never blocks: a host name is resolved asynchronously on the endpoint's main context
 * (while [property@Gsock.Endpoint:state] is `GSOCK_STATE_OPENING`), where the blocking bind
 * and listen would wait for the resolver. Cancelling @cancellable or closing the endpoint
 * meanwhile fails the open with `G_IO_ERROR_CANCELLED`; opening an endpoint that is not
 * closed fails with `G_IO_ERROR_BUSY`.
 */
void
gsock_endpoint_open_async (GsockEndpoint      *self,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_return_if_fail (GSOCK_IS_ENDPOINT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  GSOCK_ENDPOINT_GET_CLASS (self)->open_async (self, cancellable, callback, user_data);
}

/**
 * gsock_endpoint_open_finish:
 * @self: an endpoint
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes [method@Gsock.Endpoint.open_async].
 *
 * Returns: `TRUE` once open; `FALSE` with @error set as the kind's own open reports it
 */
gboolean
gsock_endpoint_open_finish (GsockEndpoint *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  return GSOCK_ENDPOINT_GET_CLASS (self)->open_finish (self, result, error);
}

/**
 * gsock_endpoint_close:
 * @self: an endpoint
 *
 * Starts closing @self: nothing new is accepted for sending, what is queued is still written,
 * then the socket is released and [property@Gsock.Endpoint:state] becomes
 * `GSOCK_STATE_CLOSED`.
 *
 * Use [method@Gsock.Endpoint.close_async] to know when that happened. Closing a closed
 * endpoint does nothing.
 */
void
gsock_endpoint_close (GsockEndpoint *self)
{
  GsockState state;

  g_return_if_fail (GSOCK_IS_ENDPOINT (self));

  state = _gsock_endpoint_peek_state (self);
  if (state == GSOCK_STATE_CLOSED || state == GSOCK_STATE_CLOSING)
    return;

  GSOCK_ENDPOINT_GET_CLASS (self)->close (self);
}

/**
 * gsock_endpoint_abort:
 * @self: an endpoint
 *
 * Closes @self at once: what is queued is dropped, not written. For a
 * [class@Gsock.TcpServer], listening stops and every client is aborted.
 *
 * Use it when the graceful [method@Gsock.Endpoint.close] could wait too long, for a peer that
 * never reads, say. Aborting a closed endpoint does nothing.
 */
void
gsock_endpoint_abort (GsockEndpoint *self)
{
  GsockEndpointClass *klass;

  g_return_if_fail (GSOCK_IS_ENDPOINT (self));

  if (_gsock_endpoint_peek_state (self) == GSOCK_STATE_CLOSED)
    return;

  klass = GSOCK_ENDPOINT_GET_CLASS (self);
  if (klass->abort != NULL)
    klass->abort (self);
  else
    klass->close (self);
}

/**
 * gsock_endpoint_close_async:
 * @self: an endpoint
 * @cancellable: (nullable): a cancellable; cancelling it stops the wait, not the close
 * @callback: (scope async): called once everything queued was written and the endpoint is
 *   closed
 * @user_data: data for @callback
 *
 * Closes @self as [method@Gsock.Endpoint.close] does and tells when it is done.
 *
 * A [class@Gsock.TcpClient] whose close could not write everything it had queued (the
 * connection was lost, the peer read nothing for
 * [property@Gsock.TcpClient:drain-timeout], or the endpoint was aborted meanwhile) is closed
 * all the same, and [method@Gsock.Endpoint.close_finish] fails with why (its domain and
 * code, `G_IO_ERROR_CLOSED` for an abort), saying how many bytes were not written.
 */
void
gsock_endpoint_close_async (GsockEndpoint      *self,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  GsockLifecycle *lifecycle;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (GSOCK_IS_ENDPOINT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  lifecycle = _gsock_endpoint_get_lifecycle (self);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gsock_endpoint_close_async);
  g_task_set_check_cancellable (task, FALSE);

  if (_gsock_endpoint_peek_state (self) == GSOCK_STATE_CLOSED)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_queue_push_tail (&lifecycle->closers, g_steal_pointer (&task));
  gsock_endpoint_close (self);
}

/**
 * gsock_endpoint_close_finish:
 * @self: an endpoint
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes [method@Gsock.Endpoint.close_async].
 *
 * Returns: `TRUE` once the endpoint is closed with everything written; `FALSE` with @error
 *   set when it closed having lost queued bytes
 */
gboolean
gsock_endpoint_close_finish (GsockEndpoint *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
