/* gsock-endpoint.h: the abstract base of every gsock socket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GSOCK_INSIDE) && !defined(GSOCK_COMPILATION)
#error "Only <gsock/gsock.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gsock-version.h"

G_BEGIN_DECLS

/**
 * GsockState:
 * @GSOCK_STATE_CLOSED: not bound, listening or connected (the start and the end)
 * @GSOCK_STATE_OPENING: connecting or binding is under way
 * @GSOCK_STATE_OPEN: bound, listening or connected: messages flow
 * @GSOCK_STATE_CLOSING: closing: queued data is being flushed, nothing new is accepted
 *
 * The life cycle of an endpoint, as [property@Gsock.Endpoint:state].
 */
typedef enum {
  GSOCK_STATE_CLOSED,
  GSOCK_STATE_OPENING,
  GSOCK_STATE_OPEN,
  GSOCK_STATE_CLOSING,
} GsockState;

typedef struct _GsockMessage GsockMessage;
typedef struct _GsockMessageView GsockMessageView;

#define GSOCK_TYPE_ENDPOINT (gsock_endpoint_get_type ())

GSOCK_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (GsockEndpoint, gsock_endpoint, GSOCK, ENDPOINT, GObject)

/**
 * GsockMessageHandler:
 * @endpoint: the endpoint the handler was set on
 * @view: the message, valid only during the call
 * @user_data: the data given with the handler
 *
 * Called for every message that arrives on @endpoint (for a [class@Gsock.TcpServer], on any
 * of its connections), on the endpoint's main context, as soon as it is cut from what was
 * read: see [method@Gsock.Endpoint.set_message_handler].
 */
typedef void (*GsockMessageHandler) (GsockEndpoint    *endpoint,
                                     GsockMessageView *view,
                                     gpointer          user_data);

/**
 * GsockEndpointClass:
 * @parent_class: the parent class
 * @message_received: the class handler of [signal@Gsock.Endpoint::message-received]: called
 *   for every message once the signal's handlers have run (those connected with
 *   g_signal_connect_after() too); override it to handle every message in a subclass (a
 *   message is then never kept for a receive). The base's own does nothing, so an override
 *   may chain up to it
 * @send_bytes: queues one message of payload bytes for @target; every subclass implements it
 * @close: starts closing: flushes what is queued, then releases the socket and moves
 *   [property@Gsock.Endpoint:state] to `GSOCK_STATE_CLOSED`
 * @open_async: opens the endpoint the way its kind does: binds, listens or connects
 * @open_finish: finishes @open_async
 * @abort: closes at once, dropping whatever is queued; when unset, @close is used
 * @send_data: sends the @size bytes at @data as one message for @target, for
 *   [method@Gsock.Endpoint.send_data] when it is called from one of the endpoint's own
 *   dispatches (a handler's answer, most often), after the size check; @data is valid only
 *   during the call. It returns `TRUE` if the message was accepted, which then counts in
 *   [property@Gsock.Endpoint:messages-sent], or `FALSE` with @error set. The base's default
 *   copies the bytes into a [struct@GLib.Bytes] and sends them with @send_bytes; subclasses
 *   send them without that copy where they can, and chain up otherwise. Called from anywhere
 *   else, [method@Gsock.Endpoint.send_data] does what the default does without calling it
 * @handle_message: the fast way for a subclass to hear every message: called with a view of
 *   each message as it is cut, before [signal@Gsock.Endpoint::message-received] (which is
 *   then emitted only if something is connected to it), on the endpoint's main context; the
 *   view is valid only during the call (see [struct@Gsock.MessageView]). A message it hears
 *   is never kept for a receive. Unset in the base
 *
 * The virtual methods of [class@Gsock.Endpoint].
 */
struct _GsockEndpointClass
{
  GObjectClass parent_class;

  void     (*message_received) (GsockEndpoint  *self,
                                GsockMessage   *message);
  gboolean (*send_bytes)       (GsockEndpoint  *self,
                                GBytes         *payload,
                                GSocketAddress *target,
                                GError        **error);
  void     (*close)            (GsockEndpoint  *self);
  void     (*open_async)       (GsockEndpoint      *self,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data);
  gboolean (*open_finish)      (GsockEndpoint  *self,
                                GAsyncResult   *result,
                                GError        **error);
  void     (*abort)            (GsockEndpoint  *self);
  gboolean (*send_data)        (GsockEndpoint  *self,
                                const guint8   *data,
                                gsize           size,
                                GSocketAddress *target,
                                GError        **error);
  void     (*handle_message)   (GsockEndpoint    *self,
                                GsockMessageView *view);

  /*< private >*/
  gpointer padding[6];
};

