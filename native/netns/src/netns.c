// A socket opened inside another network namespace, so that one agent process can serve every network's
// namespace without a helper process per network. setns() affects only the calling thread, and the thread
// goes back to its own namespace before returning; the socket stays bound to the namespace it was made in.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <node_api.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "napi-errors.h"
#include "netns-enter.h"

#ifndef IP_FREEBIND
#define IP_FREEBIND 15
#endif
#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif


static bool get_string(napi_env env, napi_value object, const char *key, char *out, size_t size, bool required) {
  bool has = false;
  napi_has_named_property(env, object, key, &has);
  if (!has) return !required;
  napi_value value;
  napi_valuetype type;
  napi_get_named_property(env, object, key, &value);
  napi_typeof(env, value, &type);
  if (type == napi_undefined) return !required;
  size_t length = 0;
  if (type != napi_string || napi_get_value_string_utf8(env, value, out, size, &length) != napi_ok) return false;
  return length < size - 1;
}

static bool get_bool(napi_env env, napi_value object, const char *key, bool fallback) {
  napi_value value;
  bool result = fallback;
  if (napi_get_named_property(env, object, key, &value) == napi_ok) napi_get_value_bool(env, value, &result);
  return result;
}

static napi_value open_socket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value options;
  napi_get_cb_info(env, info, &argc, &options, NULL, NULL);
  if (argc < 1) return throw_type(env, "openSocket(options) needs an options object");

  char path[512] = {0}, kind[8] = {0}, address[64] = {0}, device[IFNAMSIZ + 1] = {0}, group[64] = {0};
  if (!get_string(env, options, "netnsPath", path, sizeof path, true)) return throw_type(env, "netnsPath must be a string");
  if (!get_string(env, options, "kind", kind, sizeof kind, true)) return throw_type(env, "kind must be 'udp4', 'tcp4', 'udp6' or 'tcp6'");
  if (!get_string(env, options, "address", address, sizeof address, true)) return throw_type(env, "address must be a string");
  if (!get_string(env, options, "bindToDevice", device, sizeof device, false)) return throw_type(env, "bindToDevice must be an interface name");
  if (!get_string(env, options, "joinGroup", group, sizeof group, false)) return throw_type(env, "joinGroup must be an IPv6 multicast address");
  bool udp6 = strcmp(kind, "udp6") == 0;
  bool tcp6 = strcmp(kind, "tcp6") == 0;
  bool udp = udp6 || strcmp(kind, "udp4") == 0;
  // v6: both IPv6 kinds (IPV6_V6ONLY, IPV6_FREEBIND, sockaddr_in6). A link-local address needs bindToDevice,
  // which gives the bind its interface (the kernel refuses a link-local bind without one).
  bool v6 = udp6 || tcp6;
  if (!udp && !tcp6 && strcmp(kind, "tcp4") != 0) return throw_type(env, "kind must be 'udp4', 'tcp4', 'udp6' or 'tcp6'");
  napi_value port_value;
  int32_t port = -1;
  napi_get_named_property(env, options, "port", &port_value);
  if (napi_get_value_int32(env, port_value, &port) != napi_ok || port < 0 || port > 65535) return throw_type(env, "port must be 0..65535");
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  struct sockaddr_in6 sa6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
  struct ipv6_mreq join = {0};
  if (v6) {
    if (inet_pton(AF_INET6, address, &sa6.sin6_addr) != 1) return throw_type(env, "address must be an IPv6 address");
    if (group[0] && (!udp6 || inet_pton(AF_INET6, group, &join.ipv6mr_multiaddr) != 1 || !device[0]))
      return throw_type(env, "joinGroup must be an IPv6 multicast address, with bindToDevice");
  } else {
    if (inet_pton(AF_INET, address, &sa.sin_addr) != 1) return throw_type(env, "address must be an IPv4 address");
    if (group[0]) return throw_type(env, "joinGroup is for udp6 sockets");
  }
  bool reuse = get_bool(env, options, "reuseAddress", true);
  bool broadcast = get_bool(env, options, "broadcast", false);
  bool freebind = get_bool(env, options, "freeBind", false);
  // SO_RCVBUF (0: the kernel's default). The kernel caps it at net.core.rmem_max, as for node:dgram's
  // setRecvBufferSize, so a large request never fails: a burst is absorbed up to what the host allows.
  int32_t receive_buffer = 0;
  napi_value receive_value;
  if (napi_get_named_property(env, options, "receiveBufferBytes", &receive_value) == napi_ok) {
    napi_valuetype receive_type;
    napi_typeof(env, receive_value, &receive_type);
    if (receive_type != napi_undefined &&
        (napi_get_value_int32(env, receive_value, &receive_buffer) != napi_ok || receive_buffer < 0))
      return throw_type(env, "receiveBufferBytes must be a non-negative integer");
  }

  netns_visit_t visit;
  int enter_err = 0;
  const char *enter_failed = netns_enter(path, &visit, &enter_err);
  if (enter_failed) return throw_errno(env, enter_err, enter_failed);

  const char *failed = NULL;
  int err = 0, one = 1;
  int fd = socket(v6 ? AF_INET6 : AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) { failed = "socket"; err = errno; }
  else if (reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) { failed = "setsockopt"; err = errno; }
  else if (udp && !udp6 && broadcast && setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) != 0) { failed = "setsockopt"; err = errno; }
  else if (v6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) { failed = "setsockopt"; err = errno; }
  else if (freebind && setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_FREEBIND : IP_FREEBIND, &one, sizeof one) != 0) { failed = "setsockopt"; err = errno; }
  else if (receive_buffer > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer) != 0) { failed = "setsockopt"; err = errno; }
  else if (device[0] && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device, (socklen_t)strlen(device)) != 0) { failed = "setsockopt"; err = errno; }
  else if (bind(fd, v6 ? (struct sockaddr *)&sa6 : (struct sockaddr *)&sa, v6 ? sizeof sa6 : sizeof sa) != 0) { failed = "bind"; err = errno; }
  else if (group[0]) {
    // The interface index is the namespace's: resolved here, before going home.
    join.ipv6mr_interface = if_nametoindex(device);
    if (join.ipv6mr_interface == 0) { failed = "if_nametoindex"; err = errno; }
    else if (setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &join, sizeof join) != 0) { failed = "setsockopt"; err = errno; }
  }

  netns_leave(&visit);
  if (failed) {
    if (fd >= 0) close(fd);
    return throw_errno(env, err, failed);
  }
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

