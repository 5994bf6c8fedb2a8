/* test-version.c: the version API, against meson.build's project version
 *
 * Built as a user's program (the installed-style <gsock/gsock.h> and the shared library),
 * with EXPECTED_MAJOR, EXPECTED_MINOR and EXPECTED_MICRO from meson.project_version () and
 * GSOCK_VERSION_MAX_ALLOWED set to 1.0 (tests/meson.build).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gsock/gsock.h>

#define STRINGIFY(x) #x
#define EXPANSION(x) STRINGIFY (x)

static void
test_macros_are_the_project_version (void)
{
  g_assert_cmpuint (GSOCK_MAJOR_VERSION, ==, EXPECTED_MAJOR);
  g_assert_cmpuint (GSOCK_MINOR_VERSION, ==, EXPECTED_MINOR);
  g_assert_cmpuint (GSOCK_MICRO_VERSION, ==, EXPECTED_MICRO);
}

static void
test_library_is_the_project_version (void)
{
  g_assert_cmpuint (gsock_get_major_version (), ==, EXPECTED_MAJOR);
  g_assert_cmpuint (gsock_get_minor_version (), ==, EXPECTED_MINOR);
  g_assert_cmpuint (gsock_get_micro_version (), ==, EXPECTED_MICRO);
}

static void
test_check_version_macro_accepts_this_and_older (void)
{
  g_assert_true (GSOCK_CHECK_VERSION (EXPECTED_MAJOR, EXPECTED_MINOR, EXPECTED_MICRO));
  g_assert_true (GSOCK_CHECK_VERSION (EXPECTED_MAJOR - 1, EXPECTED_MINOR + 1, EXPECTED_MICRO + 1));
  g_assert_true (GSOCK_CHECK_VERSION (1, 0, 0));
#if EXPECTED_MICRO > 0
  g_assert_true (GSOCK_CHECK_VERSION (EXPECTED_MAJOR, EXPECTED_MINOR, EXPECTED_MICRO - 1));
#endif
#if EXPECTED_MINOR > 0
  g_assert_true (GSOCK_CHECK_VERSION (EXPECTED_MAJOR, EXPECTED_MINOR - 1, EXPECTED_MICRO + 1));
#endif
}

static void
test_check_version_macro_refuses_newer (void)
{
  g_assert_false (GSOCK_CHECK_VERSION (EXPECTED_MAJOR, EXPECTED_MINOR, EXPECTED_MICRO + 1));
  g_assert_false (GSOCK_CHECK_VERSION (EXPECTED_MAJOR, EXPECTED_MINOR + 1, 0));
  g_assert_false (GSOCK_CHECK_VERSION (EXPECTED_MAJOR + 1, 0, 0));
}

static void
test_check_version_accepts_this_and_older_of_one_major (void)
{
  g_assert_null (gsock_check_version (EXPECTED_MAJOR, EXPECTED_MINOR, EXPECTED_MICRO));
  g_assert_null (gsock_check_version (GSOCK_MAJOR_VERSION, GSOCK_MINOR_VERSION,
                                      GSOCK_MICRO_VERSION));
  g_assert_null (gsock_check_version (EXPECTED_MAJOR, 0, 0));
#if EXPECTED_MICRO > 0
  g_assert_null (gsock_check_version (EXPECTED_MAJOR, EXPECTED_MINOR, EXPECTED_MICRO - 1));
#endif
#if EXPECTED_MINOR > 0
  g_assert_null (gsock_check_version (EXPECTED_MAJOR, EXPECTED_MINOR - 1, EXPECTED_MICRO + 1));
#endif
}

static void
test_check_version_refuses_newer_and_other_majors (void)
{
  const char *newer_micro = gsock_check_version (EXPECTED_MAJOR, EXPECTED_MINOR,
                                                 EXPECTED_MICRO + 1);
  const char *newer_minor = gsock_check_version (EXPECTED_MAJOR, EXPECTED_MINOR + 1, 0);
  const char *newer_major = gsock_check_version (EXPECTED_MAJOR + 1, 0, 0);
  const char *older_major = gsock_check_version (EXPECTED_MAJOR - 1, EXPECTED_MINOR,
                                                 EXPECTED_MICRO);

  g_assert_nonnull (strstr (newer_micro, "too old"));
  g_assert_nonnull (strstr (newer_minor, "too old"));
  g_assert_nonnull (strstr (newer_major, "too old"));
  g_assert_nonnull (strstr (newer_major, "major"));
  g_assert_nonnull (strstr (older_major, "too new"));
  g_assert_nonnull (strstr (older_major, "major"));
  /* The string is static: the same one every time. */
  g_assert_true (newer_major == gsock_check_version (EXPECTED_MAJOR + 1, 0, 0));
}

/* GSOCK_VERSION_MAX_ALLOWED is 1.0 here: API of 1.0 is declared as usual, API of 1.2 with
 * the attribute that warns where it is used. */
static void
test_availability_follows_max_allowed (void)
{
  g_assert_cmpint (GSOCK_VERSION_MAX_ALLOWED, ==, GSOCK_VERSION_1_0);
  g_assert_cmpint (GSOCK_VERSION_MIN_REQUIRED, ==, GSOCK_VERSION_1_0);
  g_assert_cmpint (GSOCK_VERSION_1_0, <, GSOCK_VERSION_1_2);
  g_assert_null (strstr (EXPANSION (GSOCK_AVAILABLE_IN_ALL), "deprecated"));
  g_assert_null (strstr (EXPANSION (GSOCK_AVAILABLE_IN_1_0), "deprecated"));
  g_assert_nonnull (strstr (EXPANSION (GSOCK_AVAILABLE_IN_1_2), "deprecated"));
  g_assert_nonnull (strstr (EXPANSION (GSOCK_AVAILABLE_IN_1_2), "Not available before"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Gsock/Version/macros/are-the-project-version",
                   test_macros_are_the_project_version);
  g_test_add_func ("/Gsock/Version/library/is-the-project-version",
                   test_library_is_the_project_version);
  g_test_add_func ("/Gsock/Version/CHECK_VERSION/accepts-this-and-older",
                   test_check_version_macro_accepts_this_and_older);
  g_test_add_func ("/Gsock/Version/CHECK_VERSION/refuses-newer",
                   test_check_version_macro_refuses_newer);
  g_test_add_func ("/Gsock/Version/check_version/accepts-this-and-older-of-one-major",
                   test_check_version_accepts_this_and_older_of_one_major);
  g_test_add_func ("/Gsock/Version/check_version/refuses-newer-and-other-majors",
                   test_check_version_refuses_newer_and_other_majors);
  g_test_add_func ("/Gsock/Version/availability/follows-max-allowed",
                   test_availability_follows_max_allowed);

  return g_test_run ();
}
