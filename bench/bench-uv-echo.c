/* bench-uv-echo: the echo server with libuv (Debian's libuv1-dev)
 *
 *   bench-uv-echo [--host 127.0.0.1] [--port 0]
 *
 * Idiomatic libuv: uv_read_start into one shared buffer (the loop is single-threaded, so a
 * read's bytes are used up before the next read), the complete lines of each read echoed
 * with uv_try_write, and what the kernel does not take at once copied into a uv_write
 * request. A line split across reads waits in the connection's own buffer. UDP: uv_udp
 * with uv_udp_try_send. Prints "listening on HOST:PORT"; exits on SIGINT or SIGTERM.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define MAX_LINE (1 << 20)

typedef struct
{
  uv_tcp_t tcp;
  char *partial;
  size_t plen, pcap;
} Conn;

typedef struct
{
  uv_write_t req;
  char data[];
} WriteReq;

static uv_loop_t *loop;
static char shared_buf[65536];
static char udp_buf[65536];

static void
alloc_cb (uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
  /* One read at a time on this thread: the shared buffer is free again when read_cb ends. */
  *buf = uv_buf_init (shared_buf, sizeof shared_buf);
}

static void
close_cb (uv_handle_t *handle)
{
  Conn *c = handle->data;

  free (c->partial);
  free (c);
}

static void
write_cb (uv_write_t *req, int status)
{
  free (req);
}

static int
append (Conn *c, const char *bytes, size_t n)
{
  if (c->plen + n > MAX_LINE)
    return -1;
  if (c->plen + n > c->pcap)
    {
      size_t cap = c->pcap ? c->pcap : 256;
      char *p;

      while (cap < c->plen + n)
        cap *= 2;
      p = realloc (c->partial, cap);
      if (p == NULL)
        return -1;
      c->partial = p;
      c->pcap = cap;
    }
  memcpy (c->partial + c->plen, bytes, n);
  c->plen += n;
  return 0;
}

/* Echoes @bufs: now if the kernel takes it, else the rest through a uv_write request. */
static int
echo (Conn *c, uv_buf_t *bufs, unsigned int n_bufs)
{
  size_t total = 0, done, off = 0;
  int r;
  WriteReq *w;
  uv_buf_t rest;

  for (unsigned int i = 0; i < n_bufs; i++)
    total += bufs[i].len;
  r = uv_try_write ((uv_stream_t *) &c->tcp, bufs, n_bufs);
  if (r == UV_EAGAIN)
    r = 0;
  if (r < 0)
    return r;
  if ((size_t) r == total)
    return 0;

  done = r;
  w = malloc (sizeof *w + total - done);
  if (w == NULL)
    return UV_ENOMEM;
  for (unsigned int i = 0; i < n_bufs; i++)
    {
      size_t skip = done < bufs[i].len ? done : bufs[i].len;

      done -= skip;
      memcpy (w->data + off, bufs[i].base + skip, bufs[i].len - skip);
      off += bufs[i].len - skip;
    }
  rest = uv_buf_init (w->data, off);
  return uv_write (&w->req, (uv_stream_t *) &c->tcp, &rest, 1, write_cb);
}

static void
read_cb (uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
  Conn *c = stream->data;
  char *last;
  size_t lines;
  uv_buf_t bufs[2];
  unsigned int n_bufs = 0;

  if (nread == 0)
    return;
  if (nread < 0)
    {
      uv_close ((uv_handle_t *) stream, close_cb);
      return;
    }

  last = memrchr (buf->base, '\n', nread);
  if (last == NULL)
    {
      if (append (c, buf->base, nread) < 0)
        uv_close ((uv_handle_t *) stream, close_cb);
      return;
    }
  lines = last + 1 - buf->base;
  if (c->plen > 0)
    bufs[n_bufs++] = uv_buf_init (c->partial, c->plen);
  bufs[n_bufs++] = uv_buf_init (buf->base, lines);
  if (echo (c, bufs, n_bufs) < 0)
    {
      uv_close ((uv_handle_t *) stream, close_cb);
      return;
    }
  c->plen = 0;
  if ((size_t) nread > lines && append (c, buf->base + lines, nread - lines) < 0)
    uv_close ((uv_handle_t *) stream, close_cb);
}

static void
connection_cb (uv_stream_t *server, int status)
{
  Conn *c;

  if (status < 0)
    return;
  c = calloc (1, sizeof *c);
  uv_tcp_init (loop, &c->tcp);
  c->tcp.data = c;
  if (uv_accept (server, (uv_stream_t *) &c->tcp) != 0)
    {
      uv_close ((uv_handle_t *) &c->tcp, close_cb);
      return;
    }
  uv_tcp_nodelay (&c->tcp, 1);
  uv_read_start ((uv_stream_t *) &c->tcp, alloc_cb, read_cb);
}

static void
udp_alloc_cb (uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
  *buf = uv_buf_init (udp_buf, sizeof udp_buf);
}

static void
udp_recv_cb (uv_udp_t *udp, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *addr,
             unsigned flags)
{
  uv_buf_t out;

  if (nread <= 0 || addr == NULL)
    return;
  out = uv_buf_init (buf->base, nread);
  uv_udp_try_send (udp, &out, 1, addr);
}

static void
signal_cb (uv_signal_t *handle, int signum)
{
  uv_stop (loop);
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
  int port = 0, opt, r, len;
  struct sockaddr_in addr;
  uv_tcp_t server;
  uv_udp_t udp;
  uv_signal_t sigint, sigterm;

  while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1)
    switch (opt)
      {
      case 'H': host = optarg; break;
      case 'p': port = atoi (optarg); break;
      default:
        fprintf (stderr, "usage: bench-uv-echo [--host ADDRESS] [--port PORT]\n");
        return 2;
      }

  loop = uv_default_loop ();
  uv_ip4_addr (host, port, &addr);
  uv_tcp_init (loop, &server);
  if ((r = uv_tcp_bind (&server, (const struct sockaddr *) &addr, 0)) != 0 ||
      (r = uv_listen ((uv_stream_t *) &server, SOMAXCONN, connection_cb)) != 0)
    {
      fprintf (stderr, "bench-uv-echo: %s\n", uv_strerror (r));
      return 1;
    }
  len = sizeof addr;
  uv_tcp_getsockname (&server, (struct sockaddr *) &addr, &len);

  uv_udp_init (loop, &udp);
  if ((r = uv_udp_bind (&udp, (const struct sockaddr *) &addr, 0)) != 0)
    {
      fprintf (stderr, "bench-uv-echo: UDP: %s\n", uv_strerror (r));
      return 1;
    }
  uv_udp_recv_start (&udp, udp_alloc_cb, udp_recv_cb);

  uv_signal_init (loop, &sigint);
  uv_signal_start (&sigint, signal_cb, SIGINT);
  uv_signal_init (loop, &sigterm);
  uv_signal_start (&sigterm, signal_cb, SIGTERM);

  printf ("listening on %s:%d\n", host, ntohs (addr.sin_port));
  fflush (stdout);
  uv_run (loop, UV_RUN_DEFAULT);
  return 0;
}
