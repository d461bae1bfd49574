// File descriptors passed between processes (SCM_RIGHTS), so that a successor agent takes over the running
// one's listening sockets without a moment in which nobody is bound (docs/agent.md "Restart and upgrade
// without a gap"); a socket described (to match a received fd to its namespace and purpose); and systemd's
// notification protocol (sd_notify) without libsystemd; and a SO_REUSEPORT group steered to its newest
// member through a descriptor taken from another process (pidfd_getfd), so a dnsmasq being replaced gets no
// more datagrams before it is killed (docs/agent.md). Node has no API for any of these.
//
// The channel is a unix datagram socket bound to a path: each message carries a payload and up to
// FD_PASSING_MAX_FDS descriptors, and is delivered whole or not at all (no stream framing to get wrong).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <node_api.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/filter.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "napi-errors.h"

// The kernel's SCM_MAX_FD (include/net/scm.h) is 253; a message with more is refused with EINVAL.
#define FD_PASSING_MAX_FDS 253
#define FD_PASSING_MAX_PAYLOAD (64 * 1024)

#ifndef SIOCGSKNS
#define SIOCGSKNS 0x894C
#endif


// A unix address for `path`; a leading '@' names an abstract socket (as $NOTIFY_SOCKET may).
static bool unix_address(const char *path, struct sockaddr_un *sa, socklen_t *length) {
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof sa->sun_path) return false;
  memset(sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  memcpy(sa->sun_path, path, n);
  if (path[0] == '@') sa->sun_path[0] = '\0';
  *length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '@' ? 0 : 1));
  return true;
}

static bool get_path(napi_env env, napi_value value, char *out, size_t size) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, out, size, &length) != napi_ok) return false;
  return length > 0 && length < size - 1;
}

// fdChannelOpen(path): a unix datagram socket bound to `path` (blocking, close-on-exec) to receive on.
static napi_value channel_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
  char path[sizeof(((struct sockaddr_un *)0)->sun_path)] = {0};
  struct sockaddr_un sa;
  socklen_t length;
  if (argc < 1 || !get_path(env, arg, path, sizeof path) || !unix_address(path, &sa, &length))
    return throw_type(env, "fdChannelOpen(path) needs a socket path shorter than 108 bytes");
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket");
  if (bind(fd, (struct sockaddr *)&sa, length) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "bind");
  }
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

// sendFds(path, payload, fds, timeoutMs): one datagram to the channel bound at `path` carrying `payload` and
// duplicates of `fds` (the sender keeps its own). Waits at most timeoutMs for room in the receiver's queue.
static napi_value send_fds(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4) return throw_type(env, "sendFds(path, payload, fds, timeoutMs)");
  char path[sizeof(((struct sockaddr_un *)0)->sun_path)] = {0};
  struct sockaddr_un sa;
  socklen_t length;
  if (!get_path(env, argv[0], path, sizeof path) || !unix_address(path, &sa, &length))
    return throw_type(env, "path must be a socket path shorter than 108 bytes");
  void *payload = NULL;
  size_t payload_length = 0;
  bool is_buffer = false;
  napi_is_buffer(env, argv[1], &is_buffer);
  if (!is_buffer || napi_get_buffer_info(env, argv[1], &payload, &payload_length) != napi_ok ||
      payload_length == 0 || payload_length > FD_PASSING_MAX_PAYLOAD)
    return throw_type(env, "payload must be a Buffer of 1..65536 bytes");
  bool is_array = false;
  uint32_t count = 0;
  napi_is_array(env, argv[2], &is_array);
  if (!is_array || napi_get_array_length(env, argv[2], &count) != napi_ok || count > FD_PASSING_MAX_FDS)
    return throw_type(env, "fds must be an array of at most 253 descriptors");
  int32_t timeout_ms = 0;
  if (napi_get_value_int32(env, argv[3], &timeout_ms) != napi_ok || timeout_ms < 0)
    return throw_type(env, "timeoutMs must be a non-negative integer");
  int fds[FD_PASSING_MAX_FDS];
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    napi_get_element(env, argv[2], i, &element);
    if (napi_get_value_int32(env, element, &fds[i]) != napi_ok || fds[i] < 0)
      return throw_type(env, "fds must hold non-negative integers");
  }

  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket");
  struct timeval timeout = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  struct iovec iov = {.iov_base = payload, .iov_len = payload_length};
  union {
    char buffer[CMSG_SPACE(sizeof(int) * FD_PASSING_MAX_FDS)];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct msghdr message = {.msg_name = &sa, .msg_namelen = length, .msg_iov = &iov, .msg_iovlen = 1};
  if (count > 0) {
    message.msg_control = control.buffer;
    message.msg_controllen = CMSG_SPACE(sizeof(int) * count);
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int) * count);
    memcpy(CMSG_DATA(header), fds, sizeof(int) * count);
  }
  ssize_t sent;
  do sent = sendmsg(fd, &message, MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  int err = errno;
  close(fd);
  if (sent < 0) return throw_errno(env, err, "sendmsg");
  return NULL;
}

