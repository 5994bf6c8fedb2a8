/* gsock-activation.c: sockets a service manager passed to the process
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-activation.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

/* The first descriptor passed, as the protocol (sd_listen_fds(3)) fixes it. */
#define FIRST_PASSED_FD 3

/* A number the whole of @text spells, or -1. */
static gint64
parse_count (const char *text)
{
  guint64 value = 0;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT, &value, NULL))
    return -1;
  return (gint64) value;
}

/**
 * gsock_activation_take_sockets:
 * @error: return location for an error
 *
 * Takes over the sockets a service manager passed to this process, as systemd's socket
 * activation does (and anything that speaks its protocol: `LISTEN_PID`, `LISTEN_FDS`,
 * descriptors from 3 on). Call it once, early: it removes those variables from the
 * environment, so a child process does not take the sockets again, and marks the
 * descriptors close-on-exec.
 *
 * Give a listening stream socket to [ctor@Gsock.TcpServer.new_for_socket] to serve it.
 *
 * Returns: (transfer full) (element-type Gio.Socket) (nullable): the sockets in the order they
 *   were passed; an empty array when none were passed to this process (no `LISTEN_FDS`, or a
 *   `LISTEN_PID` that is another process's); `NULL` with @error set
 *   (`G_IO_ERROR_INVALID_ARGUMENT`) when the variables are malformed or a descriptor passed is
 *   not a socket
 *
 * Since: 1.2
 */
GPtrArray *
gsock_activation_take_sockets (GError **error)
{
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
  const char *pid_text = g_getenv ("LISTEN_PID");
  const char *fds_text = g_getenv ("LISTEN_FDS");
  gint64 pid, count;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (fds_text == NULL)
    return g_steal_pointer (&sockets);
  pid = parse_count (pid_text);
  count = parse_count (fds_text);
  if (pid_text != NULL && pid != (gint64) getpid ())
    return g_steal_pointer (&sockets);  /* meant for another process: not ours to take */
  g_unsetenv ("LISTEN_PID");
  g_unsetenv ("LISTEN_FDS");
  g_unsetenv ("LISTEN_FDNAMES");
  if (pid < 0 || count < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Malformed socket activation variables: LISTEN_PID=%s LISTEN_FDS=%s",
                   pid_text != NULL ? pid_text : "(unset)", fds_text);
      return NULL;
    }

  for (int fd = FIRST_PASSED_FD; fd < FIRST_PASSED_FD + count; fd++)
    {
      g_autoptr(GError) local_error = NULL;
      GSocket *socket;

      if (fcntl (fd, F_SETFD, FD_CLOEXEC) < 0 ||
          (socket = g_socket_new_from_fd (fd, &local_error)) == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "Descriptor %d passed by the service manager is not a socket: %s", fd,
                       local_error != NULL ? local_error->message : g_strerror (errno));
          return NULL;
        }
      g_ptr_array_add (sockets, socket);
    }
  return g_steal_pointer (&sockets);
}
