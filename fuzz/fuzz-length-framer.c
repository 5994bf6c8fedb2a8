/* fuzz-length-framer.c: libFuzzer target for GsockLengthFramer's decoder
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Input: see fuzz-framer-options.h; byte 0 picks the prefix size (1, 2, 4 or 8 bytes).
 */

#include "fuzz-framer-common.h"
#include "fuzz-framer-options.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static const guint prefix_sizes[] = { 1, 2, 4, 8 };

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static GsockFramer *framers[G_N_ELEMENTS (prefix_sizes)];
  FuzzFramerOptions options;
  guint i;

  fuzz_init_glib ();
  if (!fuzz_framer_options_parse (data, size, &options))
    return 0;

  i = options.variant % G_N_ELEMENTS (prefix_sizes);
  if (framers[i] == NULL)
    {
      framers[i] = gsock_length_framer_new (prefix_sizes[i]);   /* stateless: kept */
      g_assert_cmpuint (gsock_length_framer_get_prefix_size (GSOCK_LENGTH_FRAMER (framers[i])),
                        ==, prefix_sizes[i]);
    }

  fuzz_framer_stream (framers[i], TRUE, options.stream, options.stream_len, options.max_size,
                      options.chunk);
  return 0;
}
