/* gsock-endpoint-delivery.c: where an endpoint's received messages go, and the receive calls
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-endpoint-delivery-private.h"

#include "gsock-endpoint-private.h"
#include "gsock-error.h"
#include "gsock-message-private.h"

#define INBOX_MAX_MESSAGES 4096
#define INBOX_MIN_BYTES    (4 * 1024 * 1024)

static guint message_received_signal;

/* A message waiting in the inbox. It does not hold the endpoint it is kept in (that would
 * be a reference cycle); the message is made again when a receive takes it. */
typedef struct
{
  GBytes *bytes;
  GSocketAddress *sender;
  GsockEndpoint *endpoint; /* NULL: the endpoint whose inbox this is */
} InboxEntry;

static InboxEntry *
inbox_entry_new (GsockEndpoint    *self,
                 GsockMessageView *view)
{
  InboxEntry *entry = g_new0 (InboxEntry, 1);

  entry->bytes = view->bytes != NULL ? g_bytes_ref (view->bytes)
                                     : g_bytes_new (view->data, view->size);
  entry->sender = view->sender != NULL ? g_object_ref (view->sender) : NULL;
  entry->endpoint = view->endpoint != self ? g_object_ref (view->endpoint) : NULL;
  return entry;
}

static void
inbox_entry_free (InboxEntry *entry)
{
  g_bytes_unref (entry->bytes);
  g_clear_object (&entry->sender);
  g_clear_object (&entry->endpoint);
  g_free (entry);
}

/* A pending receive: the task and the sources that end it early. */
typedef struct
{
  GsockDelivery *delivery; /* of the task's source object, which the task holds */
  GSource *timeout_source;
  GSource *cancel_source;
} ReceiveData;

static void
receive_data_free (ReceiveData *data)
{
  _gsock_source_clear (&data->timeout_source);
  _gsock_source_clear (&data->cancel_source);
  g_free (data);
}

/* Takes @task (or, when NULL, the oldest pending receive) off the queue and stops the sources
 * that could end it early; the caller returns it. */
static GTask *
pop_receiver (GsockDelivery *self,
              GTask         *task)
{
  ReceiveData *data;

  if (task == NULL)
    task = g_queue_pop_head (&self->receivers);
  else
    g_queue_remove (&self->receivers, task);
  if (task == NULL)
    return NULL;

  data = g_task_get_task_data (task);
  _gsock_source_clear (&data->timeout_source);
  _gsock_source_clear (&data->cancel_source);
  return task;
}

static void
fail_receiver (GsockDelivery *self,
               GTask         *task,
               GError        *error)
{
  pop_receiver (self, task);
  g_task_return_error (task, error);
  g_object_unref (task);
}

void
_gsock_delivery_fail_all (GsockDelivery *self,
                          const GError  *error)
{
  GTask *task;

  while ((task = pop_receiver (self, NULL)) != NULL)
    {
      g_task_return_error (task, g_error_copy (error));
      g_object_unref (task);
    }
}

/* The base's message_received: it does nothing, so a subclass can chain up to it. Messages
 * nothing hears wait in the inbox (_gsock_endpoint_deliver() decides that), not here. */
static void
gsock_endpoint_real_message_received (GsockEndpoint *self,
                                      GsockMessage  *message)
{
}

/* Both marshallers of message-received mark the message heard: they run for every C handler
 * (a closure of a binding has its own), which saves looking handlers up after each message
 * to learn whether one was disconnected meanwhile (see _gsock_delivery_deliver()). */
static void
marshal_message_received (GClosure     *closure,
                          GValue       *return_value,
                          guint         n_param_values,
                          const GValue *param_values,
                          gpointer      invocation_hint,
                          gpointer      marshal_data)
{
  GsockMessage *message = g_value_get_boxed (&param_values[1]);

  if (message != NULL)
    _gsock_message_set_heard (message, TRUE);
  g_cclosure_marshal_VOID__BOXED (closure, return_value, n_param_values, param_values,
                                  invocation_hint, marshal_data);
}

/* g_cclosure_marshal_VOID__BOXEDv for message-received, without its g_boxed_copy() and
 * g_boxed_free() around the call (a type lookup and a ref each, once per message): whoever
 * emits the signal holds a reference on the message until the emission returns (every
 * emitter in gsock does, as any caller of g_signal_emit() must for an argument), so the
 * handler's message stays valid; one that keeps it takes its own reference. */
