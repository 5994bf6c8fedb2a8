/* gsock-framer.h: cuts byte streams into messages
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

#define GSOCK_TYPE_FRAMER (gsock_framer_get_type ())

GSOCK_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (GsockFramer, gsock_framer, GSOCK, FRAMER, GObject)

/**
 * GsockFramerClass:
 * @parent_class: the parent class
 * @encode: turns one payload into the bytes that go on the wire
 * @decode: cuts the first complete message out of buffered input, given as a pointer and a
 *   length; the base's own calls @decode_bytes
 * @decode_bytes: the same, with the input in a [struct@GLib.Bytes] and a result that says
 *   whether it failed: the one to implement in Python and JavaScript (since 1.2)
 *
 * The virtual methods of [class@Gsock.Framer]; see [method@Gsock.Framer.encode],
 * [method@Gsock.Framer.decode] and [method@Gsock.Framer.decode_bytes] for their contracts.
 * A framer implements @encode and one of @decode and @decode_bytes.
 */
struct _GsockFramerClass
{
  GObjectClass parent_class;

  GBytes *(*encode) (GsockFramer  *self,
                     GBytes       *payload,
                     gsize         max_size,
                     GError      **error);
  GBytes *(*decode) (GsockFramer  *self,
                     const guint8 *data,
                     gsize         len,
                     gsize         max_size,
                     gsize        *consumed,
                     GError      **error);
  gboolean (*decode_bytes) (GsockFramer  *self,
                            GBytes       *input,
                            gsize         max_size,
                            GBytes      **message,
                            gsize        *consumed,
                            GError      **error);

  /*< private >*/
  gpointer padding[7];
};

GSOCK_AVAILABLE_IN_ALL
GBytes *gsock_framer_encode (GsockFramer  *self,
                             GBytes       *payload,
                             gsize         max_size,
                             GError      **error);
GSOCK_AVAILABLE_IN_ALL
GBytes *gsock_framer_decode (GsockFramer  *self,
                             const guint8 *data,
                             gsize         len,
                             gsize         max_size,
                             gsize        *consumed,
                             GError      **error);
GSOCK_AVAILABLE_IN_1_2
gboolean gsock_framer_decode_bytes (GsockFramer  *self,
                                    GBytes       *input,
                                    gsize         max_size,
                                    GBytes      **message,
                                    gsize        *consumed,
                                    GError      **error);

G_END_DECLS