// One rtnetlink dump (links, addresses or routes) of another namespace, read without a process: the
// NETLINK_ROUTE socket is made inside the namespace (it stays bound to it), the dump is read from home.
// After a restart with a thousand namespaces, `ip -n NS` per namespace (which also copies the mount table)
// was most of the resync.
static napi_value netlink_dump(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc < 2) return throw_type(env, "netlinkDump(netnsPath, what) needs two strings");
  char path[512] = {0}, what[8] = {0};
  size_t length = 0;
  if (napi_get_value_string_utf8(env, args[0], path, sizeof path, &length) != napi_ok || length >= sizeof path - 1)
    return throw_type(env, "netnsPath must be a string");
  if (napi_get_value_string_utf8(env, args[1], what, sizeof what, &length) != napi_ok)
    return throw_type(env, "what must be 'link', 'addr' or 'route'");
  uint16_t type;
  size_t body;
  if (strcmp(what, "link") == 0) { type = RTM_GETLINK; body = sizeof(struct ifinfomsg); }
  else if (strcmp(what, "addr") == 0) { type = RTM_GETADDR; body = sizeof(struct ifaddrmsg); }
  else if (strcmp(what, "route") == 0) { type = RTM_GETROUTE; body = sizeof(struct rtmsg); }
  else return throw_type(env, "what must be 'link', 'addr' or 'route'");

  netns_visit_t visit;
  int enter_err = 0;
  const char *enter_failed = netns_enter(path, &visit, &enter_err);
  if (enter_failed) return throw_errno(env, enter_err, enter_failed);
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  int socket_err = errno;
  netns_leave(&visit);
  if (fd < 0) return throw_errno(env, socket_err, "socket");

  struct { struct nlmsghdr header; unsigned char body[sizeof(struct ifinfomsg) + sizeof(struct rtmsg)]; } request;
  memset(&request, 0, sizeof request);
  request.header.nlmsg_len = NLMSG_LENGTH(body);
  request.header.nlmsg_type = type;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = 1;
  if (send(fd, &request, request.header.nlmsg_len, 0) < 0) { int err = errno; close(fd); return throw_errno(env, err, "send"); }

  size_t capacity = 65536, used = 0, chunk_size = 32768;
  unsigned char *out = malloc(capacity);
  unsigned char *chunk = malloc(chunk_size);
  bool done = false;
  int failure = 0;
  const char *failed = NULL;
  while (!done && out != NULL && chunk != NULL) {
    // A datagram larger than the buffer would be cut silently (a link with many SR-IOV VFs can pass
    // 32 KiB): peek at its size first and grow the buffer.
    ssize_t size = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
    if (size < 0) {
      if (errno == EINTR) continue;
      failure = errno; failed = "recv"; break;
    }
    if ((size_t)size > chunk_size) {
      unsigned char *bigger = realloc(chunk, (size_t)size);
      if (bigger == NULL) { failure = ENOMEM; failed = "malloc"; break; }
      chunk = bigger;
      chunk_size = (size_t)size;
    }
    ssize_t got = recv(fd, chunk, chunk_size, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      failure = errno; failed = "recv"; break;
    }
    if (got == 0) break;
    for (struct nlmsghdr *h = (struct nlmsghdr *)chunk; NLMSG_OK(h, (size_t)got); h = NLMSG_NEXT(h, got)) {
      if (h->nlmsg_type == NLMSG_DONE) { done = true; break; }
      if (h->nlmsg_type == NLMSG_ERROR) {
        struct nlmsgerr *e = (struct nlmsgerr *)NLMSG_DATA(h);
        failure = e->error < 0 ? -e->error : EPROTO; failed = "netlink"; done = true; break;
      }
      if (used + h->nlmsg_len > capacity) {
        while (used + h->nlmsg_len > capacity) capacity *= 2;
        unsigned char *grown = realloc(out, capacity);
        if (grown == NULL) { free(out); out = NULL; break; }
        out = grown;
      }
      memcpy(out + used, h, h->nlmsg_len);
      used += h->nlmsg_len;
    }
  }
  close(fd);
  bool no_memory = out == NULL || (chunk == NULL && failed == NULL);
  free(chunk);
  if (no_memory) { free(out); return throw_errno(env, ENOMEM, "malloc"); }
  if (failed) { free(out); return throw_errno(env, failure, failed); }
  napi_value result;
  void *data = NULL;
  napi_create_buffer_copy(env, used, out, &data, &result);
  free(out);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "openSocket", NAPI_AUTO_LENGTH, open_socket, NULL, &fn);
  napi_set_named_property(env, exports, "openSocket", fn);
  napi_create_function(env, "netlinkDump", NAPI_AUTO_LENGTH, netlink_dump, NULL, &fn);
  napi_set_named_property(env, exports, "netlinkDump", fn);
  return exports;
}