static void
marshal_message_received_v (GClosure *closure,
                            GValue   *return_value,
                            gpointer  instance,
                            va_list   args,
                            gpointer  marshal_data,
                            int       n_params,
                            GType    *param_types)
{
  void (*callback) (gpointer self, GsockMessage *message, gpointer user_data);
  gpointer self = instance, user_data = closure->data;
  GsockMessage *message;
  va_list args_copy;

  G_VA_COPY (args_copy, args);
  message = va_arg (args_copy, GsockMessage *);
  va_end (args_copy);

  if (G_CCLOSURE_SWAP_DATA (closure))
    {
      self = closure->data;
      user_data = instance;
    }
  callback = marshal_data != NULL ? marshal_data : ((GCClosure *) closure)->callback;

  if (message != NULL)
    _gsock_message_set_heard (message, TRUE);
  callback (self, message, user_data);
}

void
_gsock_delivery_class_init (GsockEndpointClass *klass)
{
  klass->message_received = gsock_endpoint_real_message_received;

  /**
   * GsockEndpoint::message-received:
   * @self: the endpoint
   * @message: the message
   *
   * Emitted on the endpoint's main context for every message that arrives and that no
   * pending [method@Gsock.Endpoint.receive_async] takes, after the endpoint's
   * [method@Gsock.Endpoint.set_message_handler] handler (if any) has seen it. Whether
   * anything is connected is looked up once per read: a handler connected while a read is
   * handled hears from the next read on.
   *
   * For a [class@Gsock.TcpServer], it fires for the messages of every client, and
   * [method@Gsock.Message.get_endpoint] is that client's connection.
   */
  /* No class closure: the class's message_received is called after the emission
   * (_gsock_endpoint_emit_message()). GLib emits a signal with one handler without boxing its arguments in
   * GValues only while no class closure applies, and a class closure always applies once the
   * base has a handler of its own (which it must, for a subclass to chain up to): that would
   * cost more than the rest of the message path. */
  message_received_signal =
    g_signal_new ("message-received",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  marshal_message_received,
                  G_TYPE_NONE, 1, GSOCK_TYPE_MESSAGE);
  g_signal_set_va_marshaller (message_received_signal, G_TYPE_FROM_CLASS (klass),
                              marshal_message_received_v);
}

void
_gsock_delivery_init (GsockDelivery *self)
{
  g_queue_init (&self->receivers);
  g_queue_init (&self->inbox);
}

void
_gsock_delivery_drop_inbox (GsockDelivery *self)
{
  g_queue_clear_full (&self->inbox, (GDestroyNotify) inbox_entry_free);
  self->inbox_bytes = 0;
}

static gboolean
has_handler (GsockEndpoint *self)
{
  return g_signal_has_handler_pending (self, message_received_signal, 0, FALSE);
}

/* Keeps an unheard message for a later receive, within the inbox's bounds. */
static void
keep_in_inbox (GsockDelivery    *self,
               GsockEndpoint    *owner,
               GsockMessageView *view)
{
  gsize max_bytes = MAX (INBOX_MIN_BYTES, 2 * _gsock_endpoint_peek_max_message_size (owner));

  g_queue_push_tail (&self->inbox, inbox_entry_new (owner, view));
  self->inbox_bytes += view->size;

  while (self->inbox.length > INBOX_MAX_MESSAGES || self->inbox_bytes > max_bytes)
    {
      InboxEntry *dropped = g_queue_pop_head (&self->inbox);
      gsize size = g_bytes_get_size (dropped->bytes);
      g_autoptr(GError) error = NULL;

      inbox_entry_free (dropped);
      self->inbox_bytes -= size;
      g_set_error (&error, GSOCK_ERROR, GSOCK_ERROR_INBOX_FULL,
                   "A message of %" G_GSIZE_FORMAT " bytes was dropped: nothing handled or "
                   "received the %u messages before it",
                   size, self->inbox.length);
      _gsock_endpoint_report_error (owner, error);
    }
}

/* Whether message-received is heard: a subclass's message_received, or a handler. */
static gboolean
look_up_signal (GsockEndpoint *owner)
{
  return GSOCK_ENDPOINT_GET_CLASS (owner)->message_received != gsock_endpoint_real_message_received ||
         has_handler (owner);
}

