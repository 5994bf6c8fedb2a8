/* gsock-activation.h: sockets a service manager passed to the process
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

GSOCK_AVAILABLE_IN_1_2
GPtrArray *gsock_activation_take_sockets (GError **error);

G_END_DECLS
