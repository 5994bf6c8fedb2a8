/* fuzz-line-framer.c: libFuzzer target for GsockLineFramer's decoder
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Input: see fuzz-framer-options.h; byte 0 picks the delimiter below.
 */

#include "fuzz-framer-common.h"
#include "fuzz-framer-options.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* The default, the tutorial's CRLF, and delimiters whose start repeats their end. */
static const char *const delimiters[] = { "\n", "\r\n", "\n\n", "\r\n\r\n", "abab", "|" };

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static GsockFramer *framers[G_N_ELEMENTS (delimiters)];
  FuzzFramerOptions options;
  guint i;

  fuzz_init_glib ();
  if (!fuzz_framer_options_parse (data, size, &options))
    return 0;

  i = options.variant % G_N_ELEMENTS (delimiters);
  if (framers[i] == NULL)
    framers[i] = gsock_line_framer_new (delimiters[i]);   /* stateless: kept for the run */

  fuzz_framer_stream (framers[i], TRUE, options.stream, options.stream_len, options.max_size,
                      options.chunk);
  return 0;
}
