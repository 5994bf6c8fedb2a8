/* fuzz-raw-framer.c: libFuzzer target for GsockRawFramer's decoder
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Input: see fuzz-framer-options.h; byte 0 is unused (kept so corpora look alike).
 */

#include "fuzz-framer-common.h"
#include "fuzz-framer-options.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static GsockFramer *framer;
  FuzzFramerOptions options;

  fuzz_init_glib ();
  if (!fuzz_framer_options_parse (data, size, &options))
    return 0;

  if (framer == NULL)
    framer = gsock_raw_framer_new ();   /* stateless: kept for the run */

  fuzz_framer_stream (framer, TRUE, options.stream, options.stream_len, options.max_size,
                      options.chunk);
  return 0;
}