void
_gsock_delivery_begin_read (GsockDelivery *self,
                            GsockEndpoint *owner,
                            gboolean       may_have_handlers)
{
  self->reads++;
  self->signal_heard =
    GSOCK_ENDPOINT_GET_CLASS (owner)->message_received != gsock_endpoint_real_message_received ||
    (may_have_handlers && has_handler (owner));
  self->quiet = !self->signal_heard && GSOCK_ENDPOINT_GET_CLASS (owner)->handle_message == NULL;
}

void
_gsock_delivery_end_read (GsockDelivery *self)
{
  g_assert (self->reads > 0);
  self->reads--;
}

gboolean
_gsock_delivery_handle (GsockDelivery    *self,
                        GsockEndpoint    *owner,
                        GsockMessageView *view)
{
  void (*handle_message) (GsockEndpoint *, GsockMessageView *) =
    GSOCK_ENDPOINT_GET_CLASS (owner)->handle_message;
  gboolean handled = FALSE;

  if (self->handler != NULL)
    {
      self->handler (owner, view, self->handler_data);
      handled = TRUE;
    }
  if (handle_message != NULL)
    {
      handle_message (owner, view);
      handled = TRUE;
    }
  return handled;
}

/* Emits message-received for the view's message if anything listens; whether anything heard
 * it. Looking handlers up costs more than the rest of the emission, so while a C handler
 * hears the messages (its marshaller says so), the next is emitted without; one that it did
 * not hear (it was disconnected) is looked up afterwards. Only a binding's closures (their
 * marshallers are their own) are looked up before each message. */
static gboolean
emit_heard (GsockDelivery    *self,
            GsockEndpoint    *owner,
            GsockMessageView *view)
{
  gboolean checked = !self->c_handler_hears;
  GsockMessage *message;

  if (checked && !look_up_signal (owner))
    return FALSE;
  message = _gsock_message_view_get_message (view);
  _gsock_message_set_heard (message, FALSE);
  _gsock_endpoint_emit_message (owner, message);
  self->c_handler_hears = _gsock_message_get_heard (message);
  return checked || self->c_handler_hears || look_up_signal (owner);
}

/* Hands @view's message to the oldest pending receive (and returns TRUE), or else to the
 * message handlers and message-received, or else keeps it in the inbox when @keep_unheard. */
gboolean
_gsock_delivery_deliver (GsockDelivery    *self,
                         GsockEndpoint    *owner,
                         GsockMessageView *view,
                         gboolean          keep_unheard)
{
  gboolean heard;

  /* Looked at before anything is called: most messages find no receive pending. */
  if (self->receivers.length > 0)
    {
      GTask *task = pop_receiver (self, NULL);

      g_task_return_pointer (task, gsock_message_view_keep (view),
                             (GDestroyNotify) gsock_message_unref);
      g_object_unref (task);
      return TRUE;
    }

  heard = _gsock_delivery_handle (self, owner, view);
  if (self->reads > 0 ? self->signal_heard : look_up_signal (owner))
    heard = emit_heard (self, owner, view) || heard;
  if (!heard && keep_unheard)
    keep_in_inbox (self, owner, view);
  return FALSE;
}

/* Emits message-received, then calls the class's message_received when a subclass set one
 * (as a RUN_LAST class closure would run, but after the handlers connected with
 * g_signal_connect_after() too); from whatever thread calls it (a server's handler threads). */
void
_gsock_endpoint_emit_message (GsockEndpoint *self,
                              GsockMessage  *message)
{
  GsockEndpointClass *klass = GSOCK_ENDPOINT_GET_CLASS (self);

  g_signal_emit (self, message_received_signal, 0, message);
  if (klass->message_received != gsock_endpoint_real_message_received)
    klass->message_received (self, message);
}

void
_gsock_endpoint_deliver_error (GsockEndpoint *self,
                               const GError  *error)
{
  GTask *task;

  task = pop_receiver (_gsock_endpoint_get_delivery (self), NULL);
  if (task != NULL)
    {
      g_task_return_error (task, g_error_copy (error));
      g_object_unref (task);
      return;
    }

  _gsock_endpoint_report_error (self, error);
}

void
_gsock_delivery_clear_handler (GsockDelivery *self)
{
  GDestroyNotify destroy = self->handler_destroy;
  gpointer data = self->handler_data;

  self->handler = NULL;
  self->handler_data = NULL;
  self->handler_destroy = NULL;
  if (destroy != NULL)
    destroy (data);
}

