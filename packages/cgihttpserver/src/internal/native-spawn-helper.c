/*
 * The native spawn helper: the same job and protocol as spawn-helper.ts (see there and
 * spawn-protocol.ts), in C, so that a script starts with vfork() + execve() instead of
 * Node's fork() of a whole V8 process. No Python counterpart.
 *
 * Channels: fd 3 is the Node IPC channel (one JSON object per line, NODE_CHANNEL_FD);
 * a Unix socket in a private (0700) directory takes one connection per script stdout
 * (a spec frame, then nothing) and one per script stdin (`i<id>\n`, then the body).
 * Every descriptor of this process is close-on-exec: a script inherits only 0, 1 and 2.
 * The messages it sends are in native-spawn-messages.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <dirent.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "native-spawn-messages.h"

#define MAX_FRAME (1024 * 1024)
#define MAX_FIELDS 65536
#define REMEMBER_EXITED 4096
#define MAX_WAITING 1024

/* A connection not yet given to a script: its first bytes are being read. */
struct conn { int fd; char *buf; size_t len, cap; };
/* A spec waiting for its stdin connection, or a stdin connection waiting for its spec. */
struct wait { long id; char *frame; size_t len; int out, in; };
/* A job: running (pid > 0, exited 0) or exited and remembered for group kills. */
struct job { long id; pid_t pid; int err; int exited; };

static struct conn *conns; static size_t nconns;
static struct wait *waits; static size_t nwaits;
static struct job *jobs; static size_t njobs;
static size_t nexited;
static char dir[] = "/tmp/httpstack-cgi-XXXXXX";
static char sockpath[sizeof dir + 16];
static int devnull;
static char ipcbuf[65536]; static size_t ipclen;

static void *grow(void *p, size_t n, size_t size) {
  void *q = realloc(p, (n + 1) * size);
  if (q == NULL) _exit(70);
  return q;
}

static void fail(long id, int e) {
  sendf("{\"t\":\"failed\",\"id\":%ld,\"code\":\"%s\",\"message\":\"spawn %s\"}\n", id, errno_code(e), errno_code(e));
}

/*
 * The paths to try for `file`, as execvp() would, on the script's PATH (the server's own is
 * not ours to use): `file` itself when it holds a slash. Made before vfork(); the child
 * tries them in order, as the script's user, so a directory it may not enter is skipped.
 */
__attribute__((noinline)) static size_t candidates(const char *file, char **env, char *buf, size_t size, char **out, size_t max) {
  if (strchr(file, '/') != NULL) { out[0] = (char *)file; return 1; }
  const char *path = "/usr/local/bin:/usr/bin:/bin";
  for (char **e = env; *e != NULL; e++) if (strncmp(*e, "PATH=", 5) == 0) path = *e + 5;
  size_t n = 0, used = 0;
  for (const char *p = path; n < max; p++) {
    const char *end = strchrnul(p, ':');
    int w = snprintf(buf + used, size - used, "%.*s/%s", (int)(end - p), end == p ? "." : p, file);
    if (end == p) w = snprintf(buf + used, size - used, "./%s", file);
    if (w < 0 || (size_t)w >= size - used) break;
    out[n++] = buf + used;
    used += (size_t)w + 1;
    if (*end == '\0') break;
    p = end;
  }
  return n;
}

/*
 * Starts a script from a spec frame: NUL-terminated fields id, stdin, uid, gid, cwd, file,
 * argc, the arguments, then `NAME=value` environment entries. Returns 0 or an errno.
 */