// receiveFds(channelFd, timeoutMs): the next datagram as { payload, fds } (close-on-exec), or null when
// nothing came within timeoutMs. A message whose descriptors did not fit is an error (EMSGSIZE), after
// closing the ones that came.
static napi_value receive_fds(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd = -1, timeout_ms = 0;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0 ||
      napi_get_value_int32(env, argv[1], &timeout_ms) != napi_ok || timeout_ms < 0)
    return throw_type(env, "receiveFds(channelFd, timeoutMs)");
  struct pollfd ready = {.fd = fd, .events = POLLIN};
  int polled;
  do polled = poll(&ready, 1, timeout_ms);
  while (polled < 0 && errno == EINTR);
  if (polled < 0) return throw_errno(env, errno, "poll");
  napi_value result;
  if (polled == 0) {
    napi_get_null(env, &result);
    return result;
  }
  char *payload = malloc(FD_PASSING_MAX_PAYLOAD);
  if (payload == NULL) return throw_errno(env, ENOMEM, "malloc");
  struct iovec iov = {.iov_base = payload, .iov_len = FD_PASSING_MAX_PAYLOAD};
  union {
    char buffer[CMSG_SPACE(sizeof(int) * FD_PASSING_MAX_FDS)];
    struct cmsghdr align;
  } control;
  struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buffer,
                           .msg_controllen = sizeof control.buffer};
  ssize_t received;
  do received = recvmsg(fd, &message, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  while (received < 0 && errno == EINTR);
  if (received < 0) {
    int err = errno;
    free(payload);
    return throw_errno(env, err, "recvmsg");
  }
  int fds[FD_PASSING_MAX_FDS];
  uint32_t count = 0;
  for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
    if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
    size_t n = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < n && count < FD_PASSING_MAX_FDS; i++) memcpy(&fds[count++], CMSG_DATA(header) + i * sizeof(int), sizeof(int));
  }
  if (message.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) {
    for (uint32_t i = 0; i < count; i++) close(fds[i]);
    free(payload);
    return throw_errno(env, EMSGSIZE, "recvmsg");
  }
  napi_value buffer, list;
  void *data = NULL;
  napi_create_buffer_copy(env, (size_t)received, payload, &data, &buffer);
  free(payload);
  napi_create_array_with_length(env, count, &list);
  for (uint32_t i = 0; i < count; i++) {
    napi_value value;
    napi_create_int32(env, fds[i], &value);
    napi_set_element(env, list, i, value);
  }
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "payload", buffer);
  napi_set_named_property(env, result, "fds", list);
  return result;
}

static void set_string(napi_env env, napi_value object, const char *key, const char *text) {
  napi_value value;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, object, key, value);
}

static void set_number(napi_env env, napi_value object, const char *key, double number) {
  napi_value value;
  napi_create_double(env, number, &value);
  napi_set_named_property(env, object, key, value);
}

// describeSocket(fd): what a socket is — { family, type, listening, address, port, device, netnsInode } —
// so that a received fd can be matched to the namespace and service it belongs to. netnsInode is the inode
// of the network namespace the socket lives in (SIOCGSKNS), as stat() of /run/netns/NAME reports it.
static napi_value describe_socket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
  int32_t fd = -1;
  if (argc < 1 || napi_get_value_int32(env, arg, &fd) != napi_ok || fd < 0)
    return throw_type(env, "describeSocket(fd) needs a descriptor");
  int domain = 0, type = 0, listening = 0;
  socklen_t size = sizeof domain;
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &size) != 0) return throw_errno(env, errno, "getsockopt");
  size = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size) != 0) return throw_errno(env, errno, "getsockopt");
  size = sizeof listening;
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) != 0) listening = 0;
  napi_value result;
  napi_create_object(env, &result);
  set_string(env, result, "family", domain == AF_INET ? "inet" : domain == AF_INET6 ? "inet6" : domain == AF_UNIX ? "unix" : "other");
  set_string(env, result, "type", type == SOCK_DGRAM ? "dgram" : type == SOCK_STREAM ? "stream" : type == SOCK_SEQPACKET ? "seqpacket" : "other");
  napi_value flag;
  napi_get_boolean(env, listening != 0, &flag);
  napi_set_named_property(env, result, "listening", flag);
  if (domain == AF_INET) {
    struct sockaddr_in sa;
    socklen_t length = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &length) != 0) return throw_errno(env, errno, "getsockname");
    char text[INET_ADDRSTRLEN] = {0};
    inet_ntop(AF_INET, &sa.sin_addr, text, sizeof text);
    set_string(env, result, "address", text);
    set_number(env, result, "port", ntohs(sa.sin_port));
  }
  char device[IFNAMSIZ + 1] = {0};
  socklen_t device_length = IFNAMSIZ;
  if (getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device, &device_length) == 0 && device_length > 0)
    set_string(env, result, "device", device);
  int netns = ioctl(fd, SIOCGSKNS);
  if (netns >= 0) {
    struct stat st;
    if (fstat(netns, &st) == 0) set_number(env, result, "netnsInode", (double)st.st_ino);
    close(netns);
  }
  return result;
}

