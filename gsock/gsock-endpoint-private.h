/* gsock-endpoint-private.h: what the endpoint subclasses share inside the library
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-endpoint.h"

G_BEGIN_DECLS

/* Default max-message-size for stream endpoints; GsockUdpEndpoint lowers it to
 * GSOCK_UDP_MAX_PAYLOAD in its init. */
#define GSOCK_STREAM_MAX_MESSAGE_SIZE (1024 * 1024)
#define GSOCK_UDP_MAX_PAYLOAD         65507
/* Default write queue limit of a connection. */
#define GSOCK_DEFAULT_MAX_QUEUED_BYTES (8 * 1024 * 1024)
/* Default flow-control marks of a connection: reading stops when this much waits to be
 * written, and goes on once it is down to the low mark. */
#define GSOCK_DEFAULT_HIGH_WATER_MARK (1024 * 1024)
#define GSOCK_DEFAULT_LOW_WATER_MARK  (256 * 1024)

GMainContext *_gsock_endpoint_get_context       (GsockEndpoint  *self);
/* The state and max-message-size without the getters' type checks, for the message path. */
GsockState    _gsock_endpoint_peek_state        (GsockEndpoint  *self);
gsize         _gsock_endpoint_peek_max_message_size (GsockEndpoint *self);
/* Whether it has been open: a receive then fails with CLOSED, not NOT_CONNECTED. */
gboolean      _gsock_endpoint_peek_was_open     (GsockEndpoint  *self);
/* How many times it moved to CLOSED: a close ends an open that was resolving. */
guint         _gsock_endpoint_peek_closes       (GsockEndpoint  *self);
void          _gsock_endpoint_set_state         (GsockEndpoint  *self,
                                                 GsockState      state);
/* Moves to CLOSED because of @reason (NULL: an orderly end), which the pending receives then
 * fail with (in its domain and code); _gsock_endpoint_set_state() fails them as closed. */
void          _gsock_endpoint_set_closed_by     (GsockEndpoint  *self,
                                                 const GError   *reason);
/* (transfer full) What the close ending with the next move to CLOSED lost: the close_async
 * calls waiting for it fail with it. */
void          _gsock_endpoint_set_close_error   (GsockEndpoint  *self,
                                                 GError         *error);
void          _gsock_endpoint_set_local_address (GsockEndpoint  *self,
                                                 GSocketAddress *address);
void          _gsock_endpoint_add_bytes_sent     (GsockEndpoint  *self,
                                                 gsize           bytes);
void          _gsock_endpoint_add_bytes_received (GsockEndpoint  *self,
                                                 gsize           bytes);
/* Counts the message and delivers it (see gsock-endpoint-delivery-private.h); TRUE when a
 * pending receive took it. */
gboolean      _gsock_endpoint_deliver           (GsockEndpoint    *self,
                                                 GsockMessageView *view,
                                                 gboolean          keep_unheard);
/* The message handler and the class's handle_message only (the message is not counted);
 * whether there was either. */
gboolean      _gsock_endpoint_handle            (GsockEndpoint    *self,
                                                 GsockMessageView *view);
/* Around one read, on the endpoint's context: holds the counters (see below) and looks up
 * once who listens to message-received. The @reader is the endpoint whose socket is read
 * (not the server that owns it): this thread's sends on it then go straight to its class's
 * send_data. Reads nest only through handlers' main loops, each on its own endpoint. */
void          _gsock_endpoint_read_begin        (GsockEndpoint    *self,
                                                 gboolean          reader);
void          _gsock_endpoint_read_end          (GsockEndpoint    *self,
                                                 gboolean          reader);
/* Whether a notification of one of its properties may be heard: FALSE only inside a read of
 * it that found no signal handler on it at all. */
gboolean      _gsock_endpoint_may_notify        (GsockEndpoint    *self);
void          _gsock_endpoint_count_message     (GsockEndpoint  *self);
void          _gsock_endpoint_count_sent        (GsockEndpoint  *self);
/* gsock_endpoint_send_data() without its argument checks: the message path's. */
gboolean      _gsock_endpoint_send_data         (GsockEndpoint  *self,
                                                 const guint8   *data,
                                                 gsize           size,
                                                 GSocketAddress *target,
                                                 GError        **error);
/* GSOCK_ERROR_MESSAGE_TOO_LARGE above max-message-size. */
gboolean      _gsock_endpoint_check_message_size (GsockEndpoint *self,
                                                  gsize          size,
                                                  GError       **error);
/* Whether a send from this thread goes to the endpoint's class at once: the thread is
 * dispatching one of the sources of the endpoint's context (and so may use its sockets), and
 * no send handed over to the context is still on its way (it would be overtaken). */
gboolean      _gsock_endpoint_send_may_skip_handover (GsockEndpoint *self);
/* While held, changes of the four counters (bytes and messages sent and received) are
 * notified once each, on the last release: one notification per read, not per message. */
void          _gsock_endpoint_hold_counters     (GsockEndpoint  *self);
void          _gsock_endpoint_release_counters  (GsockEndpoint  *self);
void          _gsock_endpoint_emit_message      (GsockEndpoint  *self,
                                                 GsockMessage   *message);
void          _gsock_endpoint_deliver_error     (GsockEndpoint  *self,
                                                 const GError   *error);
void          _gsock_endpoint_report_error      (GsockEndpoint  *self,
                                                 const GError   *error);
void          _gsock_endpoint_wait              (GsockEndpoint  *self,
                                                 GAsyncResult  **result);

/* gsock-endpoint-resolve.c: the address to open at, resolved first. */

/* Opens (binds, listens) at @addresses (a list of GSocketAddress, never empty: :address, the
 * host literal or every address the host name resolves to, each once), resolved already;
 * called in the CLOSED state, or in OPENING after an asynchronous resolution. On failure the
 * state is CLOSED or left OPENING (the caller then moves it to CLOSED). */
typedef gboolean (*GsockOpenAtFunc) (GsockEndpoint  *self,
                                     GList          *addresses,
                                     GError        **error);
/* open_async for the kinds whose open does not block once the address is known (binding and
 * listening): :address or a literal host is used at once; a name is resolved asynchronously
 * on the endpoint's context (OPENING meanwhile), honouring @cancellable, then @open_at is
 * called with it. */
void          _gsock_endpoint_open_with         (GsockEndpoint      *self,
                                                 GsockOpenAtFunc     open_at,
                                                 GCancellable       *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer            user_data);
/* The addresses to bind or listen on, as for GsockOpenAtFunc (transfer full), the host name
 * resolved with the blocking g_resolver_lookup_by_name(), for the blocking calls only. */
GList        *_gsock_endpoint_resolve           (GsockEndpoint  *self,
                                                 GError        **error);

void          _gsock_endpoint_inherit_settings  (GsockEndpoint  *self,
                                                 GsockEndpoint  *from);
void          _gsock_source_clear               (GSource       **source);
void          _gsock_store_result_cb            (GObject        *source,
                                                 GAsyncResult   *result,
                                                 gpointer        user_data);
GSocketProtocol _gsock_protocol_for             (GSocketAddress *address,
                                                 GSocketType     type);

G_END_DECLS
