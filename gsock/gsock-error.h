/* gsock-error.h: the GSOCK_ERROR domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GSOCK_INSIDE) && !defined(GSOCK_COMPILATION)
#error "Only <gsock/gsock.h> can be included directly."
#endif

#include <glib.h>

#include "gsock-version.h"

G_BEGIN_DECLS

/**
 * GSOCK_ERROR:
 *
 * The error domain of gsock's own errors; see [error@Gsock.Error].
 *
 * Conditions the operating system reports (refused, timed out, address in use, reset ...)
 * come in the `G_IO_ERROR` domain instead, exactly as GIO reports them.
 */
#define GSOCK_ERROR (gsock_error_quark ())

/**
 * GsockError:
 * @GSOCK_ERROR_FAILED: a failure with no more specific code
 * @GSOCK_ERROR_MESSAGE_TOO_LARGE: a message (sent or received) is larger than
 *   [property@Gsock.Endpoint:max-message-size] or than the framing can carry
 * @GSOCK_ERROR_UNKNOWN_ENCODING: [property@Gsock.Endpoint:encoding] names a character set
 *   the system cannot convert
 * @GSOCK_ERROR_INVALID_TEXT: bytes are not valid in the endpoint's encoding, or text cannot be
 *   represented in it
 * @GSOCK_ERROR_INVALID_FRAME: the peer sent bytes the framer cannot parse
 * @GSOCK_ERROR_TRUNCATED: the peer closed the connection in the middle of a message
 * @GSOCK_ERROR_NO_DESTINATION: a datagram was sent without a target address
 * @GSOCK_ERROR_NO_SUCH_PEER: no connected client (or DTLS session) has the given address, or a
 *   connected UDP endpoint was given a target other than its remote address
 * @GSOCK_ERROR_TOO_MANY_CLIENTS: the server already serves [property@Gsock.TcpServer:max-clients]
 *   clients, so a new connection was closed
 * @GSOCK_ERROR_INBOX_FULL: a message was dropped because nothing handled or received the
 *   messages before it (see [method@Gsock.Endpoint.receive_async])
 * @GSOCK_ERROR_QUEUE_FULL: a send was refused because the peer does not read fast enough:
 *   the write queue is at [property@Gsock.TcpClient:max-queued-bytes]
 * @GSOCK_ERROR_TLS_UNAVAILABLE: TLS was asked for, but no TLS backend is installed (on Debian,
 *   the glib-networking package provides one)
 * @GSOCK_ERROR_NOT_READING: the peer read none of what waited for it for
 *   [property@Gsock.TcpClient:drain-timeout] milliseconds, so the connection was closed
 * @GSOCK_ERROR_OUT_OF_DESCRIPTORS: the process (or the system) has no file descriptor left,
 *   so a server stops accepting connections for a while (see
 *   [property@Gsock.TcpServer:accept-pauses])
 * @GSOCK_ERROR_TLS_PROTOCOL_TOO_OLD: the TLS peer negotiated a protocol version older than
 *   [property@Gsock.TcpClient:tls-minimum-version] (or the server's
 *   [property@Gsock.TcpServer:tls-minimum-version]), so the connection was closed (since 1.2)
 *
 * The error codes of the [error@Gsock.Error] domain.
 */
typedef enum {
  GSOCK_ERROR_FAILED,
  GSOCK_ERROR_MESSAGE_TOO_LARGE,
  GSOCK_ERROR_UNKNOWN_ENCODING,
  GSOCK_ERROR_INVALID_TEXT,
  GSOCK_ERROR_INVALID_FRAME,
  GSOCK_ERROR_TRUNCATED,
  GSOCK_ERROR_NO_DESTINATION,
  GSOCK_ERROR_NO_SUCH_PEER,
  GSOCK_ERROR_TOO_MANY_CLIENTS,
  GSOCK_ERROR_INBOX_FULL,
  GSOCK_ERROR_QUEUE_FULL,
  GSOCK_ERROR_TLS_UNAVAILABLE,
  GSOCK_ERROR_NOT_READING,
  GSOCK_ERROR_OUT_OF_DESCRIPTORS,
  GSOCK_ERROR_TLS_PROTOCOL_TOO_OLD,
} GsockError;

GSOCK_AVAILABLE_IN_ALL
GQuark gsock_error_quark (void);

G_END_DECLS
