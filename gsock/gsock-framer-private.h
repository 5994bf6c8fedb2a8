/* gsock-framer-private.h: framing straight from and into a connection's buffers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-framer.h"

G_BEGIN_DECLS

/* Appends the frame of the @len bytes at @data to @out, or sets @error and leaves @out as it
 * was: what gsock_framer_encode() does, without a GBytes per message. A framer with a fast
 * path writes into @out directly; any other framer's encode() is called with @payload (the
 * GBytes @data belongs to, or NULL to have one made) and its result appended. */
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

/* A framer's way of framing without a GBytes per message: what the built-in framers register
 * for themselves (_gsock_framer_set_fast_path()), so the base class never names them. */
typedef struct
{
  /* Finds the first message as _gsock_framer_cut() does, @scanned included; @frame is filled
   * in only on TRUE (its consumed and bytes fields are 0 and NULL before the call). */
  gboolean (*find)   (GsockFramer  *self,
                      const guint8 *data,
                      gsize         len,
                      gsize         max_size,
                      gsize         scanned,
                      GsockFrame   *frame,
                      GError      **error);
  /* Appends the frame of the @len bytes at @payload to @out, or sets @error and leaves @out as
   * it was: all of _gsock_framer_append()'s checks, max_size's first (see
   * _gsock_framer_fits()). */
  gboolean (*append) (GsockFramer  *self,
                      const guint8 *payload,
                      gsize         len,
                      gsize         max_size,
                      GByteArray   *out,
                      GError      **error);
} GsockFramerFastPath;

/* Registers @fast_path (static, never freed) for @self, from its init or constructed (a line
 * framer's depends on its delimiter and encoding): _gsock_framer_cut() and
 * _gsock_framer_append() then use it instead of decode() and encode(). Only for a final class
 * whose encode() and decode() frame exactly as @fast_path does. */
void     _gsock_framer_set_fast_path (GsockFramer               *self,
                                      const GsockFramerFastPath *fast_path);

/* Finds the first message in @data as gsock_framer_decode() does, without a GBytes for a
 * framer with a fast path: TRUE with @frame filled in; FALSE with frame->consumed bytes skipped
 * (0 when more input is needed), or with @error set.
 *
 * @scanned is what the caller knows of @data already: its first @scanned bytes are input an
 * earlier call was given and needed more after (so they hold no complete message), now with
 * more bytes after them; 0 when nothing is known. A fast path may resume its search there
 * instead of starting over (a line framer searches from @scanned less the delimiter's length
 * but one), so a long partial message costs each read only the bytes it brought; decode()
 * cannot be told and searches all of @data. After a FALSE without error and with nothing
 * skipped, all @len bytes count as scanned for the next call. */
gboolean _gsock_framer_cut           (GsockFramer       *self,
                                      const guint8      *data,
                                      gsize              len,
                                      gsize              max_size,
                                      gsize              scanned,
                                      GsockFrame        *frame,
                                      GError           **error);

/* The encode() of a framer with a fast path: its append, into a GBytes of its own. */
GBytes  *_gsock_framer_encode_builtin (GsockFramer      *self,
                                       GBytes           *payload,
                                       gsize             max_size,
                                       GError          **error);

/* The decode() of a framer with a fast path: its find, and the message copied into a
 * GBytes. */
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

/* A fast path's append in one test: whether a payload of @len bytes is within @max_size and
 * its frame (@overhead bytes of prefix or delimiter more, at most 8) fits in @out. When it
 * is not, _gsock_framer_refuse() says why. */
static inline gboolean
_gsock_framer_fits (GByteArray *out,
                    gsize       len,
                    gsize       overhead,
                    gsize       max_size)
{
  gsize room = G_MAXUINT - out->len;

  return len <= max_size && room >= overhead && len <= room - overhead;
}

/* Sets @error for a payload _gsock_framer_fits() refused, as gsock_framer_encode() (the
 * maximum message size) or _gsock_framer_check_room() would; returns FALSE. */
gboolean _gsock_framer_refuse        (GByteArray        *out,
                                      gsize              len,
                                      gsize              overhead,
                                      gsize              max_size,
                                      GError           **error);

G_END_DECLS
