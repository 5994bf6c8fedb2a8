/* bench-load: the load generator of gsock's benchmark (plain epoll, no gsock, no GLib)
 *
 *   bench-load --port PORT --workload pingpong|pipeline|conns|udp|udpmany [options]
 *
 * Drives an echo server on loopback and prints one line of JSON with what it measured.
 * Every message is SIZE bytes: SIZE - 1 printable bytes that encode the connection (or flow)
 * and the sequence number, then '\n'. Every byte that comes back is compared with what was
 * sent, so a wrong, missing, repeated or extra byte is counted.
 *
 *   pingpong  one connection, one message in flight: round trips/s, latency percentiles
 *   pipeline  --conns connections (50), --depth messages in flight on each (16)
 *   conns     --conns connections (10000) opened at once as a storm; each sends one message
 *             and waits for its echo (opening rate, server memory per idle connection), then
 *             every connection exchanges messages, one in flight each
 *   udp       one socket, one datagram in flight; a datagram not answered within
 *             --udp-timeout-ms counts as lost
 *   udpmany   --flows UDP sockets (8), --depth datagrams in flight on each (16); every echo
 *             that comes back frees its slot for a new datagram at once, and a datagram not
 *             answered within --udp-timeout-ms is counted as lost and frees its slot too, so
 *             a datagram the kernel drops costs the window one slot for that long only
 *
 * The load generator must not be what limits the rate, so it does less per message than even
 * the raw epoll server: a connection's messages are kept as one byte stream, new ones are a
 * copy of a template whose sequence digits count up in place, all that a connection may send
 * goes out in one write, reads take whatever the kernel has, and what comes back is compared
 * with what was sent by one memcmp per read (the bytes are examined one by one only when
 * they differ). Complete echoes are counted from the bytes that matched (every message has
 * the same size). UDP many-in-flight uses recvmmsg and sendmmsg; ping-pong blocks in read
 * instead of waiting in epoll first. Its own CPU time over the measured window (getrusage,
 * user + system) is in the JSON as client_busy, a fraction of one core: near 1 means the
 * figures measure bench-load, not the server.
 *
 * With --server-pid the server's CPU time (utime + stime from /proc/PID/stat) and resident
 * memory (/proc/PID/statm) are sampled at the edges of the measured window, so the figures
 * per message cover exactly the messages counted; so is the CPU time of everything else on
 * the machine (/proc/stat, less the server and bench-load), other_busy. Phases: warm-up
 * (--warmup s), measured window (--duration s, or until --messages messages when given), then
 * a drain: nothing new is sent and every message in flight must come back.
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
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum workload { PINGPONG, PIPELINE, CONNS, UDP, UDPMANY };
static const char *const workload_names[] = { "pingpong", "pipeline", "conns", "udp", "udpmany" };

static const char *host = "127.0.0.1";
static int port = 0;
static enum workload workload = PIPELINE;
static double duration = 3.0;
static double warmup = 0.5;
static long n_conns = -1;
static long depth = -1;
static long n_flows = 8;
static long msg_size = 64;
static long server_pid = 0;
static long long message_limit = 0;
static long udp_timeout_ms = 100;
static double storm_timeout = 10.0;
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

/* The user + system CPU time of process @pid (0: this one) in clock ticks, or -1. */
static long long
cpu_ticks (long pid)
{
  char path[64], buf[4096];
  FILE *f;
  size_t n;
  char *p;
  unsigned long long utime, stime;

  if (pid > 0)
    snprintf (path, sizeof path, "/proc/%ld/stat", pid);
  else
    snprintf (path, sizeof path, "/proc/self/stat");
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

static long long
server_cpu_ticks (void)
{
  return server_pid > 0 ? cpu_ticks (server_pid) : -1;
}

/* The busy time of all CPUs together (everything but idle and iowait) in clock ticks. */
static long long
machine_busy_ticks (void)
{
  unsigned long long f[10] = { 0 }, busy = 0;
  FILE *file = fopen ("/proc/stat", "r");
  int n;

  if (file == NULL)
    return -1;
  n = fscanf (file, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &f[0], &f[1],
              &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9]);
  fclose (file);
  if (n < 8)
    return -1;
  /* user nice system idle iowait irq softirq steal (guest is inside user already) */
  for (int i = 0; i < 8; i++)
    if (i != 3 && i != 4)
      busy += f[i];
  return (long long) busy;
}