/**
 * gsock_endpoint_set_message_handler:
 * @self: an endpoint
 * @handler: (nullable) (scope notified) (closure user_data) (destroy destroy): called for
 *   every message, or `NULL` to remove the handler
 * @user_data: data for @handler
 * @destroy: (nullable): frees @user_data when the handler is replaced or the endpoint goes
 *
 * Has @handler called for every message that arrives on @self (for a
 * [class@Gsock.TcpServer], on any of its connections), with a [struct@Gsock.MessageView] of
 * it: the fast way to receive in C, with no [struct@Gsock.Message] made and no signal emitted
 * for a message that is answered or dropped at once. One handler at a time; setting one
 * replaces the last.
 *
 * The handler runs on the endpoint's main context, in the read the message came in, before
 * the handlers of [signal@Gsock.Endpoint::message-received] (which is still emitted if
 * anything is connected to it, with the same messages in the same order), and whatever
 * [property@Gsock.TcpServer:handler-threads] says (those threads run the signal's handlers).
 * A pending [method@Gsock.Endpoint.receive_async] takes a message first; a message the handler
 * hears is never kept for a receive.
 *
 * Use it where speed matters and every message is handled where it arrives (a server's
 * answers, a parser that copies what it keeps); use the signal where the message is kept,
 * handed on or handled from a binding.
 */
void
gsock_endpoint_set_message_handler (GsockEndpoint      *self,
                                    GsockMessageHandler handler,
                                    gpointer            user_data,
                                    GDestroyNotify      destroy)
{
  GsockDelivery *delivery;

  g_return_if_fail (GSOCK_IS_ENDPOINT (self));

  delivery = _gsock_endpoint_get_delivery (self);
  _gsock_delivery_clear_handler (delivery);
  delivery->handler = handler;
  delivery->handler_data = user_data;
  delivery->handler_destroy = destroy;
}

static gboolean
receive_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  ReceiveData *data = g_task_get_task_data (task);

  fail_receiver (data->delivery, task,
                 g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                      "No message arrived in time"));
  return G_SOURCE_REMOVE;
}

static gboolean
receive_cancelled_cb (GCancellable *cancellable,
                      gpointer      user_data)
{
  GTask *task = user_data;
  ReceiveData *data = g_task_get_task_data (task);
  GError *error = NULL;

  g_cancellable_set_error_if_cancelled (cancellable, &error);
  fail_receiver (data->delivery, task, error);
  return G_SOURCE_REMOVE;
}

/**
 * gsock_endpoint_receive_async:
 * @self: an endpoint
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called with the next message
 * @user_data: data for @callback
 *
 * Takes the next message that arrives on @self, instead of
 * [signal@Gsock.Endpoint::message-received] being emitted for it.
 *
 * Messages that arrive while nothing handles them (no receive pending, no handler connected
 * to [signal@Gsock.Endpoint::message-received], no override of its class handler) wait in
 * the endpoint's inbox for the next receive, as datagrams wait in a socket's buffer, even after
 * the connection has closed. The inbox holds at most 4096 messages and 4 MiB (or two
 * messages of [property@Gsock.Endpoint:max-message-size], if more); past that the oldest
 * message is dropped and reported as `GSOCK_ERROR_INBOX_FULL` through
 * [signal@Gsock.Endpoint::error].
 *
 * Pending receives are served oldest first. The receive fails with `G_IO_ERROR_TIMED_OUT`
 * after [property@Gsock.Endpoint:receive-timeout] milliseconds (when not 0), with
 * `G_IO_ERROR_CANCELLED` when @cancellable is cancelled, with `G_IO_ERROR_CLOSED` when the
 * endpoint closes or is closed (`G_IO_ERROR_NOT_CONNECTED` if it was never open), with the
 * reason a connection ended while it waited, in that reason's domain and code (the
 * [signal@Gsock.TcpClient::disconnected] reason: a reset, a TLS failure, an idle timeout
 * ...), and with the error of a message that could not be received (an oversize datagram,
 * say).
 */
