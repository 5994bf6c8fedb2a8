/* gsock-connector-private.h: opening a client's connection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-endpoint.h"
#include "gsock-tls-private.h"

G_BEGIN_DECLS

/* Connects to @endpoint's address (or host and port, resolved asynchronously), over TLS with
 * @tls's certificate and authorities when @tls is not NULL, within @endpoint's timeout.
 * Either cancellable stops it (@cancellable: the caller's, @close_cancellable: the owner's
 * close). Fails with G_IO_ERROR_TIMED_OUT after the timeout, G_IO_ERROR_CANCELLED, GIO's
 * errors, a refused certificate explained (under TLS 1.3 too: a client asked for its
 * certificate waits briefly for the server's verdict on it), or
 * GSOCK_ERROR_TLS_PROTOCOL_TOO_OLD. @first_input is what that wait read of the connection
 * already (NULL if nothing), for the stream to take first. */
void               _gsock_connector_connect_async  (GsockEndpoint       *endpoint,
                                                    GsockTls            *tls,
                                                    GCancellable        *cancellable,
                                                    GCancellable        *close_cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
GSocketConnection *_gsock_connector_connect_finish (GAsyncResult        *result,
                                                    GBytes             **first_input,
                                                    GError             **error);

G_END_DECLS