// sdNotify(state): systemd's notification (READY=1, RELOADING=1, MAINPID=…) to $NOTIFY_SOCKET; false when
// the variable is not set (not started by systemd with Type=notify), true when sent.
static napi_value sd_notify(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
  char state[1024] = {0};
  size_t state_length = 0;
  if (argc < 1 || napi_get_value_string_utf8(env, arg, state, sizeof state, &state_length) != napi_ok ||
      state_length == 0 || state_length >= sizeof state - 1)
    return throw_type(env, "sdNotify(state) needs a non-empty string shorter than 1,023 bytes");
  napi_value result;
  const char *path = getenv("NOTIFY_SOCKET");
  struct sockaddr_un sa;
  socklen_t length;
  if (path == NULL || !unix_address(path, &sa, &length)) {
    napi_get_boolean(env, false, &result);
    return result;
  }
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket");
  ssize_t sent = sendto(fd, state, state_length, MSG_NOSIGNAL, (struct sockaddr *)&sa, length);
  int err = errno;
  close(fd);
  if (sent < 0) return throw_errno(env, err, "sendto");
  napi_get_boolean(env, true, &result);
  return result;
}

// steerReuseportGroup(pid, fd, index): takes a copy of descriptor `fd` of process `pid` (pidfd_open +
// pidfd_getfd: needs ptrace rights over it, i.e. root) and attaches to its SO_REUSEPORT group a classic BPF
// program that returns `index`, so every datagram the group's hash would spread goes to the member at that
// index; an index past the group's last member falls back to the hash (reuseport_select_sock). Members are
// indexed in the order they joined, and a leaving member's slot is taken by the last one.
static napi_value steer_reuseport_group(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  int32_t pid = 0, fd = -1;
  uint32_t index = 0;
  if (argc < 3 || napi_get_value_int32(env, args[0], &pid) != napi_ok ||
      napi_get_value_int32(env, args[1], &fd) != napi_ok ||
      napi_get_value_uint32(env, args[2], &index) != napi_ok || pid <= 0 || fd < 0)
    return throw_type(env, "steerReuseportGroup(pid, fd, index) needs a pid > 0, an fd >= 0, an index >= 0");
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) return throw_errno(env, errno, "pidfd_open");
  int copy = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
  int err = errno;
  close(pidfd);
  if (copy < 0) return throw_errno(env, err, "pidfd_getfd");
  struct sock_filter code[] = {BPF_STMT(BPF_RET | BPF_K, index)};
  struct sock_fprog program = {.len = 1, .filter = code};
  int attached = setsockopt(copy, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &program, sizeof program);
  err = errno;
  close(copy);
  if (attached < 0) return throw_errno(env, err, "setsockopt(SO_ATTACH_REUSEPORT_CBPF)");
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn, max;
  napi_create_function(env, "fdChannelOpen", NAPI_AUTO_LENGTH, channel_open, NULL, &fn);
  napi_set_named_property(env, exports, "fdChannelOpen", fn);
  napi_create_function(env, "sendFds", NAPI_AUTO_LENGTH, send_fds, NULL, &fn);
  napi_set_named_property(env, exports, "sendFds", fn);
  napi_create_function(env, "receiveFds", NAPI_AUTO_LENGTH, receive_fds, NULL, &fn);
  napi_set_named_property(env, exports, "receiveFds", fn);
  napi_create_function(env, "describeSocket", NAPI_AUTO_LENGTH, describe_socket, NULL, &fn);
  napi_set_named_property(env, exports, "describeSocket", fn);
  napi_create_function(env, "sdNotify", NAPI_AUTO_LENGTH, sd_notify, NULL, &fn);
  napi_set_named_property(env, exports, "sdNotify", fn);
  napi_create_function(env, "steerReuseportGroup", NAPI_AUTO_LENGTH, steer_reuseport_group, NULL, &fn);
  napi_set_named_property(env, exports, "steerReuseportGroup", fn);
  napi_create_uint32(env, FD_PASSING_MAX_FDS, &max);
  napi_set_named_property(env, exports, "FD_PASSING_MAX_FDS", max);
  return exports;
}
