// Router advertisements from a DHCP namespace (docs/dhcpv6.md "Router advertisements"): a raw ICMPv6
// socket made inside the namespace (hop limit 255 as RFC 4861 §6.1.2 requires, bound to the ns- device,
// joined to all-routers ff02::2, filtered to Router Solicitations), sends to a scoped destination, and a
// uv_poll watch that tells JS the source of each Router Solicitation. Node's dgram cannot adopt raw sockets.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <node_api.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "napi-errors.h"
#include "netns-device-args.h"
#include "netns-enter.h"

typedef struct {
  napi_env env;
  uv_poll_t poll;
  napi_ref callback;
  napi_async_context async;
  int fd;
  bool closed;
  bool uv_released;
  bool js_released;
} watch_t;

// icmp6Open(netnsPath, device) -> { fd, ifindex }
static napi_value icmp6_open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  char path[NETNS_PATH_MAX] = {0}, device[IFNAMSIZ + 1] = {0};
  if (!read_netns_device(env, argc, args, "icmp6Open", path, device)) return NULL;
  netns_visit_t visit;
  int enter_err = 0;
  const char *enter_failed = netns_enter(path, &visit, &enter_err);
  if (enter_failed) return throw_errno(env, enter_err, enter_failed);
  const char *failed = NULL;
  int err = 0, hops = 255, off = 0;
  unsigned int ifindex = 0;
  int fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
  struct icmp6_filter filter;
  ICMP6_FILTER_SETBLOCKALL(&filter);
  ICMP6_FILTER_SETPASS(ND_ROUTER_SOLICIT, &filter);
  struct ipv6_mreq join = {0};
  inet_pton(AF_INET6, "ff02::2", &join.ipv6mr_multiaddr);
  if (fd < 0) { failed = "socket"; err = errno; }
  else if ((ifindex = if_nametoindex(device)) == 0) { failed = "if_nametoindex"; err = errno; }
  else if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device, (socklen_t)strlen(device)) != 0) { failed = "setsockopt"; err = errno; }
  else if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter) != 0) { failed = "setsockopt"; err = errno; }
  else if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops) != 0) { failed = "setsockopt"; err = errno; }
  else if (setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops) != 0) { failed = "setsockopt"; err = errno; }
  else if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof off) != 0) { failed = "setsockopt"; err = errno; }
  else if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof ifindex) != 0) { failed = "setsockopt"; err = errno; }
  else {
    join.ipv6mr_interface = ifindex;
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &join, sizeof join) != 0) { failed = "setsockopt"; err = errno; }
  }
  netns_leave(&visit);
  if (failed) {
    if (fd >= 0) close(fd);
    return throw_errno(env, err, failed);
  }
  napi_value result, value;
  napi_create_object(env, &result);
  napi_create_int32(env, fd, &value);
  napi_set_named_property(env, result, "fd", value);
  napi_create_uint32(env, ifindex, &value);
  napi_set_named_property(env, result, "ifindex", value);
  return result;
}

// icmp6Send(fd, ifindex, bytes, destination) -> bytes sent; the kernel fills in the ICMPv6 checksum.
static napi_value icmp6_send(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  int32_t fd = -1;
  uint32_t ifindex = 0;
  void *data = NULL;
  size_t size = 0, length = 0;
  char destination[64] = {0};
  bool is_buffer = false;
  if (argc < 4 || napi_get_value_int32(env, args[0], &fd) != napi_ok || napi_get_value_uint32(env, args[1], &ifindex) != napi_ok ||
      napi_is_buffer(env, args[2], &is_buffer) != napi_ok || !is_buffer ||
      napi_get_buffer_info(env, args[2], &data, &size) != napi_ok ||
      napi_get_value_string_utf8(env, args[3], destination, sizeof destination, &length) != napi_ok)
    return throw_type(env, "icmp6Send(fd, ifindex, buffer, destination)");
  struct sockaddr_in6 to = {.sin6_family = AF_INET6, .sin6_scope_id = ifindex};
  if (inet_pton(AF_INET6, destination, &to.sin6_addr) != 1) return throw_type(env, "destination must be an IPv6 address");
  ssize_t sent = sendto(fd, data, size, 0, (struct sockaddr *)&to, sizeof to);
  if (sent < 0) return throw_errno(env, errno, "sendto");
  napi_value result;
  napi_create_int32(env, (int32_t)sent, &result);
  return result;
}

static void release(watch_t *watch) {
  if (watch->uv_released && watch->js_released) free(watch);
}

static void on_uv_closed(uv_handle_t *handle) {
  watch_t *watch = handle->data;
  if (watch->callback) napi_delete_reference(watch->env, watch->callback);
  if (watch->async) napi_async_destroy(watch->env, watch->async);
  watch->callback = NULL;
  watch->async = NULL;
  watch->uv_released = true;
  release(watch);
}