static int start(char *frame, size_t len, int out, int in, pid_t *pid_out, int *err_out) {
  static char *fields[MAX_FIELDS + 1], *argv[MAX_FIELDS + 1], *env[MAX_FIELDS + 1];
  size_t n = 0, i = 0;
  while (i < len && n < MAX_FIELDS) { fields[n++] = frame + i; i += strlen(frame + i) + 1; }
  if (i < len) return E2BIG; /* more fields than we take: refused, never cut short */
  long argc = n >= 7 ? atol(fields[6]) : -1;
  if (argc < 0 || (size_t)argc + 7 > n) return EINVAL;
  argv[0] = fields[5];
  for (long i = 0; i < argc; i++) argv[i + 1] = fields[7 + i];
  argv[argc + 1] = NULL;
  size_t ne = 0;
  for (size_t i = 7 + (size_t)argc; i < n; i++) env[ne++] = fields[i];
  env[ne] = NULL;
  long uid = fields[2][0] ? atol(fields[2]) : -1, gid = fields[3][0] ? atol(fields[3]) : -1;
  const char *cwd = fields[4];
  static char paths[16384], *tries[256];
  size_t ntries = candidates(fields[5], env, paths, sizeof paths, tries, 256);
  if (ntries == 0) return ENOENT;
  int err[2];
  if (pipe2(err, O_CLOEXEC) != 0) return errno;
  volatile int child_errno = 0, in_fd = in >= 0 ? in : devnull;
  sigset_t none;
  sigemptyset(&none);
  pid_t pid = vfork();
  if (pid == 0) {
    /* The child: shares our memory until execve, so it only makes system calls. */
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (setsid() < 0 || dup2(in_fd, 0) < 0 || dup2(out, 1) < 0 || dup2(err[1], 2) < 0 ||
        chdir(cwd) != 0 || (uid >= 0 && (setgroups(0, NULL) != 0 || setgid((gid_t)gid) != 0 || setuid((uid_t)uid) != 0))) {
      child_errno = errno;
      _exit(127);
    }
    int denied = 0;
    for (size_t i = 0; i < ntries; i++) {
      execve(tries[i], argv, env);
      if (errno == EACCES) denied = 1;
      else if (errno != ENOENT && errno != ENOTDIR) break;
    }
    child_errno = denied && (errno == ENOENT || errno == ENOTDIR) ? EACCES : errno;
    _exit(127);
  }
  close(err[1]);
  if (pid < 0 || child_errno != 0) {
    int e = pid < 0 ? errno : child_errno;
    if (pid > 0) waitpid(pid, NULL, 0);
    close(err[0]);
    return e;
  }
  fcntl(err[0], F_SETFL, O_NONBLOCK);
  *pid_out = pid;
  *err_out = err[0];
  return 0;
}

static void launch(char *frame, size_t len, int out, int in) {
  long id = atol(frame);
  pid_t pid = 0;
  int err = -1;
  int e = start(frame, len, out, in, &pid, &err);
  close(out);
  if (in >= 0) close(in);
  if (e != 0) return fail(id, e);
  jobs = grow(jobs, njobs, sizeof *jobs);
  jobs[njobs++] = (struct job){ id, pid, err, 0 };
  /* Only a server with a body to send waits for this (it must not write before the spawn). */
  if (in >= 0) sendf("{\"t\":\"spawned\",\"id\":%ld,\"pid\":%d}\n", id, (int)pid);
}

/* Pairs a spec (`frame`, `out`) or a stdin connection (`in`) with its other half. */
static void arrive(long id, char *frame, size_t len, int out, int in) {
  int wants_stdin = frame != NULL && len > 0 && strlen(frame) + 1 < len && frame[strlen(frame) + 1] == '1';
  for (size_t i = 0; i < nwaits; i++) {
    if (waits[i].id != id) continue;
    struct wait w = waits[i];
    waits[i] = waits[--nwaits];
    if (frame == NULL) launch(w.frame, w.len, w.out, in);
    else launch(frame, len, out, w.in);
    free(frame != NULL ? frame : w.frame);
    return;
  }
  if (frame != NULL && !wants_stdin) { launch(frame, len, out, -1); free(frame); return; }
  if (nwaits >= MAX_WAITING) { /* half-made jobs of a server that gave up on them: drop the oldest */
    if (waits[0].out >= 0) close(waits[0].out);
    if (waits[0].in >= 0) close(waits[0].in);
    free(waits[0].frame);
    memmove(waits, waits + 1, --nwaits * sizeof *waits);
  }
  waits = grow(waits, nwaits, sizeof *waits);
  waits[nwaits++] = (struct wait){ id, frame, len, out, in };
}

