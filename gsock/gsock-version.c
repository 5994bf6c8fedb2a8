/* gsock-version.c: the version of the library a program runs with
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-version.h"

/**
 * gsock_get_major_version:
 *
 * Gets the major version of the gsock library the program runs with: 1 in gsock 1.2.3.
 *
 * That can differ from [const@Gsock.MAJOR_VERSION], the version of the headers the program
 * was compiled with.
 *
 * Returns: the library's major version
 *
 * Since: 1.0
 */
guint
gsock_get_major_version (void)
{
  return GSOCK_MAJOR_VERSION;
}

/**
 * gsock_get_minor_version:
 *
 * Gets the minor version of the gsock library the program runs with: 2 in gsock 1.2.3.
 *
 * That can differ from [const@Gsock.MINOR_VERSION], the version of the headers the program
 * was compiled with.
 *
 * Returns: the library's minor version
 *
 * Since: 1.0
 */
guint
gsock_get_minor_version (void)
{
  return GSOCK_MINOR_VERSION;
}

/**
 * gsock_get_micro_version:
 *
 * Gets the micro version of the gsock library the program runs with: 3 in gsock 1.2.3.
 *
 * That can differ from [const@Gsock.MICRO_VERSION], the version of the headers the program
 * was compiled with.
 *
 * Returns: the library's micro version
 *
 * Since: 1.0
 */
guint
gsock_get_micro_version (void)
{
  return GSOCK_MICRO_VERSION;
}

/**
 * gsock_check_version:
 * @required_major: the major version the program needs
 * @required_minor: the minor version the program needs
 * @required_micro: the micro version the program needs
 *
 * Checks that the gsock library the program runs with is compatible with the version it
 * needs: of the same major version (gsock keeps its ABI within one) and of that minor and
 * micro version or a later one.
 *
 * Pass the version the program was built for, such as `GSOCK_MAJOR_VERSION`,
 * `GSOCK_MINOR_VERSION`, `GSOCK_MICRO_VERSION`, to learn that it runs with an older library
 * than it was compiled against; [func@Gsock.CHECK_VERSION] checks the headers instead.
 *
 * Returns: (nullable) (transfer none): `NULL` when the library is compatible, or else a
 *   string that says why it is not, owned by gsock (do not free or change it)
 *
 * Since: 1.0
 */
const char *
gsock_check_version (guint required_major,
                     guint required_minor,
                     guint required_micro)
{
  if (required_major > GSOCK_MAJOR_VERSION)
    return "gsock " PACKAGE_VERSION " is too old: a later major version is required";
  if (required_major < GSOCK_MAJOR_VERSION)
    return "gsock " PACKAGE_VERSION " is too new: an earlier major version is required";
  if (required_minor > GSOCK_MINOR_VERSION
      || (required_minor == GSOCK_MINOR_VERSION && required_micro > GSOCK_MICRO_VERSION))
    return "gsock " PACKAGE_VERSION " is too old: a later minor or micro version is required";
  return NULL;
}