static void close_watch(watch_t *watch) {
  if (watch->closed) return;
  watch->closed = true;
  uv_poll_stop(&watch->poll);
  uv_close((uv_handle_t *)&watch->poll, on_uv_closed);
  if (watch->fd >= 0) close(watch->fd);
  watch->fd = -1;
}

static void finalize_watch(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  watch_t *watch = data;
  close_watch(watch);
  watch->js_released = true;
  release(watch);
}

// Calls back with the source address text of one Router Solicitation.
static void call_js(watch_t *watch, const char *source) {
  napi_env env = watch->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, receiver, arg, result;
  if (napi_get_reference_value(env, watch->callback, &callback) == napi_ok && callback != NULL) {
    napi_get_global(env, &receiver);
    napi_create_string_utf8(env, source, NAPI_AUTO_LENGTH, &arg);
    if (napi_make_callback(env, watch->async, receiver, callback, 1, &arg, &result) == napi_pending_exception) {
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
      napi_fatal_exception(env, error);
    }
  }
  napi_close_handle_scope(env, scope);
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  watch_t *watch = handle->data;
  if (watch->closed) return;
  if (status < 0) { uv_poll_stop(handle); return; }
  // Bounded: at most 64 solicitations per wake-up, the rest on the next one.
  for (int i = 0; i < 64 && !watch->closed; i++) {
    unsigned char packet[1500];
    struct sockaddr_in6 from;
    socklen_t from_length = sizeof from;
    ssize_t got = recvfrom(watch->fd, packet, sizeof packet, 0, (struct sockaddr *)&from, &from_length);
    if (got < 0) break;
    if (got < 8 || packet[0] != ND_ROUTER_SOLICIT || packet[1] != 0) continue;
    char text[INET6_ADDRSTRLEN] = {0};
    inet_ntop(AF_INET6, &from.sin6_addr, text, sizeof text);
    call_js(watch, text);
  }
}

// icmp6Watch(fd, onSolicitation(source)) -> handle; the fd is the watch's from then on.
static napi_value icmp6_watch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  int32_t fd = -1;
  napi_valuetype type = napi_undefined;
  if (argc >= 2) napi_typeof(env, args[1], &type);
  if (argc < 2 || napi_get_value_int32(env, args[0], &fd) != napi_ok || fd < 0 || type != napi_function)
    return throw_type(env, "icmp6Watch(fd, onSolicitation)");
  struct uv_loop_s *loop = NULL;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return throw_errno(env, EINVAL, "napi_get_uv_event_loop");
  watch_t *watch = calloc(1, sizeof *watch);
  if (!watch) return throw_errno(env, ENOMEM, "malloc");
  watch->env = env;
  watch->fd = fd;
  int err = uv_poll_init(loop, &watch->poll, fd);
  if (err < 0) { free(watch); return throw_errno(env, -err, "uv_poll_init"); }
  watch->poll.data = watch;
  napi_value name, handle;
  napi_create_string_utf8(env, "qdhcp.Icmp6Watch", NAPI_AUTO_LENGTH, &name);
  if (napi_create_reference(env, args[1], 1, &watch->callback) != napi_ok ||
      napi_async_init(env, NULL, name, &watch->async) != napi_ok ||
      napi_create_external(env, watch, finalize_watch, NULL, &handle) != napi_ok) {
    watch->js_released = true;
    watch->fd = -1;
    close_watch(watch);
    return throw_errno(env, ENOMEM, "napi");
  }
  err = uv_poll_start(&watch->poll, UV_READABLE, on_readable);
  if (err < 0) { watch->fd = -1; close_watch(watch); return throw_errno(env, -err, "uv_poll_start"); }
  return handle;
}

// icmp6Unwatch(handle): stops watching and closes the fd. Safe twice.
static napi_value icmp6_unwatch(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  void *data = NULL;
  napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
  if (argc < 1 || napi_get_value_external(env, arg, &data) != napi_ok || data == NULL) return throw_type(env, "icmp6Unwatch(handle)");
  close_watch(data);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "icmp6Open", NAPI_AUTO_LENGTH, icmp6_open, NULL, &fn);
  napi_set_named_property(env, exports, "icmp6Open", fn);
  napi_create_function(env, "icmp6Send", NAPI_AUTO_LENGTH, icmp6_send, NULL, &fn);
  napi_set_named_property(env, exports, "icmp6Send", fn);
  napi_create_function(env, "icmp6Watch", NAPI_AUTO_LENGTH, icmp6_watch, NULL, &fn);
  napi_set_named_property(env, exports, "icmp6Watch", fn);
  napi_create_function(env, "icmp6Unwatch", NAPI_AUTO_LENGTH, icmp6_unwatch, NULL, &fn);
  napi_set_named_property(env, exports, "icmp6Unwatch", fn);
  return exports;
}