/* Reads a connection's first bytes; returns 1 when it is done with (handed on or closed). */
static int read_conn(struct conn *c) {
  if (c->len == c->cap) {
    c->cap = c->cap ? c->cap * 2 : 4096;
    if (c->cap > MAX_FRAME + 32) return close(c->fd), 1;
    c->buf = grow(c->buf, c->cap, 1);
  }
  ssize_t r = read(c->fd, c->buf + c->len, c->cap - c->len);
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
  if (r <= 0) return close(c->fd), 1;
  c->len += (size_t)r;
  if (c->buf[0] == 'i') {
    char *nl = memchr(c->buf, '\n', c->len);
    if (nl == NULL) return 0;
    fcntl(c->fd, F_SETFL, 0); /* the script gets it blocking */
    arrive(atol(c->buf + 1), NULL, 0, -1, c->fd);
    return 1;
  }
  /* 'o' <length> ':' <frame> */
  char *colon = memchr(c->buf, ':', c->len);
  if (c->buf[0] != 'o' || (colon == NULL && c->len > 16)) return close(c->fd), 1;
  if (colon == NULL) return 0;
  size_t want = (size_t)atol(c->buf + 1), head = (size_t)(colon - c->buf) + 1;
  if (want > MAX_FRAME) return close(c->fd), 1;
  if (c->len < head + want) return 0;
  char *frame = malloc(want + 1);
  if (frame == NULL) _exit(70);
  memcpy(frame, c->buf + head, want);
  frame[want] = '\0';
  fcntl(c->fd, F_SETFL, 0);
  arrive(atol(frame), frame, want, c->fd, -1);
  return 1;
}

static struct job *find(pid_t pid, long id) {
  for (size_t i = njobs; i-- > 0; ) if (pid ? jobs[i].pid == pid && !jobs[i].exited : jobs[i].id == id) return &jobs[i];
  return NULL;
}

static void relay_stderr(struct job *j) {
  char text[4096];
  for (;;) {
    ssize_t r = read(j->err, text, sizeof text);
    if (r > 0) { send_text(j->id, text, (size_t)r); continue; }
    if (r == 0 || (errno != EAGAIN && errno != EINTR)) { close(j->err); j->err = -1; }
    return;
  }
}

static void forget_exited(void) {
  if (nexited <= REMEMBER_EXITED) return;
  for (size_t i = 0; i < njobs; i++) {
    if (!jobs[i].exited || jobs[i].err >= 0) continue;
    jobs[i] = jobs[--njobs];
    nexited--;
    return;
  }
}

static void reap(void) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    struct job *j = find(pid, 0);
    if (j == NULL) continue;
    if (j->err >= 0) relay_stderr(j);
    j->exited = 1;
    nexited++;
    if (WIFSIGNALED(status)) sendf("{\"t\":\"exit\",\"id\":%ld,\"code\":null,\"signal\":\"%s\"}\n", j->id, signal_name(WTERMSIG(status)));
    else sendf("{\"t\":\"exit\",\"id\":%ld,\"code\":%d,\"signal\":null}\n", j->id, WEXITSTATUS(status));
    forget_exited();
  }
}

static void shutdown_all(int code) {
  for (size_t i = 0; i < njobs; i++) if (!jobs[i].exited) kill(-jobs[i].pid, SIGKILL);
  unlink(sockpath);
  rmdir(dir);
  _exit(code);
}

/* Handles the server's lines: `{"t":"kill","id":N,"signal":"SIGTERM"}`; others are ignored. */
static void read_ipc(void) {
  ssize_t r = read(IPC, ipcbuf + ipclen, sizeof ipcbuf - ipclen);
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (r <= 0) shutdown_all(0); /* the server disconnected or died */
  ipclen += (size_t)r;
  char *line = ipcbuf, *nl;
  while ((nl = memchr(line, '\n', ipclen - (size_t)(line - ipcbuf))) != NULL) {
    *nl = '\0';
    char *id = strstr(line, "\"id\":"), *sig = strstr(line, "\"signal\":\"");
    if (strstr(line, "\"t\":\"kill\"") != NULL && id != NULL && sig != NULL) {
      char name[16] = "";
      sscanf(sig + 10, "%15[A-Z0-9]", name);
      struct job *j = find(0, atol(id + 5));
      int n = signal_number(name);
      if (j != NULL && n != 0) kill(-j->pid, n);
    }
    line = nl + 1;
  }
  ipclen -= (size_t)(line - ipcbuf);
  memmove(ipcbuf, line, ipclen);
  if (ipclen == sizeof ipcbuf) ipclen = 0; /* an overlong line: dropped */
}

