/* bench-alloc-count: an LD_PRELOAD module that counts heap allocations
 *
 *   BENCH_ALLOC_OUT=counts.txt LD_PRELOAD=bench-alloc-count.so G_SLICE=always-malloc SERVER
 *
 * Counts the calls of malloc, calloc, realloc and the aligned allocators, and the bytes they
 * asked for, then writes "allocs N bytes N frees N" to $BENCH_ALLOC_OUT (or stderr) when the
 * process exits. The benchmark runs a server twice with different message counts and divides
 * the differences, so start-up and shutdown cancel out. (G_SLICE=always-malloc sends GLib's
 * slice allocator through malloc too, so its allocations count.)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc (size_t size);
extern void *__libc_calloc (size_t n, size_t size);
extern void *__libc_realloc (void *p, size_t size);
extern void *__libc_memalign (size_t alignment, size_t size);
extern void __libc_free (void *p);

static unsigned long long n_allocs, n_bytes, n_frees;

#define COUNT(bytes) (__atomic_add_fetch (&n_allocs, 1, __ATOMIC_RELAXED), \
                      __atomic_add_fetch (&n_bytes, (bytes), __ATOMIC_RELAXED))

void *
malloc (size_t size)
{
  COUNT (size);
  return __libc_malloc (size);
}

void *
calloc (size_t n, size_t size)
{
  COUNT (n * size);
  return __libc_calloc (n, size);
}

void *
realloc (void *p, size_t size)
{
  COUNT (size);
  return __libc_realloc (p, size);
}

void *
memalign (size_t alignment, size_t size)
{
  COUNT (size);
  return __libc_memalign (alignment, size);
}

void *
aligned_alloc (size_t alignment, size_t size)
{
  return memalign (alignment, size);
}

int
posix_memalign (void **out, size_t alignment, size_t size)
{
  void *p = memalign (alignment, size);

  if (p == NULL)
    return 12; /* ENOMEM */
  *out = p;
  return 0;
}

void
free (void *p)
{
  if (p != NULL)
    __atomic_add_fetch (&n_frees, 1, __ATOMIC_RELAXED);
  __libc_free (p);
}

__attribute__ ((destructor)) static void
report (void)
{
  const char *path = getenv ("BENCH_ALLOC_OUT");
  char line[128];
  int fd = 2, len;

  if (path != NULL)
    fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    return;
  len = snprintf (line, sizeof line, "allocs %llu bytes %llu frees %llu\n",
                  n_allocs, n_bytes, n_frees);
  if (write (fd, line, len) < 0)
    return;
  if (fd != 2)
    close (fd);
}
