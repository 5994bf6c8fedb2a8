/* bench-epoll-echo: the benchmark's reference, a raw single-threaded epoll echo server
 *
 *   bench-epoll-echo [--host 127.0.0.1] [--port 0]
 *
 * Echoes every complete line of every TCP connection and every UDP datagram on the same port
 * number, and prints "listening on HOST:PORT". This is the practical limit for one thread:
 * level-triggered epoll, one shared read buffer, the complete lines of a read echoed straight
 * from it in one write, and per connection only what a line split across reads (or a write
 * the kernel did not take whole) leaves behind; UDP: one recvfrom and one sendto per datagram.
 * Exits on SIGINT or SIGTERM.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define READ_SIZE 65536
#define MAX_LINE (1 << 20)

typedef struct
{
  int fd;
  char *partial; /* the start of a line not complete yet */
  size_t plen, pcap;
  char *out; /* what the kernel did not take yet */
  size_t olen, ooff, ocap;
} Conn;

static int epfd;
static int tcp_fd, udp_fd;
static char buf[READ_SIZE];
static volatile sig_atomic_t quit;

static void
on_signal (int sig)
{
  quit = 1;
}

static void
die (const char *what)
{
  fprintf (stderr, "bench-epoll-echo: %s: %s\n", what, strerror (errno));
  exit (1);
}