/* Marks every descriptor this process inherited beyond 0-3 close-on-exec: scripts must not get them. */
static void seal_inherited(void) {
  DIR *d = opendir("/proc/self/fd");
  if (d == NULL) {
    for (int fd = 4; fd < 1024; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
    return;
  }
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    int fd = atoi(e->d_name);
    if (fd > 3 && fd != dirfd(d)) fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  closedir(d);
}

static int listen_socket(void) {
  if (mkdtemp(dir) == NULL) return -1;
  snprintf(sockpath, sizeof sockpath, "%s/spawn.sock", dir);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  strcpy(addr.sun_path, sockpath);
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 511) != 0) return -1;
  return fd;
}

int main(void) {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigaddset(&mask, SIGTERM);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGINT, SIG_IGN); /* Ctrl-C reaches the whole terminal: the server decides when we end */
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  fcntl(IPC, F_SETFD, FD_CLOEXEC); /* never inherited by a script */
  seal_inherited();
  fcntl(IPC, F_SETFL, 0);
  devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int lfd = listen_socket();
  if (sfd < 0 || devnull < 0 || lfd < 0) { rmdir(dir); return 71; }
  char escaped[sizeof sockpath * 6];
  escaped[escape(escaped, sockpath, strlen(sockpath))] = '\0';
  sendf("{\"t\":\"ready\",\"socketPath\":\"%s\"}\n", escaped);
  struct pollfd *fds = NULL;
  long *which = NULL;
  size_t nfds = 0;
  for (;;) {
    nfds = 3 + nconns + njobs;
    fds = grow(fds, nfds, sizeof *fds);
    which = grow(which, njobs, sizeof *which);
    fds[0] = (struct pollfd){ IPC, POLLIN, 0 };
    fds[1] = (struct pollfd){ lfd, POLLIN, 0 };
    fds[2] = (struct pollfd){ sfd, POLLIN, 0 };
    for (size_t i = 0; i < nconns; i++) fds[3 + i] = (struct pollfd){ conns[i].fd, POLLIN, 0 };
    size_t polled_conns = nconns, polled_jobs = 0;
    for (size_t i = 0; i < njobs; i++) {
      if (jobs[i].err < 0) continue;
      which[polled_jobs] = jobs[i].id;
      fds[3 + nconns + polled_jobs++] = (struct pollfd){ jobs[i].err, POLLIN, 0 };
    }
    if (poll(fds, 3 + nconns + polled_jobs, -1) < 0 && errno != EINTR) shutdown_all(72);
    for (size_t i = 0; i < polled_jobs; i++) {
      struct job *j = fds[3 + polled_conns + i].revents ? find(0, which[i]) : NULL;
      if (j != NULL && j->err >= 0) relay_stderr(j);
    }
    for (size_t i = polled_conns; i-- > 0; ) {
      if (!fds[3 + i].revents || !read_conn(&conns[i])) continue;
      free(conns[i].buf);
      conns[i] = conns[--nconns];
    }
    if (fds[2].revents) {
      struct signalfd_siginfo info;
      int term = 0;
      while (read(sfd, &info, sizeof info) == sizeof info) term |= info.ssi_signo == SIGTERM;
      reap();
      if (term) shutdown_all(0);
    }
    if (fds[1].revents) {
      int c;
      while ((c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
        conns = grow(conns, nconns, sizeof *conns);
        conns[nconns++] = (struct conn){ c, NULL, 0, 0 };
      }
    }
    if (fds[0].revents) read_ipc();
  }
}
