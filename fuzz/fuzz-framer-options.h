/* fuzz-framer-options.h: the three header bytes of the framer fuzz targets
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * byte 0: framer variant (the target says what it picks: delimiter, prefix size)
 * byte 1: max_size: bit 7 clear gives 0..127 bytes, set gives (b & 0x7f) * 64, up to 8128
 * byte 2: chunk size for the read buffer: b % 17, 0 meaning everything at once
 * the rest: the stream the peer sends
 */

#pragma once

#include <glib.h>

typedef struct
{
  guint8 variant;
  gsize max_size;
  gsize chunk;
  const guint8 *stream;
  gsize stream_len;
} FuzzFramerOptions;

static gboolean
fuzz_framer_options_parse (const guint8      *data,
                           gsize              size,
                           FuzzFramerOptions *options)
{
  if (size < 3)
    return FALSE;
  options->variant = data[0];
  options->max_size = (data[1] & 0x80) ? (gsize) (data[1] & 0x7f) * 64 : data[1];
  options->chunk = data[2] % 17;
  options->stream = data + 3;
  options->stream_len = size - 3;
  return TRUE;
}