static void
conn_close (Conn *c)
{
  epoll_ctl (epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close (c->fd);
  free (c->partial);
  free (c->out);
  free (c);
}

static int
append (char **data, size_t *len, size_t *cap, const char *bytes, size_t n)
{
  if (*len + n > *cap)
    {
      size_t new_cap = *cap ? *cap : 256;
      char *p;

      while (new_cap < *len + n)
        new_cap *= 2;
      p = realloc (*data, new_cap);
      if (p == NULL)
        return -1;
      *data = p;
      *cap = new_cap;
    }
  memcpy (*data + *len, bytes, n);
  *len += n;
  return 0;
}

static void
set_out (Conn *c, int out)
{
  struct epoll_event ev = { .events = EPOLLIN | (out ? EPOLLOUT : 0), .data.ptr = c };

  epoll_ctl (epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Writes @iov now as far as the kernel takes it; keeps the rest. -1 if the connection broke. */
static int
send_lines (Conn *c, struct iovec *iov, int n_iov)
{
  size_t total = 0;
  ssize_t n;

  for (int i = 0; i < n_iov; i++)
    total += iov[i].iov_len;
  if (c->olen > c->ooff)
    n = 0; /* something waits already: keep the order */
  else
    {
      n = writev (c->fd, iov, n_iov);
      if (n < 0)
        {
          if (errno != EAGAIN)
            return -1;
          n = 0;
        }
    }
  if ((size_t) n == total)
    return 0;

  /* Keep what is left. */
  for (int i = 0; i < n_iov; i++)
    {
      size_t skip = (size_t) n < iov[i].iov_len ? (size_t) n : iov[i].iov_len;

      n -= skip;
      if (append (&c->out, &c->olen, &c->ocap, (char *) iov[i].iov_base + skip,
                  iov[i].iov_len - skip) < 0)
        return -1;
    }
  set_out (c, 1);
  return 0;
}

static void
conn_flush (Conn *c)
{
  while (c->ooff < c->olen)
    {
      ssize_t n = write (c->fd, c->out + c->ooff, c->olen - c->ooff);

      if (n < 0)
        {
          if (errno == EAGAIN)
            return;
          conn_close (c);
          return;
        }
      c->ooff += n;
    }
  c->ooff = c->olen = 0;
  set_out (c, 0);
}

static void
conn_read (Conn *c)
{
  ssize_t n = read (c->fd, buf, sizeof buf);
  char *last;
  struct iovec iov[2];
  int n_iov = 0;
  size_t lines;

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n <= 0)
    {
      conn_close (c);
      return;
    }

  last = memrchr (buf, '\n', n);
  if (last == NULL)
    {
      /* No line ends here: all of it belongs to the line in progress. */
      if (c->plen + n > MAX_LINE || append (&c->partial, &c->plen, &c->pcap, buf, n) < 0)
        conn_close (c);
      return;
    }

  lines = last + 1 - buf;
  if (c->plen > 0)
    iov[n_iov++] = (struct iovec) { c->partial, c->plen };
  iov[n_iov++] = (struct iovec) { buf, lines };
  if (send_lines (c, iov, n_iov) < 0)
    {
      conn_close (c);
      return;
    }
  c->plen = 0;
  if ((size_t) n > lines && append (&c->partial, &c->plen, &c->pcap, buf + lines, n - lines) < 0)
    conn_close (c);
}

static void
accept_all (void)
{
  for (;;)
    {
      int fd = accept4 (tcp_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      int one = 1;
      Conn *c;
      struct epoll_event ev = { .events = EPOLLIN };

      if (fd < 0)
        {
          if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
            perror ("bench-epoll-echo: accept");
          return;
        }
      setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      c = calloc (1, sizeof *c);
      if (c == NULL)
        {
          close (fd);
          continue;
        }
      c->fd = fd;
      ev.data.ptr = c;
      epoll_ctl (epfd, EPOLL_CTL_ADD, fd, &ev);
    }
}

/* The UDP baseline: one recvfrom and one sendto per datagram, no batching (recvmmsg and
 * sendmmsg are what a server may do better than this); at most 64 datagrams per wake-up, so
 * TCP connections get their turn. */
static void
udp_echo (void)
{
  for (int i = 0; i < 64; i++)
    {
      struct sockaddr_storage from;
      socklen_t from_len = sizeof from;
      ssize_t n = recvfrom (udp_fd, buf, sizeof buf, 0, (struct sockaddr *) &from, &from_len);

      if (n < 0)
        return;
      sendto (udp_fd, buf, n, 0, (struct sockaddr *) &from, from_len);
    }
}

int
main (int argc, char *argv[])
{
  static const struct option options[] = {
    { "host", required_argument, NULL, 'H' },
    { "port", required_argument, NULL, 'p' },
    { NULL, 0, NULL, 0 }
  };
  const char *host = "127.0.0.1";
  int port = 0, opt, one = 1;
  struct sockaddr_in addr = { .sin_family = AF_INET };
  socklen_t len = sizeof addr;
  struct epoll_event ev = { .events = EPOLLIN };
  struct sigaction sa = { .sa_handler = on_signal };

  while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1)
    switch (opt)
      {
      case 'H': host = optarg; break;
      case 'p': port = atoi (optarg); break;
      default:
        fprintf (stderr, "usage: bench-epoll-echo [--host ADDRESS] [--port PORT]\n");
        return 2;
      }

  if (inet_pton (AF_INET, host, &addr.sin_addr) != 1)
    {
      fprintf (stderr, "bench-epoll-echo: --host must be an IPv4 address\n");
      return 2;
    }
  addr.sin_port = htons (port);

  tcp_fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  setsockopt (tcp_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind (tcp_fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    die ("bind TCP");
  if (listen (tcp_fd, SOMAXCONN) < 0)
    die ("listen");
  getsockname (tcp_fd, (struct sockaddr *) &addr, &len);

  udp_fd = socket (AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (bind (udp_fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    die ("bind UDP");

  epfd = epoll_create1 (EPOLL_CLOEXEC);
  ev.data.ptr = &tcp_fd;
  epoll_ctl (epfd, EPOLL_CTL_ADD, tcp_fd, &ev);
  ev.data.ptr = &udp_fd;
  epoll_ctl (epfd, EPOLL_CTL_ADD, udp_fd, &ev);

  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  signal (SIGPIPE, SIG_IGN);

  printf ("listening on %s:%d\n", host, ntohs (addr.sin_port));
  fflush (stdout);

  while (!quit)
    {
      struct epoll_event events[256];
      int n = epoll_wait (epfd, events, 256, -1);

      for (int i = 0; i < n; i++)
        {
          void *p = events[i].data.ptr;

          if (p == &tcp_fd)
            accept_all ();
          else if (p == &udp_fd)
            udp_echo ();
          else
            {
              Conn *c = p;

              /* Writes first: a connection closed by the read must not be touched again. */
              if (events[i].events & EPOLLOUT)
                {
                  conn_flush (c);
                  continue; /* reading waits for the queue, which keeps memory bounded */
                }
              if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
                conn_read (c);
            }
        }
    }
  return 0;
}
