/* gsock-version-macros.h: symbol visibility and availability per version for the public API
 *
 * Included by gsock-version.h, after the version numbers it needs; every public header
 * includes gsock-version.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GSOCK_INSIDE) && !defined(GSOCK_COMPILATION)
#error "Only <gsock/gsock.h> can be included directly."
#endif

#ifndef GSOCK_MAJOR_VERSION
#error "gsock-version-macros.h is included by gsock-version.h, which defines the version numbers"
#endif

#include <glib.h>

#if defined(GSOCK_COMPILATION) && defined(__GNUC__)
#define _GSOCK_EXPORT __attribute__ ((visibility ("default"))) extern
#else
#define _GSOCK_EXPORT extern
#endif

/**
 * GSOCK_VERSION_1_0:
 *
 * The version 1.0 of gsock, encoded as `GSOCK_VERSION_MIN_REQUIRED` and
 * `GSOCK_VERSION_MAX_ALLOWED` take it.
 *
 * Since: 1.0
 */
#define GSOCK_VERSION_1_0 (G_ENCODE_VERSION (1, 0))

/**
 * GSOCK_VERSION_1_2:
 *
 * The version 1.2 of gsock (the next stable one), encoded as `GSOCK_VERSION_MIN_REQUIRED`
 * and `GSOCK_VERSION_MAX_ALLOWED` take it.
 *
 * Since: 1.0
 */
#define GSOCK_VERSION_1_2 (G_ENCODE_VERSION (1, 2))

/* The stable version these headers belong to: an odd minor version is a development one
 * towards the next even one, as in GLib. */
#if (GSOCK_MINOR_VERSION % 2)
#define GSOCK_VERSION_CUR_STABLE (G_ENCODE_VERSION (GSOCK_MAJOR_VERSION, GSOCK_MINOR_VERSION + 1))
#else
#define GSOCK_VERSION_CUR_STABLE (G_ENCODE_VERSION (GSOCK_MAJOR_VERSION, GSOCK_MINOR_VERSION))
#endif

/**
 * GSOCK_VERSION_MIN_REQUIRED:
 *
 * The oldest gsock a program is written to work with, as a `GSOCK_VERSION_x_y` macro the
 * program defines before it includes `gsock/gsock.h` (the version of these headers when it
 * does not). It may not be newer than these headers, nor older than 1.0. Nothing in gsock
 * 1.0 is deprecated; a later deprecation will warn only programs whose minimum is at least
 * the version that deprecated it.
 *
 * Since: 1.0
 */
#ifndef GSOCK_VERSION_MIN_REQUIRED
#define GSOCK_VERSION_MIN_REQUIRED (GSOCK_VERSION_CUR_STABLE)
#endif

/**
 * GSOCK_VERSION_MAX_ALLOWED:
 *
 * The newest gsock whose API a program may use, as a `GSOCK_VERSION_x_y` macro the program
 * defines before it includes `gsock/gsock.h` (the version of these headers when it does
 * not). Using API added after that version warns (`-Wdeprecated-declarations`), so a
 * program that must build with an older gsock learns it with the newer one.
 *
 * Since: 1.0
 */
#ifndef GSOCK_VERSION_MAX_ALLOWED
#define GSOCK_VERSION_MAX_ALLOWED (GSOCK_VERSION_CUR_STABLE)
#endif

#if GSOCK_VERSION_MIN_REQUIRED > GSOCK_VERSION_CUR_STABLE
#error "GSOCK_VERSION_MIN_REQUIRED is newer than these gsock headers"
#endif
#if GSOCK_VERSION_MAX_ALLOWED < GSOCK_VERSION_MIN_REQUIRED
#error "GSOCK_VERSION_MAX_ALLOWED is older than GSOCK_VERSION_MIN_REQUIRED"
#endif
#if GSOCK_VERSION_MIN_REQUIRED < GSOCK_VERSION_1_0
#error "GSOCK_VERSION_MIN_REQUIRED is older than gsock 1.0, the first version"
#endif

/* Every public declaration carries one of the GSOCK_AVAILABLE_IN_ macros; a declaration
 * without one stays inside the library. */

/**
 * GSOCK_AVAILABLE_IN_ALL:
 *
 * Marks a declaration of the API gsock has had from its first version, 1.0.
 */
#define GSOCK_AVAILABLE_IN_ALL _GSOCK_EXPORT

/**
 * GSOCK_AVAILABLE_IN_1_0:
 *
 * Marks a declaration added in gsock 1.0 (its `Since: 1.0` documents it). As 1.0 is the
 * first version, no `GSOCK_VERSION_MAX_ALLOWED` hides it.
 *
 * Since: 1.0
 */
#define GSOCK_AVAILABLE_IN_1_0 _GSOCK_EXPORT

/**
 * GSOCK_AVAILABLE_IN_1_2:
 *
 * Marks a declaration added in gsock 1.2 (in the 1.1 development versions); using it warns
 * when `GSOCK_VERSION_MAX_ALLOWED` is older than 1.2.
 *
 * Since: 1.0
 */
#if GSOCK_VERSION_MAX_ALLOWED < GSOCK_VERSION_1_2
#define GSOCK_AVAILABLE_IN_1_2 G_UNAVAILABLE (1, 2) _GSOCK_EXPORT
#else
#define GSOCK_AVAILABLE_IN_1_2 _GSOCK_EXPORT
#endif