GSOCK_AVAILABLE_IN_ALL
const char     *gsock_endpoint_get_host             (GsockEndpoint *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_endpoint_set_host             (GsockEndpoint *self,
                                                     const char    *host);
GSOCK_AVAILABLE_IN_ALL
guint16         gsock_endpoint_get_port             (GsockEndpoint *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_endpoint_set_port             (GsockEndpoint *self,
                                                     guint16        port);
GSOCK_AVAILABLE_IN_ALL
const char     *gsock_endpoint_get_encoding         (GsockEndpoint *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_endpoint_set_encoding         (GsockEndpoint *self,
                                                     const char    *encoding);
GSOCK_AVAILABLE_IN_ALL
gsize           gsock_endpoint_get_max_message_size (GsockEndpoint *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_endpoint_set_max_message_size (GsockEndpoint *self,
                                                     gsize          max_message_size);
GSOCK_AVAILABLE_IN_ALL
guint           gsock_endpoint_get_timeout          (GsockEndpoint *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_endpoint_set_timeout          (GsockEndpoint *self,
                                                     guint          timeout_ms);
GSOCK_AVAILABLE_IN_1_2
guint           gsock_endpoint_get_connect_timeout  (GsockEndpoint *self);
GSOCK_AVAILABLE_IN_1_2
void            gsock_endpoint_set_connect_timeout  (GsockEndpoint *self,
                                                     guint          timeout_ms);
GSOCK_AVAILABLE_IN_1_2
guint           gsock_endpoint_get_receive_timeout  (GsockEndpoint *self);
GSOCK_AVAILABLE_IN_1_2
void            gsock_endpoint_set_receive_timeout  (GsockEndpoint *self,
                                                     guint          timeout_ms);
GSOCK_AVAILABLE_IN_ALL
GSocketAddress *gsock_endpoint_get_address          (GsockEndpoint  *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_endpoint_set_address          (GsockEndpoint  *self,
                                                     GSocketAddress *address);
GSOCK_AVAILABLE_IN_ALL
GSocketAddress *gsock_endpoint_get_local_address    (GsockEndpoint *self);
GSOCK_AVAILABLE_IN_1_2
guint16         gsock_endpoint_get_local_port       (GsockEndpoint *self);
GSOCK_AVAILABLE_IN_ALL
GsockState      gsock_endpoint_get_state            (GsockEndpoint *self);
GSOCK_AVAILABLE_IN_ALL
guint64         gsock_endpoint_get_bytes_sent       (GsockEndpoint *self);
GSOCK_AVAILABLE_IN_ALL
guint64         gsock_endpoint_get_bytes_received   (GsockEndpoint *self);
GSOCK_AVAILABLE_IN_ALL
guint64         gsock_endpoint_get_messages_sent    (GsockEndpoint *self);
GSOCK_AVAILABLE_IN_ALL
guint64         gsock_endpoint_get_messages_received (GsockEndpoint *self);

GSOCK_AVAILABLE_IN_ALL
gboolean        gsock_endpoint_get_active           (GsockEndpoint *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_endpoint_set_active           (GsockEndpoint *self,
                                                     gboolean       active);
GSOCK_AVAILABLE_IN_ALL
const GError   *gsock_endpoint_get_last_error       (GsockEndpoint *self);

GSOCK_AVAILABLE_IN_ALL
void            gsock_endpoint_open_async           (GsockEndpoint      *self,
                                                     GCancellable       *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer            user_data);
GSOCK_AVAILABLE_IN_ALL
gboolean        gsock_endpoint_open_finish          (GsockEndpoint *self,
                                                     GAsyncResult  *result,
                                                     GError       **error);

GSOCK_AVAILABLE_IN_ALL
gboolean        gsock_endpoint_send                 (GsockEndpoint  *self,
                                                     const char     *text,
                                                     GSocketAddress *target,
                                                     GError        **error);
GSOCK_AVAILABLE_IN_ALL
gboolean        gsock_endpoint_send_bytes           (GsockEndpoint  *self,
                                                     GBytes         *payload,
                                                     GSocketAddress *target,
                                                     GError        **error);
GSOCK_AVAILABLE_IN_ALL
gboolean        gsock_endpoint_send_data            (GsockEndpoint  *self,
                                                     const guint8   *data,
                                                     gsize           size,
                                                     GSocketAddress *target,
                                                     GError        **error);

GSOCK_AVAILABLE_IN_ALL
void            gsock_endpoint_set_message_handler  (GsockEndpoint      *self,
                                                     GsockMessageHandler handler,
                                                     gpointer            user_data,
                                                     GDestroyNotify      destroy);

GSOCK_AVAILABLE_IN_ALL
void            gsock_endpoint_receive_async        (GsockEndpoint      *self,
                                                     GCancellable       *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer            user_data);
GSOCK_AVAILABLE_IN_ALL
GsockMessage   *gsock_endpoint_receive_finish       (GsockEndpoint  *self,
                                                     GAsyncResult   *result,
                                                     GError        **error);
GSOCK_AVAILABLE_IN_ALL
GsockMessage   *gsock_endpoint_receive_message      (GsockEndpoint  *self,
                                                     GCancellable   *cancellable,
                                                     GError        **error);
GSOCK_AVAILABLE_IN_ALL
char           *gsock_endpoint_receive              (GsockEndpoint   *self,
                                                     GSocketAddress **sender,
                                                     GCancellable    *cancellable,
                                                     GError         **error);

GSOCK_AVAILABLE_IN_ALL
void            gsock_endpoint_close                (GsockEndpoint *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_endpoint_abort                (GsockEndpoint *self);
GSOCK_AVAILABLE_IN_ALL
void            gsock_endpoint_close_async          (GsockEndpoint      *self,
                                                     GCancellable       *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer            user_data);
GSOCK_AVAILABLE_IN_ALL
gboolean        gsock_endpoint_close_finish         (GsockEndpoint *self,
                                                     GAsyncResult  *result,
                                                     GError       **error);

G_END_DECLS
