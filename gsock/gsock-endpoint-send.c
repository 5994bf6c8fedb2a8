/* gsock-endpoint-send.c: sending text and bytes from any thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-endpoint-send-private.h"

#include "gsock-encoding-private.h"
#include "gsock-endpoint-private.h"

/* gsock_endpoint_send_data() stays in gsock-endpoint.c: its send from one of the endpoint's
 * own dispatches is the message path, which reads the endpoint's limit, context and counters
 * where they are. */

/**
 * gsock_endpoint_send:
 * @self: an endpoint
 * @text: the text to send, in UTF-8
 * @target: (nullable): where to send it; required for [class@Gsock.UdpEndpoint], ignored by
 *   a [class@Gsock.TcpClient], a client's address or `NULL` (every client) for a
 *   [class@Gsock.TcpServer]
 *
 * Sends @text as one message, converted to [property@Gsock.Endpoint:encoding].
 *
 * Like a socket's `sendto (message, address)`, but it never blocks: what cannot be
 * written at once is queued and written from the main context.
 *
 * Returns: `TRUE` if the message was accepted; `FALSE` with @error set otherwise
 *   (`GSOCK_ERROR_UNKNOWN_ENCODING`, `GSOCK_ERROR_INVALID_TEXT`,
 *   `GSOCK_ERROR_MESSAGE_TOO_LARGE`, or those of [method@Gsock.Endpoint.send_bytes])
 */
gboolean
gsock_endpoint_send (GsockEndpoint  *self,
                     const char     *text,
                     GSocketAddress *target,
                     GError        **error)
{
  g_autoptr(GBytes) payload = NULL;

  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (target == NULL || G_IS_SOCKET_ADDRESS (target), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  payload = _gsock_encoding_encode (gsock_endpoint_get_encoding (self), text, error);
  if (payload == NULL)
    return FALSE;

  return gsock_endpoint_send_bytes (self, payload, target, error);
}

static gboolean
send_now (GsockEndpoint  *self,
          GBytes         *payload,
          GSocketAddress *target,
          GError        **error)
{
  if (!GSOCK_ENDPOINT_GET_CLASS (self)->send_bytes (self, payload, target, error))
    return FALSE;

  _gsock_endpoint_count_sent (self);
  return TRUE;
}

/* A send from another thread, on its way to the thread that owns the endpoint. */
typedef struct
{
  GsockEndpoint *self;
  GBytes *payload;
  GSocketAddress *target;
} SendData;

static void
send_data_free (SendData *data)
{
  g_object_unref (data->self);
  g_bytes_unref (data->payload);
  g_clear_object (&data->target);
  g_free (data);
}

static gboolean
send_in_owner_cb (gpointer user_data)
{
  SendData *data = user_data;
  GsockHandover *handover = _gsock_endpoint_get_handover (data->self);
  g_autoptr(GError) error = NULL;

  if (!send_now (data->self, data->payload, data->target, &error))
    _gsock_endpoint_report_error (data->self, error);
  g_atomic_int_add (&handover->pending, -1);
  return G_SOURCE_REMOVE;
}

gboolean
_gsock_send_checked (GsockEndpoint  *self,
                     GBytes         *payload,
                     GSocketAddress *target,
                     GError        **error)
{
  GsockHandover *handover = _gsock_endpoint_get_handover (self);
  GMainContext *context = _gsock_endpoint_get_context (self);
  gboolean ok;

  /* Whoever iterates the endpoint's context owns its sockets; from any other thread the send
   * is handed over to it. Nothing is sent at once while earlier sends are on their way, so
   * that one thread's sends arrive in the order it made them: the thread dispatching now
   * may have had some handed over too (made outside a dispatch while others' waited). */
  if (_gsock_endpoint_send_may_skip_handover (self))
    return send_now (self, payload, target, error);
  /* Outside the loop, only the thread that made the endpoint sends at once (the one that may
   * also close it there: another thread sending meanwhile would race with it). */
  if (g_atomic_int_get (&handover->pending) > 0 || !_gsock_endpoint_on_home_thread (self) ||
      !g_main_context_acquire (context))
    {
      SendData *data = g_new0 (SendData, 1);
      g_autoptr(GSource) source = NULL;

      g_atomic_int_inc (&handover->pending);
      data->self = g_object_ref (self);
      data->payload = g_bytes_ref (payload);
      data->target = target != NULL ? g_object_ref (target) : NULL;
      /* A source of its own, never g_main_context_invoke_full(): that runs the send here
       * when it can acquire the context, ahead of those still queued. */
      source = g_idle_source_new ();
      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, send_in_owner_cb, data, (GDestroyNotify) send_data_free);
      g_source_attach (source, context);
      return TRUE;
    }
  ok = send_now (self, payload, target, error);
  g_main_context_release (context);
  return ok;
}

/**
 * gsock_endpoint_send_bytes:
 * @self: an endpoint
 * @payload: the bytes of the message
 * @target: (nullable): where to send it, as for [method@Gsock.Endpoint.send]
 *
 * Sends @payload as one message, without any conversion.
 *
 * It may be called from any thread that holds a reference on @self. From a thread other than
 * the one running the endpoint's main context (or, while none runs it, the one that made the
 * endpoint), the message is handed over to the context, in order with the others sent the
 * same way, and sent when it runs; this returns `TRUE` once the size was checked, and an error
 * found there is reported through [signal@Gsock.Endpoint::error]. So is a message sent from
 * the context's own thread while messages handed over are still on their way, so that it
 * follows them: each thread's messages go out in the order it sent them. Every other call on
 * an endpoint belongs to the thread running its context, or, while none does, to the thread
 * that made it.
 *
 * Returns: `TRUE` if the message was accepted; `FALSE` with @error set otherwise:
 *   `GSOCK_ERROR_MESSAGE_TOO_LARGE` above [property@Gsock.Endpoint:max-message-size],
 *   `G_IO_ERROR_NOT_CONNECTED` before a connection is open, `G_IO_ERROR_CLOSED` once closing,
 *   `GSOCK_ERROR_NO_DESTINATION` for a datagram without @target,
 *   `GSOCK_ERROR_NO_SUCH_PEER` for a server @target that is not a client
 */
gboolean
gsock_endpoint_send_bytes (GsockEndpoint  *self,
                           GBytes         *payload,
                           GSocketAddress *target,
                           GError        **error)
{
  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), FALSE);
  g_return_val_if_fail (payload != NULL, FALSE);
  g_return_val_if_fail (target == NULL || G_IS_SOCKET_ADDRESS (target), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_gsock_endpoint_check_message_size (self, g_bytes_get_size (payload), error))
    return FALSE;
  return _gsock_send_checked (self, payload, target, error);
}
