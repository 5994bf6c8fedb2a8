/* gsock-framer-private.h: encoding straight into a connection's output
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-framer.h"
#include "gsock-length-framer.h"
#include "gsock-line-framer.h"
#include "gsock-raw-framer.h"

G_BEGIN_DECLS

/* Appends the frame of the @len bytes at @data to @out, or sets @error and leaves @out as it
 * was: what gsock_framer_encode() does, without a GBytes per message. The built-in framers
 * write into @out directly; any other framer's encode() is called with @payload (the GBytes
 * @data belongs to, or NULL to have one made) and its result appended. */
gboolean _gsock_framer_append        (GsockFramer       *self,
                                      const guint8      *data,
                                      gsize              len,
                                      GBytes            *payload,
                                      gsize              max_size,
                                      GByteArray        *out,
                                      GError           **error);

/* Where a message lies in a framer's input: what _gsock_framer_cut() found. */
typedef struct
{
  const guint8 *payload;  /* the message's bytes, in the input or in @bytes */
  gsize size;
  gsize consumed;         /* the input the frame took, delimiter or prefix included */
  GBytes *bytes;          /* (owned) a custom framer's own result; NULL from a built-in one */
} GsockFrame;

/* Finds the first message in @data as gsock_framer_decode() does, without a GBytes for the
 * built-in framers: TRUE with @frame filled in; FALSE with frame->consumed bytes skipped (0
 * when more input is needed), or with @error set. */
gboolean _gsock_framer_cut           (GsockFramer       *self,
                                      const guint8      *data,
                                      gsize              len,
                                      gsize              max_size,
                                      GsockFrame        *frame,
                                      GError           **error);

/* The line and length framers' encode(): their append, into a GBytes of its own. */
GBytes  *_gsock_framer_encode_builtin (GsockFramer      *self,
                                       GBytes           *payload,
                                       gsize             max_size,
                                       GError          **error);

/* The built-in framers' decode(): their find, and the message copied into a GBytes. */
GBytes  *_gsock_framer_decode_builtin (GsockFramer      *self,
                                       const guint8     *data,
                                       gsize             len,
                                       gsize             max_size,
                                       gsize            *consumed,
                                       GError          **error);

/* Whether @len more bytes fit in @out (a GByteArray counts in guint); else sets @error
 * (GSOCK_ERROR_MESSAGE_TOO_LARGE). */
gboolean _gsock_framer_check_room    (GByteArray        *out,
                                      gsize              len,
                                      GError           **error);

/* One line framer with the default delimiter for the whole process (transfer none): what a
 * client or server starts with before it is given one. Framers are immutable, so sharing it
 * saves making one per accepted connection. */
GsockFramer *_gsock_line_framer_get_default (void);

/* The built-in framers' own appends; max_size is checked already. */
gboolean _gsock_line_framer_append   (GsockLineFramer   *self,
                                      const guint8      *payload,
                                      gsize              len,
                                      GByteArray        *out,
                                      GError           **error);
gboolean _gsock_length_framer_append (GsockLengthFramer *self,
                                      const guint8      *payload,
                                      gsize              len,
                                      GByteArray        *out,
                                      GError           **error);

/* The built-in framers' finds, as _gsock_framer_cut(); @frame is filled in only on TRUE. */
gboolean _gsock_line_framer_find     (GsockLineFramer   *self,
                                      const guint8      *data,
                                      gsize              len,
                                      gsize              max_size,
                                      GsockFrame        *frame,
                                      GError           **error);
gboolean _gsock_length_framer_find   (GsockLengthFramer *self,
                                      const guint8      *data,
                                      gsize              len,
                                      gsize              max_size,
                                      GsockFrame        *frame,
                                      GError           **error);
gboolean _gsock_raw_framer_find      (const guint8      *data,
                                      gsize              len,
                                      gsize              max_size,
                                      GsockFrame        *frame,
                                      GError           **error);

G_END_DECLS