/* This process's own CPU time in seconds (getrusage: microseconds, not ticks). */
static double
own_cpu (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6
         + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

/* The server's resident memory in bytes, or -1. */
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

/* ---- messages ----
 *
 * "c000042 s00000000000017 " then letters that depend on the connection and the position,
 * then '\n'; the datagrams of udpmany carry their slot in the window too ("k0003 " after the
 * sequence number). A connection keeps the next message as a template and counts its
 * sequence digits up in place, so making a message is one copy and, on average, one digit. */

#define SEQ_FIRST 9
#define SEQ_LAST 22
#define SLOT_AT 25
#define MIN_SIZE 32

static void
template_init (char *out, long id)
{
  int n = snprintf (out, msg_size, "c%06ld s%014llu k0000 ", id % 1000000, 0ULL);

  for (long i = n; i < msg_size - 1; i++)
    out[i] = 'a' + (char) ((id + i) % 26);
  out[msg_size - 1] = '\n';
}

static inline void
seq_increment (char *message)
{
  char *d = message + SEQ_LAST;

  while (*d == '9')
    *d-- = '0';
  (*d)++;
}

/* Whether @message is, byte for byte, an earlier message of the same connection (or slot)
 * than @current: only the sequence digits differ, and they are smaller (fixed-width digits
 * compare as the numbers do). */
static int
is_older (const char *message, const char *current)
{
  return memcmp (message, current, SEQ_FIRST) == 0
         && memcmp (message + SEQ_LAST + 1, current + SEQ_LAST + 1, msg_size - SEQ_LAST - 1) == 0
         && memcmp (message + SEQ_FIRST, current + SEQ_FIRST, SEQ_LAST + 1 - SEQ_FIRST) < 0;
}

/* How many of @n bytes at @a and @b differ. */
static long long
count_differences (const char *a, const char *b, size_t n)
{
  long long differ = 0;

  for (size_t i = 0; i < n; i++)
    differ += a[i] != b[i];
  return differ;
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
static int measuring;             /* inside the measured window */
static int sending = 1;           /* new messages may be sent */
static long long window_messages; /* messages echoed inside the window */
static long long total_messages;  /* messages echoed, all phases */
static long long errors;          /* bytes that differ from what was sent */
static long long missing;         /* messages sent and never echoed (TCP) */
static long long lost;            /* UDP datagrams sent in the window and never answered */
static long long late;            /* UDP answers that came after their datagram timed out */
static long long window_sent;     /* UDP datagrams sent inside the window */
static long long io_calls;        /* bench-load's reads, writes and epoll_waits */

/* The measured window's figures. */
static double window_start;
static double window_seconds;
static double window_own_cpu;
static long long window_ticks = -1;
static long long window_other_ticks = -1;
static long long rss_end = -1;

static long long ticks0, own_ticks0, busy_ticks0, io_calls0;
static long long window_io_calls;

static void
window_open (void)
{
  ticks0 = server_cpu_ticks ();
  own_ticks0 = cpu_ticks (0);
  busy_ticks0 = machine_busy_ticks ();
  window_own_cpu = own_cpu ();
  io_calls0 = io_calls;
  measuring = 1;
  window_start = now ();
}

static void
window_close (void)
{
  long long busy = machine_busy_ticks (), own = cpu_ticks (0), server = server_cpu_ticks ();

  measuring = 0;
  window_io_calls = io_calls - io_calls0;
  window_seconds = now () - window_start;
  window_own_cpu = own_cpu () - window_own_cpu;
  if (ticks0 >= 0 && server >= 0)
    window_ticks = server - ticks0;
  if (busy_ticks0 >= 0 && busy >= 0 && own_ticks0 >= 0 && own >= 0)
    {
      window_other_ticks = (busy - busy_ticks0) - (own - own_ticks0)
                           - (window_ticks >= 0 ? window_ticks : 0);
      if (window_other_ticks < 0)
        window_other_ticks = 0;
    }
  rss_end = server_rss ();
}

static int
window_over (double t)
{
  return message_limit > 0 ? window_messages >= message_limit : t >= window_start + duration;
}

/* ---- TCP: pipeline and the storm ---- */

typedef struct
{
  int fd;
  long id;
  int connected;
  int failed;
  int got_first;                /* the storm's first echo arrived */
  int want_out;
  char *next;                   /* the next message to send */
  unsigned long long next_send; /* messages made */
  unsigned long long next_recv; /* messages echoed whole */
  unsigned long long recv_bytes;
  /* The stream: [rpos, spos) written and not echoed yet, [spos, end) not written yet. */
  char *sbuf;
  size_t cap, rpos, spos, end;
} Conn;

static int epfd;
static Conn *conns;
static long n_connected, n_failed, n_first;
static char rbuf[65536];

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
queue_messages (Conn *c, unsigned long long k)
{
  size_t need = k * msg_size;

  if (c->end + need > c->cap)
    {
      /* Compact (what is in flight is at most depth messages), then grow if still needed. */
      memmove (c->sbuf, c->sbuf + c->rpos, c->end - c->rpos);
      c->spos -= c->rpos;
      c->end -= c->rpos;
      c->rpos = 0;
      if (c->end + need > c->cap)
        {
          c->cap = (c->end + need) * 2;
          c->sbuf = realloc (c->sbuf, c->cap);
          if (c->sbuf == NULL)
            die ("out of memory");
        }
    }
  for (unsigned long long i = 0; i < k; i++)
    {
      memcpy (c->sbuf + c->end, c->next, msg_size);
      c->end += msg_size;
      seq_increment (c->next);
    }
  c->next_send += k;
}

static void
conn_fail (Conn *c, const char *what, int err)
{
  if (c->failed)
    return;
  if (!c->connected)
    n_failed++;
  else
    fprintf (stderr, "bench-load: connection %ld: %s: %s\n", c->id, what,
             err ? strerror (err) : "closed by the server");
  c->failed = 1;
  epoll_ctl (epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close (c->fd);
  c->fd = -1;
}

static void
flush_conn (Conn *c)
{
  while (c->spos < c->end)
    {
      ssize_t n = write (c->fd, c->sbuf + c->spos, c->end - c->spos);
      io_calls++;

      if (n < 0)
        {
          if (errno == EAGAIN || errno == EINTR)
            break;
          conn_fail (c, "write", errno);
          return;
        }
      c->spos += n;
    }
  set_events (c, c->spos < c->end);
}

/* What a connection does once connected. */
static void
conn_start (Conn *c)
{
  queue_messages (c, workload == CONNS ? 1 : depth);
  flush_conn (c);
}

static void
conn_readable (Conn *c)
{
  unsigned long long done;

  for (;;)
    {
      ssize_t n = read (c->fd, rbuf, sizeof rbuf);
      io_calls++;
      size_t expected;

      if (n < 0)
        {
          if (errno == EAGAIN || errno == EINTR)
            break;
          conn_fail (c, "read", errno);
          return;
        }
      if (n == 0)
        {
          conn_fail (c, "read", 0);
          return;
        }
      /* Only what was written can come back. */
      expected = c->spos - c->rpos;
      if ((size_t) n > expected)
        {
          errors += n - expected;
          n = expected;
        }
      if (memcmp (rbuf, c->sbuf + c->rpos, n) != 0)
        errors += count_differences (rbuf, c->sbuf + c->rpos, n);
      c->rpos += n;
      c->recv_bytes += n;
      if ((size_t) n < sizeof rbuf)
        break; /* the kernel had no more for now */
    }

  done = c->recv_bytes / msg_size - c->next_recv;
  if (done == 0)
    return;
  c->next_recv += done;
  total_messages += done;
  if (measuring)
    window_messages += done;
  if (workload == CONNS && !c->got_first)
    {
      c->got_first = 1;
      n_first++;
      return; /* idle until the exchange phase */
    }
  if (sending)
    {
      queue_messages (c, done);
      flush_conn (c);
    }
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
  c->cap = (size_t) depth * msg_size * 4;
  c->sbuf = malloc (c->cap);
  c->next = malloc (msg_size);
  if (c->sbuf == NULL || c->next == NULL)
    die ("out of memory");
  template_init (c->next, id);
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
  io_calls++;

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

/* Warm-up, measured window, drain. */
static void
run_window (void)
{
  double t;

  t = now ();
  while (now () - t < warmup)
    poll_once (10);

  window_open ();
  for (;;)
    {
      poll_once (10);
      if (window_over (now ()))
        break;
      if (n_failed > 0 && n_connected == n_failed)
        break;
    }
  window_close ();

  sending = 0;
  t = now ();
  while (in_flight () > 0 && now () - t < drain_timeout)
    poll_once (10);
  missing = in_flight ();
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
print_common (void)
{
  double clk = sysconf (_SC_CLK_TCK);

  printf ("\"messages\": %lld, \"seconds\": %.4f, \"rate\": %.1f, \"total_echoed\": %lld, "
          "\"errors\": %lld, \"missing\": %lld",
          window_messages, window_seconds,
          window_seconds > 0 ? window_messages / window_seconds : 0.0,
          total_messages, errors, missing);
  printf (", \"client_cpu_s\": %.3f, \"client_busy\": %.3f", window_own_cpu,
          window_seconds > 0 ? window_own_cpu / window_seconds : 0.0);
  printf (", \"client_io_calls_per_msg\": %.3f",
          window_messages > 0 ? (double) window_io_calls / window_messages : 0.0);
  if (window_other_ticks >= 0 && window_seconds > 0)
    printf (", \"other_busy\": %.3f", window_other_ticks / clk / window_seconds);
  if (window_ticks >= 0)
    printf (", \"server_cpu_s\": %.3f, \"server_busy\": %.3f, \"server_cpu_ns_per_msg\": %.1f",
            window_ticks / clk, window_seconds > 0 ? window_ticks / clk / window_seconds : 0.0,
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
  long long rss_before = -1, rss_idle = -1;
  double storm_start, connected_at = 0, storm_seconds = 0, storm_cpu = 0;

  epfd = epoll_create1 (EPOLL_CLOEXEC);
  conns = calloc (n_conns, sizeof *conns);
  if (conns == NULL)
    die ("out of memory");

  rss_before = server_rss ();
  storm_cpu = own_cpu ();
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
      storm_cpu = own_cpu () - storm_cpu;
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
            queue_messages (&conns[i], 1);
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
          workload_names[workload], n_conns, workload == CONNS ? 1 : depth, msg_size);
  print_common ();
  printf (", \"connect_failures\": %ld", n_failed);
  if (workload == CONNS)
    {
      printf (", \"first_echoed\": %ld, \"storm_s\": %.4f, \"connect_s\": %.4f, "
              "\"open_rate\": %.1f, \"storm_client_busy\": %.3f",
              n_first, storm_seconds, connected_at - storm_start,
              storm_seconds > 0 ? n_first / storm_seconds : 0.0,
              storm_seconds > 0 ? storm_cpu / storm_seconds : 0.0);
      if (rss_before >= 0 && rss_idle >= 0)
        printf (", \"rss_before\": %lld, \"rss_idle\": %lld, \"rss_per_conn\": %.1f",
                rss_before, rss_idle, (double) (rss_idle - rss_before) / n_conns);
    }
  printf ("}\n");
  close_all ();
}

/* ---- ping-pong, TCP and UDP ---- */

/* One socket, one message in flight, blocking: a write (send), then reads until the echo is
 * whole. Cheaper than the server's epoll_wait + read + write per round trip. */
static void
run_pingpong (const struct sockaddr_in *addr)
{
  int udp = workload == UDP;
  int fd = socket (AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  int one = 1;
  long timeout_ms = udp ? udp_timeout_ms : (long) (drain_timeout * 1000);
  struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = timeout_ms % 1000 * 1000 };
  char *out = malloc (msg_size), *in = malloc (msg_size + 1);
  double t0, t, start;
  int phase = 0; /* 0 warm-up, 1 measured */

  if (fd < 0 || out == NULL || in == NULL)
    die ("socket: %s", strerror (errno));
  if (!udp)
    setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect (fd, (const struct sockaddr *) addr, sizeof *addr) < 0)
    die ("connect: %s", strerror (errno));
  template_init (out, 0);

  start = t0 = t = now ();
  for (;;)
    {
      ssize_t n;
      size_t got = 0;
      int answered = 0;

      if (phase == 0 && t - start >= warmup)
        {
          phase = 1;
          window_open ();
        }
      else if (phase == 1 && window_over (t))
        break;

      n = send (fd, out, msg_size, 0);
      io_calls++;
      if (n != msg_size)
        die ("send: %s", n < 0 ? strerror (errno) : "short");
      if (udp)
        for (;;)
          {
            /* One byte more than sent: a longer datagram shows as longer. */
            n = recv (fd, in, msg_size + 1, 0);
            io_calls++;
            if (n < 0)
              {
                if (errno == EINTR)
                  continue;
                if (errno != EAGAIN)
                  die ("recv: %s", strerror (errno));
                break; /* timed out: lost */
              }
            if (n == msg_size && memcmp (in, out, msg_size) == 0)
              {
                answered = 1;
                break;
              }
            /* A late answer to a datagram already counted as lost (fixed-width digits compare
             * as numbers do). */
            if (n == msg_size && is_older (in, out))
              {
                late++;
                continue;
              }
            errors += n == msg_size ? count_differences (in, out, msg_size) : msg_size;
            answered = 1;
            break;
          }
      else
        {
          while (got < (size_t) msg_size)
            {
              n = recv (fd, in + got, msg_size - got, 0);
              io_calls++;
              if (n < 0 && errno == EINTR)
                continue;
              if (n <= 0)
                {
                  fprintf (stderr, "bench-load: ping-pong: %s\n",
                           n == 0 ? "the server closed the connection"
                                  : errno == EAGAIN ? "no echo in time" : strerror (errno));
                  missing = 1;
                  break;
                }
              got += n;
            }
          if (missing)
            {
              if (phase == 1)
                window_close ();
              phase = 2;
              break;
            }
          if (memcmp (in, out, msg_size) != 0)
            errors += count_differences (in, out, msg_size);
          answered = 1;
        }

      t = now ();
      if (answered)
        {
          total_messages++;
          if (measuring)
            {
              window_messages++;
              add_latency (t - t0);
            }
        }
      else if (measuring)
        lost++;
      if (measuring)
        window_sent++;
      t0 = t;
      seq_increment (out);
    }
  if (phase == 1)
    window_close ();
  close (fd);

  printf ("{\"workload\": \"%s\", \"conns\": 1, \"depth\": 1, \"size\": %ld, ",
          workload_names[workload], msg_size);
  print_common ();
  if (udp)
    printf (", \"sent\": %lld, \"lost\": %lld, \"late\": %lld", window_sent, lost, late);
  printf ("}\n");
}

/* ---- UDP, many datagrams in flight ---- */

typedef struct
{
  double sent_at;
  int pending;
  int in_window; /* sent inside the measured window */
} Slot;

typedef struct
{
  int fd;
  long id;
  char *next;  /* the next datagram (its slot digits are filled in when sent) */
  char *data;  /* depth datagrams: what is in flight in each slot */
  Slot *slots;
  int *free_slots;
  long n_free;
} Flow;

static Flow *flows;

#define BATCH 64

static void
flow_send (Flow *f, double t)
{
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  int taken[BATCH];
  int n = 0, sent;

  while (f->n_free > 0 && n < BATCH)
    {
      int s = f->free_slots[--f->n_free];
      char *d = f->data + (size_t) s * msg_size;

      memcpy (d, f->next, msg_size);
      d[SLOT_AT] = '0' + s / 1000 % 10;
      d[SLOT_AT + 1] = '0' + s / 100 % 10;
      d[SLOT_AT + 2] = '0' + s / 10 % 10;
      d[SLOT_AT + 3] = '0' + s % 10;
      seq_increment (f->next);
      f->slots[s].sent_at = t;
      f->slots[s].pending = 1;
      f->slots[s].in_window = measuring;
      iov[n] = (struct iovec) { d, msg_size };
      msgs[n] = (struct mmsghdr) { .msg_hdr = { .msg_iov = &iov[n], .msg_iovlen = 1 } };
      taken[n++] = s;
    }
  if (n == 0)
    return;
  sent = sendmmsg (f->fd, msgs, n, 0);
  io_calls++;
  if (sent < 0)
    {
      if (errno != EAGAIN && errno != ENOBUFS && errno != EINTR && errno != ECONNREFUSED)
        die ("sendmmsg: %s", strerror (errno));
      sent = 0;
    }
  if (measuring)
    window_sent += sent;
  /* What the kernel did not take was never sent: its slots are free again. */
  for (int i = sent; i < n; i++)
    {
      f->slots[taken[i]].pending = 0;
      f->free_slots[f->n_free++] = taken[i];
    }
}

static char udp_bufs[BATCH][4096 + 1];

static void
flow_receive (Flow *f)
{
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  int n;

  for (int i = 0; i < BATCH; i++)
    {
      iov[i] = (struct iovec) { udp_bufs[i], msg_size + 1 };
      msgs[i] = (struct mmsghdr) { .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
    }
  do
    {
      n = recvmmsg (f->fd, msgs, BATCH, MSG_DONTWAIT, NULL);
      io_calls++;
      if (n < 0)
        {
          if (errno != EAGAIN && errno != EINTR && errno != ECONNREFUSED)
            die ("recvmmsg: %s", strerror (errno));
          return;
        }
      for (int i = 0; i < n; i++)
        {
          const char *in = udp_bufs[i];
          size_t len = msgs[i].msg_len;
          int s = -1;
          const char *d;

          if (len == (size_t) msg_size)
            {
              s = 0;
              for (int k = 0; k < 4; k++)
                {
                  unsigned digit = (unsigned char) in[SLOT_AT + k] - '0';
                  s = digit > 9 ? -1 : s * 10 + (int) digit;
                  if (s < 0)
                    break;
                }
              if (s >= depth)
                s = -1;
            }
          if (s < 0)
            {
              errors += msg_size;
              continue;
            }
          d = f->data + (size_t) s * msg_size;
          if (f->slots[s].pending
              && memcmp (in + SEQ_FIRST, d + SEQ_FIRST, SEQ_LAST + 1 - SEQ_FIRST) == 0)
            {
              /* The answer to the datagram in this slot: right or not, the slot is free. */
              if (memcmp (in, d, msg_size) != 0)
                errors += count_differences (in, d, msg_size);
              f->slots[s].pending = 0;
              f->free_slots[f->n_free++] = s;
              total_messages++;
              if (measuring)
                window_messages++;
              continue;
            }
          /* This flow's datagram for that slot, but older than the one in it now, or the one in
           * it when that is free again: the answer to a datagram already counted as lost (or a
           * second answer). */
          if (is_older (in, d) || (!f->slots[s].pending && memcmp (in, d, msg_size) == 0))
            {
              late++;
              continue;
            }
          errors += count_differences (in, d, msg_size);
        }
    }
  while (n == BATCH);
}

/* Frees the slots whose datagram has not come back in time: lost. */
static long
flow_expire (Flow *f, double t)
{
  double timeout = udp_timeout_ms / 1000.0;
  long pending = 0;

  for (long s = 0; s < depth; s++)
    {
      if (!f->slots[s].pending)
        continue;
      if (t - f->slots[s].sent_at < timeout)
        {
          pending++;
          continue;
        }
      f->slots[s].pending = 0;
      f->free_slots[f->n_free++] = (int) s;
      if (f->slots[s].in_window)
        lost++;
    }
  return pending;
}

static void
run_udpmany (const struct sockaddr_in *addr)
{
  double t, last_expire, phase_start;
  int phase = 0; /* 0 warm-up, 1 measured, 2 drain */
  long pending = 1;

  if (msg_size < MIN_SIZE)
    die ("udpmany needs --size of at least %d", MIN_SIZE);
  if (depth > 9999)
    die ("udpmany takes at most 9999 datagrams in flight per flow");
  epfd = epoll_create1 (EPOLL_CLOEXEC);
  flows = calloc (n_flows, sizeof *flows);
  if (flows == NULL)
    die ("out of memory");
  for (long i = 0; i < n_flows; i++)
    {
      Flow *f = &flows[i];
      struct epoll_event ev = { .events = EPOLLIN, .data.ptr = f };

      f->id = i;
      f->fd = socket (AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (f->fd < 0)
        die ("socket: %s", strerror (errno));
      if (connect (f->fd, (const struct sockaddr *) addr, sizeof *addr) < 0)
        die ("connect: %s", strerror (errno));
      f->next = malloc (msg_size);
      f->data = malloc ((size_t) depth * msg_size);
      f->slots = calloc (depth, sizeof *f->slots);
      f->free_slots = malloc (depth * sizeof *f->free_slots);
      if (f->next == NULL || f->data == NULL || f->slots == NULL || f->free_slots == NULL)
        die ("out of memory");
      template_init (f->next, i);
      for (long s = depth - 1; s >= 0; s--)
        f->free_slots[f->n_free++] = (int) s;
      epoll_ctl (epfd, EPOLL_CTL_ADD, f->fd, &ev);
    }

  t = last_expire = phase_start = now ();
  for (long i = 0; i < n_flows; i++)
    flow_send (&flows[i], t);
  for (;;)
    {
      struct epoll_event events[256];
      int n = epoll_wait (epfd, events, 256, 5);
      io_calls++;

      if (n < 0 && errno != EINTR)
        die ("epoll_wait: %s", strerror (errno));
      t = now ();
      for (int i = 0; i < n; i++)
        {
          Flow *f = events[i].data.ptr;

          flow_receive (f);
          if (sending)
            flow_send (f, t);
        }
      if (t - last_expire >= 0.005 || phase == 2)
        {
          last_expire = t;
          pending = 0;
          for (long i = 0; i < n_flows; i++)
            {
              pending += flow_expire (&flows[i], t);
              if (sending)
                flow_send (&flows[i], t);
            }
        }

      if (phase == 0 && t - phase_start >= warmup)
        {
          phase = 1;
          window_open ();
        }
      else if (phase == 1 && window_over (t))
        {
          window_close ();
          phase = 2;
          sending = 0;
          phase_start = t;
        }
      else if (phase == 2 && (pending == 0 || t - phase_start >= drain_timeout))
        break;
    }
  for (long i = 0; i < n_flows; i++)
    close (flows[i].fd);

  printf ("{\"workload\": \"udpmany\", \"flows\": %ld, \"depth\": %ld, \"size\": %ld, ",
          n_flows, depth, msg_size);
  print_common ();
  printf (", \"sent\": %lld, \"lost\": %lld, \"late\": %lld}\n", window_sent, lost, late);
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
    { "flows", required_argument, NULL, 'f' },
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
        {
          size_t i;

          for (i = 0; i < sizeof workload_names / sizeof *workload_names; i++)
            if (strcmp (optarg, workload_names[i]) == 0)
              break;
          if (i == sizeof workload_names / sizeof *workload_names)
            die ("unknown workload %s", optarg);
          workload = (enum workload) i;
        }
        break;
      case 'd': duration = atof (optarg); break;
      case 'W': warmup = atof (optarg); break;
      case 'c': n_conns = atol (optarg); break;
      case 'D': depth = atol (optarg); break;
      case 'f': n_flows = atol (optarg); break;
      case 's': msg_size = atol (optarg); break;
      case 'P': server_pid = atol (optarg); break;
      case 'm': message_limit = atoll (optarg); break;
      case 'u': udp_timeout_ms = atol (optarg); break;
      case 'T': storm_timeout = atof (optarg); break;
      default: die ("usage: bench-load --port PORT "
                    "--workload pingpong|pipeline|conns|udp|udpmany "
                    "[--duration S] [--warmup S] [--conns N] [--depth N] [--flows N] "
                    "[--size BYTES] [--server-pid PID] [--messages N] [--udp-timeout-ms MS] "
                    "[--storm-timeout S]");
      }
  if (port <= 0)
    die ("--port is required");
  if (msg_size < MIN_SIZE || msg_size > 4096)
    die ("--size must be between %d and 4096", MIN_SIZE);
  if (n_conns < 0)
    n_conns = workload == PIPELINE ? 50 : workload == CONNS ? 10000 : 1;
  if (depth < 0)
    depth = workload == PIPELINE || workload == UDPMANY ? 16 : 1;
  if (workload == PINGPONG || workload == UDP)
    n_conns = depth = 1;
  if (n_conns < 1 || depth < 1 || n_flows < 1)
    die ("--conns, --depth and --flows must be at least 1");

  {
    struct rlimit rl;
    long want = (workload == UDPMANY ? n_flows : n_conns) + 64;

    getrlimit (RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < (rlim_t) want)
      {
        rl.rlim_cur = rl.rlim_max;
        setrlimit (RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < (rlim_t) want)
          die ("%ld sockets need ulimit -n of at least %ld (it is %llu)", want - 64, want,
               (unsigned long long) rl.rlim_cur);
      }
  }

  addr.sin_port = htons (port);
  if (inet_pton (AF_INET, host, &addr.sin_addr) != 1)
    die ("--host must be an IPv4 address");

  setvbuf (stdout, NULL, _IOFBF, 1 << 16);
  if (workload == UDPMANY)
    run_udpmany (&addr);
  else if (workload == PINGPONG || workload == UDP)
    run_pingpong (&addr);
  else
    run_tcp (&addr);
  fflush (stdout);
  return errors > 0 ? 2 : 0;
}
