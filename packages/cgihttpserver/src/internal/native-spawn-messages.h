/*
 * The native spawn helper's messages to the server: JSON lines on the Node IPC channel
 * (fd 3), as spawn-protocol.ts types them, and the names Node uses for signals and errnos.
 * Included once, by native-spawn-helper.c.
 */
#define IPC 3

static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return; /* the server is gone: its EOF ends us */
    p += w; n -= (size_t)w;
  }
}

/* JSON-escapes `s`: quotes, backslashes and controls; other bytes go as they are (Node decodes UTF-8). */
static size_t escape(char *out, const char *s, size_t n) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') { out[o++] = '\\'; out[o++] = (char)c; }
    else if (c < 0x20) o += (size_t)sprintf(out + o, "\\u%04x", c);
    else out[o++] = (char)c;
  }
  return o;
}

static void send_text(long id, const char *text, size_t n) {
  static char line[6 * 4096 + 64];
  size_t o = (size_t)sprintf(line, "{\"t\":\"stderr\",\"id\":%ld,\"text\":\"", id);
  o += escape(line + o, text, n);
  o += (size_t)sprintf(line + o, "\"}\n");
  write_all(IPC, line, o);
}

static void sendf(const char *format, ...) __attribute__((format(printf, 1, 2)));
static void sendf(const char *format, ...) {
  char line[512];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(line, sizeof line, format, args);
  va_end(args);
  if (n > 0 && (size_t)n < sizeof line) write_all(IPC, line, (size_t)n);
}

static const struct { int n; const char *name; } SIGNALS[] = {
  {SIGHUP, "SIGHUP"}, {SIGINT, "SIGINT"}, {SIGQUIT, "SIGQUIT"}, {SIGILL, "SIGILL"}, {SIGTRAP, "SIGTRAP"},
  {SIGABRT, "SIGABRT"}, {SIGBUS, "SIGBUS"}, {SIGFPE, "SIGFPE"}, {SIGKILL, "SIGKILL"}, {SIGUSR1, "SIGUSR1"},
  {SIGSEGV, "SIGSEGV"}, {SIGUSR2, "SIGUSR2"}, {SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"},
  {SIGXCPU, "SIGXCPU"}, {SIGXFSZ, "SIGXFSZ"}, {SIGSYS, "SIGSYS"},
};

static const char *signal_name(int n) {
  for (size_t i = 0; i < sizeof SIGNALS / sizeof *SIGNALS; i++) if (SIGNALS[i].n == n) return SIGNALS[i].name;
  return "SIGUNKNOWN";
}

static int signal_number(const char *name) {
  for (size_t i = 0; i < sizeof SIGNALS / sizeof *SIGNALS; i++) if (strcmp(SIGNALS[i].name, name) == 0) return SIGNALS[i].n;
  return 0;
}

static const char *errno_code(int e) {
  switch (e) {
    case ENOENT: return "ENOENT"; case EACCES: return "EACCES"; case EPERM: return "EPERM";
    case ENOEXEC: return "ENOEXEC"; case ENOTDIR: return "ENOTDIR"; case E2BIG: return "E2BIG";
    case ENOMEM: return "ENOMEM"; case ELOOP: return "ELOOP"; case ENAMETOOLONG: return "ENAMETOOLONG";
    case ETXTBSY: return "ETXTBSY"; case EISDIR: return "EISDIR"; case EINVAL: return "EINVAL";
    case EAGAIN: return "EAGAIN"; case EMFILE: return "EMFILE"; default: return "EUNKNOWN";
  }
}

