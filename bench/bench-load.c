/* bench-load: the load generator of gsock's benchmark (plain epoll, no gsock, no GLib)
 *
 *   bench-load --port PORT --workload pingpong|pipeline|conns|udp [options]
 *
 * Drives an echo server on loopback and prints one line of JSON with what it measured.
 * Every message is SIZE bytes: SIZE - 1 printable bytes that encode the connection and the
 * sequence number, then '\n'. Every byte that comes back is compared with what was sent.
 *
 *   pingpong  one connection, one message in flight: round trips/s, latency percentiles
 *   pipeline  --conns connections (50), --depth messages in flight on each (16)
 *   conns     --conns connections (10000) opened at once as a storm; each sends one message
 *             and waits for its echo (opening rate, server memory per idle connection), then
 *             every connection exchanges messages, one in flight each
 *   udp       one socket, one datagram in flight; a datagram not answered within
 *             --udp-timeout-ms counts as lost
 *
 * With --server-pid the server's CPU time (utime + stime from /proc/PID/stat) and resident
 * memory (/proc/PID/statm) are sampled at the edges of the measured window, so the figures
 * per message cover exactly the messages counted. Phases: warm-up (--warmup s), measured
 * window (--duration s, or until --messages messages when given), then a drain: nothing new
 * is sent and every message in flight must come back.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum workload { PINGPONG, PIPELINE, CONNS, UDP };

static const char *host = "127.0.0.1";
static int port = 0;
static enum workload workload = PIPELINE;
static double duration = 3.0;
static double warmup = 0.5;
static long n_conns = -1;
static long depth = -1;
static long msg_size = 64;
static long server_pid = 0;
static long long message_limit = 0;
static long udp_timeout_ms = 100;
static double storm_timeout = 30.0;
static double drain_timeout = 5.0;

static void
die (const char *format, ...)
{
  va_list args;

  va_start (args, format);
  fprintf (stderr, "bench-load: ");
  vfprintf (stderr, format, args);
  fprintf (stderr, "\n");
  va_end (args);
  exit (1);
}

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The server's user + system CPU time in clock ticks, or -1. */
static long long
server_cpu_ticks (void)
{
  char path[64], buf[4096];
  FILE *f;
  size_t n;
  char *p;
  unsigned long long utime, stime;

  if (server_pid <= 0)
    return -1;
  snprintf (path, sizeof path, "/proc/%ld/stat", server_pid);
  f = fopen (path, "r");
  if (f == NULL)
    return -1;
  n = fread (buf, 1, sizeof buf - 1, f);
  fclose (f);
  buf[n] = '\0';
  /* The command name may hold spaces: fields count from the last ')'. */
  p = strrchr (buf, ')');
  if (p == NULL)
    return -1;
  /* After ')' come field 3 (state) ... field 14 utime, field 15 stime. */
  if (sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
    return -1;
  return (long long) (utime + stime);
}

/* The server's resident memory in bytes, or -1. */
/* This process's own CPU time in seconds. */
static double
own_cpu (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6
         + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

static long long
server_rss (void)
{
  char path[64];
  FILE *f;
  unsigned long long size, resident;

  if (server_pid <= 0)
    return -1;
  snprintf (path, sizeof path, "/proc/%ld/statm", server_pid);
  f = fopen (path, "r");
  if (f == NULL)
    return -1;
  if (fscanf (f, "%llu %llu", &size, &resident) != 2)
    resident = 0;
  fclose (f);
  return (long long) resident * sysconf (_SC_PAGESIZE);
}

/* The message number @seq of connection @conn: printable, ends with '\n'. */
static void
make_message (char *out, long conn, unsigned long long seq)
{
  int n = snprintf (out, msg_size, "c%06ld s%014llu ", conn, seq);

  if (n >= msg_size)
    n = msg_size - 1;
  for (long i = n; i < msg_size - 1; i++)
    out[i] = 'a' + (char) ((seq + (unsigned long long) i) % 26);
  out[msg_size - 1] = '\n';
}

/* Latencies of the measured window, in seconds. */
static double *latencies;
static size_t n_latencies, latencies_cap;

static void
add_latency (double seconds)
{
  if (n_latencies == latencies_cap)
    {
      latencies_cap = latencies_cap ? latencies_cap * 2 : 65536;
      latencies = realloc (latencies, latencies_cap * sizeof *latencies);
      if (latencies == NULL)
        die ("out of memory");
    }
  latencies[n_latencies++] = seconds;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (double p)
{
  size_t i;

  if (n_latencies == 0)
    return 0;
  i = (size_t) (p * (n_latencies - 1) + 0.5);
  return latencies[i];
}

/* Counters shared by the workloads. */
static int measuring;           /* inside the measured window */
static int sending = 1;         /* new messages may be sent */
static long long window_messages; /* messages echoed inside the window */
static long long total_messages;  /* messages echoed, all phases */
static long long errors;          /* bytes that differ from what was sent */
static long long lost;            /* UDP datagrams never answered */

/* ---- TCP ---- */

typedef struct
{
  int fd;
  long id;
  int connected;
  int failed;
  int got_first;                /* the storm's first echo arrived */
  unsigned long long next_send; /* sequence number of the next message to send */
  unsigned long long next_recv; /* sequence number expected next */
  char *rbuf;
  size_t rlen, rcap;
  char *wbuf;
  size_t wlen, woff, wcap;
  int want_out;
  double *sent_at; /* depth entries, by seq % depth */
} Conn;

static int epfd;
static Conn *conns;
static long n_connected, n_failed, n_first;

static void
set_events (Conn *c, int out)
{
  struct epoll_event ev = { .events = EPOLLIN | (out ? EPOLLOUT : 0), .data.ptr = c };

  if (c->want_out == out)
    return;
  c->want_out = out;
  if (epoll_ctl (epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
    die ("epoll_ctl: %s", strerror (errno));
}

static void
queue_message (Conn *c)
{
  if (c->wlen + msg_size > c->wcap)
    {
      /* Compact, then grow if still needed. */
      memmove (c->wbuf, c->wbuf + c->woff, c->wlen - c->woff);
      c->wlen -= c->woff;
      c->woff = 0;
      if (c->wlen + msg_size > c->wcap)
        {
          c->wcap = (c->wlen + msg_size) * 2;
          c->wbuf = realloc (c->wbuf, c->wcap);
          if (c->wbuf == NULL)
            die ("out of memory");
        }
    }
  make_message (c->wbuf + c->wlen, c->id, c->next_send);
  if (c->sent_at != NULL)
    c->sent_at[c->next_send % depth] = now ();
  c->next_send++;
  c->wlen += msg_size;
}

static void
conn_fail (Conn *c, const char *what, int err)
{
  if (c->failed)
    return;
  if (!c->connected)
    n_failed++;
  else
    fprintf (stderr, "bench-load: connection %ld: %s: %s\n", c->id, what, strerror (err));
  c->failed = 1;
  epoll_ctl (epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close (c->fd);
  c->fd = -1;
}

static void
flush_conn (Conn *c)
{
  while (c->woff < c->wlen)
    {
      ssize_t n = write (c->fd, c->wbuf + c->woff, c->wlen - c->woff);

      if (n < 0)
        {
          if (errno == EAGAIN || errno == EINTR)
            break;
          conn_fail (c, "write", errno);
          return;
        }
      c->woff += n;
    }
  if (c->woff == c->wlen)
    c->woff = c->wlen = 0;
  set_events (c, c->woff < c->wlen);
}

/* What a connection does once connected. */
static void
conn_start (Conn *c)
{
  long first = workload == CONNS ? 1 : depth;

  for (long i = 0; i < first; i++)
    queue_message (c);
  flush_conn (c);
}

static void
conn_readable (Conn *c)
{
  char expected[4096];
  int refill = 0;

  for (;;)
    {
      ssize_t n;
      size_t off = 0;
      size_t asked = c->rcap - c->rlen;

      if (asked < (size_t) msg_size)
        die ("connection %ld: read buffer full (more bytes than were sent)", c->id);
      n = read (c->fd, c->rbuf + c->rlen, asked);
      if (n < 0)
        {
          if (errno == EAGAIN || errno == EINTR)
            break;
          conn_fail (c, "read", errno);
          return;
        }
      if (n == 0)
        {
          fprintf (stderr, "bench-load: connection %ld: the server closed it\n", c->id);
          conn_fail (c, "read", 0);
          return;
        }
      c->rlen += n;

      while (c->rlen - off >= (size_t) msg_size)
        {
          if (c->next_recv >= c->next_send)
            {
              errors += msg_size;
              off += msg_size;
              continue;
            }
          make_message (expected, c->id, c->next_recv);
          if (memcmp (expected, c->rbuf + off, msg_size) != 0)
            {
              for (long i = 0; i < msg_size; i++)
                errors += expected[i] != c->rbuf[off + i];
            }
          if (c->sent_at != NULL && measuring)
            add_latency (now () - c->sent_at[c->next_recv % depth]);
          c->next_recv++;
          off += msg_size;
          total_messages++;
          if (measuring)
            window_messages++;

          if (workload == CONNS && !c->got_first)
            {
              c->got_first = 1;
              n_first++;
              continue; /* idle until the exchange phase */
            }
          if (sending)
            {
              queue_message (c);
              refill = 1;
            }
        }
      memmove (c->rbuf, c->rbuf + off, c->rlen - off);
      c->rlen -= off;
      if ((size_t) n < asked)
        break; /* the kernel had no more for now */
    }
  if (refill)
    flush_conn (c);
}

static void
conn_event (Conn *c, uint32_t events)
{
  if (c->failed)
    return;
  if (!c->connected)
    {
      int err = 0;
      socklen_t len = sizeof err;

      getsockopt (c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0 || (events & (EPOLLERR | EPOLLHUP)) != 0)
        {
          conn_fail (c, "connect", err);
          return;
        }
      c->connected = 1;
      n_connected++;
      conn_start (c);
      return;
    }
  if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
    conn_readable (c);
  if (!c->failed && (events & EPOLLOUT))
    flush_conn (c);
}

static void
conn_open (Conn *c, long id, const struct sockaddr_in *addr)
{
  struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };
  int one = 1;

  memset (c, 0, sizeof *c);
  c->id = id;
  c->want_out = 1;
  c->rcap = (size_t) (depth + 1) * msg_size;
  if (c->rcap < 1024)
    c->rcap = 1024;
  c->rbuf = malloc (c->rcap);
  c->wcap = (size_t) depth * msg_size;
  c->wbuf = malloc (c->wcap);
  if (depth == 1 || workload == PINGPONG)
    c->sent_at = calloc (depth, sizeof (double));
  c->fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0)
    die ("socket: %s (raise ulimit -n)", strerror (errno));
  setsockopt (c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect (c->fd, (const struct sockaddr *) addr, sizeof *addr) < 0 && errno != EINPROGRESS)
    {
      n_failed++;
      c->failed = 1;
      close (c->fd);
      c->fd = -1;
      return;
    }
  if (epoll_ctl (epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
    die ("epoll_ctl: %s", strerror (errno));
}

static void
poll_once (int timeout_ms)
{
  struct epoll_event events[1024];
  int n = epoll_wait (epfd, events, 1024, timeout_ms);

  if (n < 0 && errno != EINTR)
    die ("epoll_wait: %s", strerror (errno));
  for (int i = 0; i < n; i++)
    conn_event (events[i].data.ptr, events[i].events);
}

static long long
in_flight (void)
{
  long long total = 0;

  for (long i = 0; i < n_conns; i++)
    if (!conns[i].failed)
      total += conns[i].next_send - conns[i].next_recv;
  return total;
}

/* Warm-up, measured window, drain. Fills the window's figures. */
static double window_seconds;
static double window_own_cpu;
static long long window_ticks = -1;
static long long rss_end = -1;

static void
run_window (void)
{
  double t, start, end;
  long long ticks0;

  t = now ();
  while (now () - t < warmup)
    poll_once (10);

  ticks0 = server_cpu_ticks ();
  window_own_cpu = own_cpu ();
  measuring = 1;
  start = now ();
  end = start + duration;
  for (;;)
    {
      poll_once (10);
      if (message_limit > 0 ? window_messages >= message_limit : now () >= end)
        break;
      if (n_failed > 0 && n_connected == n_failed)
        break;
    }
  measuring = 0;
  window_seconds = now () - start;
  window_own_cpu = own_cpu () - window_own_cpu;
  if (ticks0 >= 0)
    window_ticks = server_cpu_ticks () - ticks0;
  rss_end = server_rss ();

  sending = 0;
  t = now ();
  while (in_flight () > 0 && now () - t < drain_timeout)
    poll_once (10);
}

static void
close_all (void)
{
  struct linger lg = { .l_onoff = 1, .l_linger = 0 };

  /* Reset rather than FIN: no TIME_WAIT left behind to eat the ephemeral ports of the next
   * rounds. */
  for (long i = 0; i < n_conns; i++)
    if (!conns[i].failed && conns[i].fd >= 0)
      {
        setsockopt (conns[i].fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        close (conns[i].fd);
      }
}

static void
print_common (double clk)
{
  printf ("\"messages\": %lld, \"seconds\": %.4f, \"rate\": %.1f, \"total_echoed\": %lld, "
          "\"errors\": %lld, \"missing\": %lld",
          window_messages, window_seconds,
          window_seconds > 0 ? window_messages / window_seconds : 0.0,
          total_messages, errors, workload == UDP ? 0 : in_flight ());
  printf (", \"client_cpu_s\": %.3f", window_own_cpu);
  if (window_ticks >= 0)
    printf (", \"server_cpu_s\": %.3f, \"server_cpu_ns_per_msg\": %.1f",
            window_ticks / clk,
            window_messages > 0 ? window_ticks / clk * 1e9 / window_messages : 0.0);
  if (rss_end >= 0)
    printf (", \"server_rss\": %lld", rss_end);
  if (n_latencies > 0)
    {
      qsort (latencies, n_latencies, sizeof *latencies, compare_doubles);
      printf (", \"p50_us\": %.1f, \"p99_us\": %.1f",
              percentile (0.50) * 1e6, percentile (0.99) * 1e6);
    }
}

static void
run_tcp (const struct sockaddr_in *addr)
{
  double clk = sysconf (_SC_CLK_TCK);
  long long rss_before = -1, rss_idle = -1;
  double storm_start, connected_at = 0, storm_seconds = 0;

  epfd = epoll_create1 (EPOLL_CLOEXEC);
  conns = calloc (n_conns, sizeof *conns);
  if (conns == NULL)
    die ("out of memory");

  rss_before = server_rss ();
  storm_start = now ();
  for (long i = 0; i < n_conns; i++)
    {
      conn_open (&conns[i], i, addr);
      /* Keep connections that are already up moving while the storm goes on. */
      if (workload != CONNS && i % 64 == 63)
        poll_once (0);
    }

  if (workload == CONNS)
    {
      /* The storm: every connection up and its first message echoed. */
      while (n_first + n_failed < n_conns && now () - storm_start < storm_timeout)
        {
          poll_once (10);
          if (connected_at == 0 && n_connected + n_failed == n_conns)
            connected_at = now ();
        }
      storm_seconds = now () - storm_start;
      if (connected_at == 0)
        connected_at = now ();
      /* Every connection idle now: what the server keeps for each. */
      {
        double t = now ();
        while (now () - t < 0.3)
          poll_once (10);
      }
      rss_idle = server_rss ();
      /* The exchange: one message in flight on every connection. */
      for (long i = 0; i < n_conns; i++)
        if (!conns[i].failed)
          {
            queue_message (&conns[i]);
            flush_conn (&conns[i]);
          }
    }
  else
    {
      while (n_connected + n_failed < n_conns && now () - storm_start < storm_timeout)
        poll_once (10);
    }
  if (n_failed > 0)
    fprintf (stderr, "bench-load: %ld of %ld connections failed\n", n_failed, n_conns);

  run_window ();

  printf ("{\"workload\": \"%s\", \"conns\": %ld, \"depth\": %ld, \"size\": %ld, ",
          workload == PINGPONG ? "pingpong" : workload == PIPELINE ? "pipeline" : "conns",
          n_conns, depth, msg_size);
  print_common (clk);
  printf (", \"connect_failures\": %ld", n_failed);
  if (workload == CONNS)
    {
      printf (", \"first_echoed\": %ld, \"storm_s\": %.4f, \"connect_s\": %.4f, "
              "\"open_rate\": %.1f",
              n_first, storm_seconds, connected_at - storm_start,
              storm_seconds > 0 ? n_first / storm_seconds : 0.0);
      if (rss_before >= 0 && rss_idle >= 0)
        printf (", \"rss_before\": %lld, \"rss_idle\": %lld, \"rss_per_conn\": %.1f",
                rss_before, rss_idle, (double) (rss_idle - rss_before) / n_conns);
    }
  printf ("}\n");
  close_all ();
}

/* ---- UDP ---- */

static void
run_udp (const struct sockaddr_in *addr)
{
  double clk = sysconf (_SC_CLK_TCK);
  char out[4096], in[4096];
  unsigned long long seq = 0;
  double t0, start = 0, end = 0;
  long long ticks0 = -1;
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int phase = 0; /* 0 warm-up, 1 measured, 2 done */

  if (fd < 0)
    die ("socket: %s", strerror (errno));
  if (connect (fd, (const struct sockaddr *) addr, sizeof *addr) < 0)
    die ("connect: %s", strerror (errno));
  epfd = epoll_create1 (EPOLL_CLOEXEC);
  {
    struct epoll_event ev = { .events = EPOLLIN };
    epoll_ctl (epfd, EPOLL_CTL_ADD, fd, &ev);
  }

  t0 = now ();
  while (phase < 2)
    {
      double sent_at, deadline;
      int answered = 0;

      if (phase == 0 && now () - t0 >= warmup)
        {
          phase = 1;
          measuring = 1;
          ticks0 = server_cpu_ticks ();
          window_own_cpu = own_cpu ();
          start = now ();
          end = start + duration;
        }
      make_message (out, 0, seq);
      sent_at = now ();
      if (send (fd, out, msg_size, 0) != msg_size)
        die ("send: %s", strerror (errno));
      deadline = sent_at + udp_timeout_ms / 1000.0;
      while (!answered)
        {
          struct epoll_event ev;
          double left = deadline - now ();
          int n;

          if (left <= 0)
            break;
          n = epoll_wait (epfd, &ev, 1, (int) (left * 1000) + 1);
          if (n <= 0)
            continue;
          for (;;)
            {
              ssize_t got = recv (fd, in, sizeof in, MSG_DONTWAIT);
              unsigned long long their_seq;

              if (got < 0)
                break;
              /* A late answer to a datagram already counted as lost. */
              if (got == msg_size && sscanf (in, "c%*d s%llu", &their_seq) == 1 && their_seq != seq)
                continue;
              if (got != msg_size)
                errors += msg_size;
              else
                for (long i = 0; i < msg_size; i++)
                  errors += in[i] != out[i];
              answered = 1;
              break;
            }
        }
      if (answered)
        {
          total_messages++;
          if (measuring)
            {
              window_messages++;
              add_latency (now () - sent_at);
            }
        }
      else if (measuring)
        lost++;
      seq++;
      if (phase == 1 && (message_limit > 0 ? window_messages >= message_limit : now () >= end))
        {
          phase = 2;
          measuring = 0;
          window_seconds = now () - start;
          window_own_cpu = own_cpu () - window_own_cpu;
          if (ticks0 >= 0)
            window_ticks = server_cpu_ticks () - ticks0;
          rss_end = server_rss ();
        }
    }
  close (fd);

  printf ("{\"workload\": \"udp\", \"size\": %ld, ", msg_size);
  print_common (clk);
  printf (", \"lost\": %lld}\n", lost);
}

int
main (int argc, char *argv[])
{
  static const struct option options[] = {
    { "host", required_argument, NULL, 'H' },
    { "port", required_argument, NULL, 'p' },
    { "workload", required_argument, NULL, 'w' },
    { "duration", required_argument, NULL, 'd' },
    { "warmup", required_argument, NULL, 'W' },
    { "conns", required_argument, NULL, 'c' },
    { "depth", required_argument, NULL, 'D' },
    { "size", required_argument, NULL, 's' },
    { "server-pid", required_argument, NULL, 'P' },
    { "messages", required_argument, NULL, 'm' },
    { "udp-timeout-ms", required_argument, NULL, 'u' },
    { "storm-timeout", required_argument, NULL, 'T' },
    { NULL, 0, NULL, 0 }
  };
  struct sockaddr_in addr = { .sin_family = AF_INET };
  int opt;

  while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1)
    switch (opt)
      {
      case 'H': host = optarg; break;
      case 'p': port = atoi (optarg); break;
      case 'w':
        if (strcmp (optarg, "pingpong") == 0) workload = PINGPONG;
        else if (strcmp (optarg, "pipeline") == 0) workload = PIPELINE;
        else if (strcmp (optarg, "conns") == 0) workload = CONNS;
        else if (strcmp (optarg, "udp") == 0) workload = UDP;
        else die ("unknown workload %s", optarg);
        break;
      case 'd': duration = atof (optarg); break;
      case 'W': warmup = atof (optarg); break;
      case 'c': n_conns = atol (optarg); break;
      case 'D': depth = atol (optarg); break;
      case 's': msg_size = atol (optarg); break;
      case 'P': server_pid = atol (optarg); break;
      case 'm': message_limit = atoll (optarg); break;
      case 'u': udp_timeout_ms = atol (optarg); break;
      case 'T': storm_timeout = atof (optarg); break;
      default: die ("usage: bench-load --port PORT --workload pingpong|pipeline|conns|udp "
                    "[--duration S] [--warmup S] [--conns N] [--depth N] [--size BYTES] "
                    "[--server-pid PID] [--messages N] [--udp-timeout-ms MS]");
      }
  if (port <= 0)
    die ("--port is required");
  if (msg_size < 24 || msg_size > 4096)
    die ("--size must be between 24 and 4096");
  if (n_conns < 0)
    n_conns = workload == PIPELINE ? 50 : workload == CONNS ? 10000 : 1;
  if (depth < 0)
    depth = workload == PIPELINE ? 16 : 1;
  if (workload == PINGPONG)
    n_conns = depth = 1;
  if (n_conns < 1 || depth < 1)
    die ("--conns and --depth must be at least 1");

  {
    struct rlimit rl;
    getrlimit (RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < (rlim_t) n_conns + 64)
      {
        rl.rlim_cur = rl.rlim_max;
        setrlimit (RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < (rlim_t) n_conns + 64)
          die ("%ld connections need ulimit -n of at least %ld (it is %llu)", n_conns,
               n_conns + 64, (unsigned long long) rl.rlim_cur);
      }
  }

  addr.sin_port = htons (port);
  if (inet_pton (AF_INET, host, &addr.sin_addr) != 1)
    die ("--host must be an IPv4 address");

  setvbuf (stdout, NULL, _IOFBF, 1 << 16);
  if (workload == UDP)
    run_udp (&addr);
  else
    run_tcp (&addr);
  fflush (stdout);
  return errors > 0 ? 2 : 0;
}