void
gsock_endpoint_receive_async (GsockEndpoint      *self,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  GsockDelivery *delivery;
  GsockState state;
  ReceiveData *data;
  guint timeout;

  g_return_if_fail (GSOCK_IS_ENDPOINT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  delivery = _gsock_endpoint_get_delivery (self);
  state = _gsock_endpoint_peek_state (self);
  timeout = gsock_endpoint_get_receive_timeout (self);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gsock_endpoint_receive_async);

  if (!g_queue_is_empty (&delivery->inbox))
    {
      InboxEntry *entry = g_queue_pop_head (&delivery->inbox);

      delivery->inbox_bytes -= g_bytes_get_size (entry->bytes);
      g_task_return_pointer (task,
                             gsock_message_new (entry->endpoint != NULL ? entry->endpoint : self,
                                                entry->bytes, entry->sender),
                             (GDestroyNotify) gsock_message_unref);
      inbox_entry_free (entry);
      return;
    }
  if (state != GSOCK_STATE_OPEN && state != GSOCK_STATE_OPENING)
    {
      if (_gsock_endpoint_peek_was_open (self))
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "The endpoint is closed");
      else
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                                 "The endpoint is not open");
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  data = g_new0 (ReceiveData, 1);
  data->delivery = delivery;
  g_task_set_task_data (task, data, (GDestroyNotify) receive_data_free);

  if (timeout > 0)
    {
      data->timeout_source = g_timeout_source_new (timeout);
      g_source_set_callback (data->timeout_source, receive_timeout_cb, task, NULL);
      g_source_attach (data->timeout_source, _gsock_endpoint_get_context (self));
    }
  if (cancellable != NULL)
    {
      data->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (data->cancel_source, G_SOURCE_FUNC (receive_cancelled_cb), task,
                             NULL);
      g_source_attach (data->cancel_source, _gsock_endpoint_get_context (self));
    }

  g_queue_push_tail (&delivery->receivers, g_steal_pointer (&task));
}

/**
 * gsock_endpoint_receive_finish:
 * @self: an endpoint
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes [method@Gsock.Endpoint.receive_async].
 *
 * Returns: (transfer full): the message, or `NULL` with @error set
 */
GsockMessage *
gsock_endpoint_receive_finish (GsockEndpoint *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gsock_endpoint_receive_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * gsock_endpoint_receive_message:
 * @self: an endpoint
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Waits for the next message on @self, running the endpoint's main context meanwhile (so
 * call it from the thread that owns that context).
 *
 * It fails as [method@Gsock.Endpoint.receive_async] does, `G_IO_ERROR_TIMED_OUT` after
 * [property@Gsock.Endpoint:receive-timeout] among others.
 *
 * Returns: (transfer full): the message, or `NULL` with @error set
 */
GsockMessage *
gsock_endpoint_receive_message (GsockEndpoint *self,
                                GCancellable  *cancellable,
                                GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GMainContext *context;

  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  context = _gsock_endpoint_get_context (self);
  g_main_context_push_thread_default (context);
  gsock_endpoint_receive_async (self, cancellable, _gsock_store_result_cb, &result);
  _gsock_endpoint_wait (self, &result);
  g_main_context_pop_thread_default (context);

  return gsock_endpoint_receive_finish (self, result, error);
}

/**
 * gsock_endpoint_receive:
 * @self: an endpoint
 * @sender: (out) (optional) (transfer full) (nullable): the sender's address, `NULL` for a
 *   peer that has none (an unbound Unix socket)
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Waits for the next message and returns its text, decoded from
 * [property@Gsock.Endpoint:encoding]: a blocking socket's `receive`, as a message.
 *
 * It fails as [method@Gsock.Endpoint.receive_message] does, and with
 * `GSOCK_ERROR_INVALID_TEXT` when the message is not valid text (use
 * [method@Gsock.Endpoint.receive_message] to keep its bytes then).
 *
 * Returns: (transfer full): the text, or `NULL` with @error set
 */
char *
gsock_endpoint_receive (GsockEndpoint   *self,
                        GSocketAddress **sender,
                        GCancellable    *cancellable,
                        GError         **error)
{
  g_autoptr(GsockMessage) message = NULL;
  const char *text;

  g_return_val_if_fail (GSOCK_IS_ENDPOINT (self), NULL);

  message = gsock_endpoint_receive_message (self, cancellable, error);
  if (message == NULL)
    return NULL;

  text = gsock_message_get_text (message, error);
  if (text == NULL)
    return NULL;

  if (sender != NULL)
    {
      GSocketAddress *from = gsock_message_get_sender (message);

      /* NULL for a peer without an address (an unbound Unix socket). */
      *sender = from != NULL ? g_object_ref (from) : NULL;
    }
  return g_strdup (text);
}

