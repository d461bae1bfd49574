// Batched UDP I/O for a socket the netns addon opened: one recvmmsg() fills up to BATCH_SLOTS datagrams
// into one shared arena and JS is called ONCE per batch; the replies of a batch leave with ONE sendmmsg()
// (udp-batch-send.c; the layout shared by both is udp-batch.h).
// Node's dgram pays, per datagram, a recvmsg, a Buffer, an rinfo object, an event emit and a sendto: for a
// small DNS answer that was more than the answer itself.
//
// Memory: one arena per JS environment (not per socket), since JS reads a batch synchronously inside the
// callback and the next batch may overwrite it. Layout (BATCH_SLOTS = N):
//   [N × SLOT_SIZE datagram bytes][N × u32 lengths][N × u32 IPv4 source, network order][N × u16 ports]
// A length > SLOT_SIZE means the datagram was larger than a slot and was cut (MSG_TRUNC): drop it.
//
// Interrupt and polled mode (holdMs > 0; the DHCP sockets): at 1,000 DHCP exchanges/s a batch held one
// datagram, so every datagram paid a loop wake-up and a call into JS, which cost more than deciding its
// reply (docs/performance.md, "Issue 17, item 3"). As Linux's NAPI does for a NIC, an endpoint woken twice
// within one hold stops polling its fd and reads it from a timer every hold instead, all that came in at
// once; a hold that brings nothing puts it back to waking on each datagram. A lone client is answered at
// once; under load a datagram waits up to one hold (a few ms: DHCP clients retry after seconds).
//
// Lifetime: an endpoint struct has two owners, its libuv handles (the poll and the hold timer, until both
// uv_close callbacks ran) and the JS external (until its finalizer); it is freed when both have let go, so
// close() from inside the batch callback and a garbage-collected, never-closed endpoint are both safe.
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include "napi-arena.h"
#include "napi-errors.h"
#include "udp-batch.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

// The receive slots' headers point into the arena once, when it is made.
static void init_arena(void *data) {
  arena_t *arena = data;
  for (int i = 0; i < BATCH_SLOTS; i++) {
    arena->iovecs[i].iov_base = arena->arena + (size_t)i * SLOT_SIZE;
    arena->iovecs[i].iov_len = SLOT_SIZE;
    struct msghdr *header = &arena->messages[i].msg_hdr;
    header->msg_name = &arena->sources[i];
    header->msg_namelen = sizeof arena->sources[i];
    header->msg_iov = &arena->iovecs[i];
    header->msg_iovlen = 1;
  }
}

// The environment's arena, made on first use.
static arena_t *get_arena(napi_env env) {
  return instance_arena(env, sizeof(arena_t), ARENA_BYTES, init_arena);
}

static void release(endpoint_t *endpoint) {
  if (endpoint->uv_released && endpoint->js_released) free(endpoint);
}

static void on_uv_closed(uv_handle_t *handle) {
  endpoint_t *endpoint = handle->data;
  if (--endpoint->uv_open > 0) return;
  if (endpoint->callback) napi_delete_reference(endpoint->env, endpoint->callback);
  if (endpoint->async) napi_async_destroy(endpoint->env, endpoint->async);
  endpoint->callback = NULL;
  endpoint->async = NULL;
  endpoint->uv_released = true;
  release(endpoint);
}

static void close_endpoint(endpoint_t *endpoint) {
  if (endpoint->closed) return;
  endpoint->closed = true;
  // libuv: stop polling before the fd is closed.
  uv_poll_stop(&endpoint->poll);
  uv_close((uv_handle_t *)&endpoint->poll, on_uv_closed);
  if (endpoint->uv_open > 1) {
    uv_timer_stop(&endpoint->hold_timer);
    uv_close((uv_handle_t *)&endpoint->hold_timer, on_uv_closed);
  }
  if (endpoint->fd >= 0) close(endpoint->fd);
  endpoint->fd = -1;
}

static void finalize_endpoint(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  endpoint_t *endpoint = data;
  close_endpoint(endpoint);
  endpoint->js_released = true;
  release(endpoint);
}

// Calls the JS callback with (count) or (-errno); a JS exception becomes an uncaught exception, as it
// would for an 'message' listener.
static void call_js(endpoint_t *endpoint, int32_t argument) {
  napi_env env = endpoint->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, arg, result;
  if (napi_get_reference_value(env, endpoint->callback, &callback) == napi_ok && callback != NULL) {
    napi_create_int32(env, argument, &arg);
    // napi_make_callback needs an object as `this`: the callback itself, already at hand (the handler of
    // src/linux/udp-batch-socket.ts is an arrow function and ignores it); napi_get_global per batch was
    // measurable on the DHCP path (docs/performance.md, issue 17 item 3).
    if (napi_make_callback(env, endpoint->async, callback, callback, 1, &arg, &result) == napi_pending_exception) {
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
      napi_fatal_exception(env, error);
    }
  }
  napi_close_handle_scope(env, scope);
}

// Reads what is queued, up to ROUNDS_PER_EVENT batches, calling JS once per batch: the datagrams read.
// *drained says whether the socket was emptied (false: the round limit stopped it, more are waiting).
static int read_batches(endpoint_t *endpoint, bool *drained) {
  *drained = true;
  arena_t *arena = endpoint->arena;
  uint32_t *lengths = (uint32_t *)(arena->arena + LENGTHS_OFFSET);
  uint32_t *addresses = (uint32_t *)(arena->arena + ADDRESSES_OFFSET);
  uint16_t *ports = (uint16_t *)(arena->arena + PORTS_OFFSET);
  int total = 0;
  for (int round = 0; round < ROUNDS_PER_EVENT && !endpoint->closed; round++) {
    // MSG_TRUNC: msg_len is the datagram's real length, so an oversize one is recognisable. The headers
    // were set up with the arena; recvmmsg changes only the namelen and flags of the slots it filled, and
    // those are reset below, so a wake-up for one datagram touches one header, not all 64 (3.5 KiB).
    int count = recvmmsg(endpoint->fd, arena->messages, BATCH_SLOTS, MSG_DONTWAIT | MSG_TRUNC, NULL);
    if (count < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) call_js(endpoint, -errno);
      return total;
    }
    if (count == 0) return total;
    for (int i = 0; i < count; i++) {
      const struct sockaddr_in *source = &arena->sources[i];
      lengths[i] = arena->messages[i].msg_len;
      bool ipv4 = arena->messages[i].msg_hdr.msg_namelen >= sizeof *source && source->sin_family == AF_INET;
      addresses[i] = ipv4 ? source->sin_addr.s_addr : 0;
      ports[i] = ipv4 ? ntohs(source->sin_port) : 0;
      arena->messages[i].msg_hdr.msg_namelen = sizeof arena->sources[i];
      arena->messages[i].msg_hdr.msg_flags = 0;
    }
    total += count;
    call_js(endpoint, count);
    if (count < BATCH_SLOTS) return total;  // drained
  }
  *drained = false;
  return total;
}

static void on_hold_elapsed(uv_timer_t *timer);

// Leaves interrupt mode for polled mode (see the top of this file): the socket is read by the hold timer.
static void start_holding(endpoint_t *endpoint) {
  endpoint->holding = true;
  uv_poll_stop(&endpoint->poll);
  uv_timer_start(&endpoint->hold_timer, on_hold_elapsed, endpoint->hold_ms, 0);
}

static void on_readable(uv_poll_t *handle, int status, int events);

static void on_hold_elapsed(uv_timer_t *timer) {
  endpoint_t *endpoint = timer->data;
  if (endpoint->closed) return;
  // Still busy: read again after another hold, or on the next loop iteration when the round limit left
  // datagrams waiting (as the level-triggered poll would). Quiet for a whole hold: back to waking on each
  // datagram.
  bool drained;
  if (read_batches(endpoint, &drained) > 0) {
    if (!endpoint->closed) uv_timer_start(&endpoint->hold_timer, on_hold_elapsed, drained ? endpoint->hold_ms : 0, 0);
    return;
  }
  if (endpoint->closed) return;
  endpoint->holding = false;
  endpoint->last_wake_ns = uv_hrtime();
  uv_poll_start(&endpoint->poll, UV_READABLE, on_readable);
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  endpoint_t *endpoint = handle->data;
  if (endpoint->closed) return;
  if (status < 0) {
    // The fd is unusable (EBADF…): stop polling so the loop does not spin; JS hears of it.
    uv_poll_stop(handle);
    call_js(endpoint, status);
    return;
  }
  bool drained;
  read_batches(endpoint, &drained);
  if (endpoint->closed || endpoint->hold_ms == 0) return;
  // A second wake-up within one hold of the previous one: datagrams arrive faster than one per hold, so
  // from now on they are read in batches by the timer.
  uint64_t now = uv_hrtime();
  bool busy = now - endpoint->last_wake_ns < (uint64_t)endpoint->hold_ms * 1000000u;
  endpoint->last_wake_ns = now;
  if (busy) start_holding(endpoint);
}

bool udp_batch_get_endpoint(napi_env env, napi_value value, endpoint_t **out) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external) return false;
  return napi_get_value_external(env, value, (void **)out) == napi_ok && *out != NULL;
}

// udpBatchArena() → ArrayBuffer: the environment's shared receive arena (layout above).
static napi_value udp_batch_arena(napi_env env, napi_callback_info info) {
  (void)info;
  arena_t *arena = get_arena(env);
  if (!arena) return throw_errno(env, ENOMEM, "malloc");
  napi_value buffer;
  napi_get_reference_value(env, arena->arena_ref, &buffer);
  return buffer;
}

// udpBatchOpen(fd, onBatch[, holdMs]) → handle. Takes ownership of fd (closed by udpBatchClose); when it
// throws, the fd is still the caller's. holdMs (0..1000, default 0): polled mode's hold (top of this file).
static napi_value udp_batch_open(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  int32_t fd = -1;
  napi_valuetype type = napi_undefined;
  if (argc < 2 || napi_get_value_int32(env, args[0], &fd) != napi_ok || fd < 0)
    return throw_type(env, "udpBatchOpen(fd, onBatch): fd must be a file descriptor");
  napi_typeof(env, args[1], &type);
  if (type != napi_function) return throw_type(env, "udpBatchOpen(fd, onBatch): onBatch must be a function");
  int32_t hold_ms = 0;
  if (argc >= 3 && (napi_get_value_int32(env, args[2], &hold_ms) != napi_ok || hold_ms < 0 || hold_ms > 1000))
    return throw_type(env, "udpBatchOpen(fd, onBatch, holdMs): holdMs must be an integer 0..1000");
  int socket_type = 0;
  socklen_t length = sizeof socket_type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &socket_type, &length) != 0) return throw_errno(env, errno, "getsockopt");
  if (socket_type != SOCK_DGRAM) return throw_type(env, "udpBatchOpen: fd is not a datagram socket");
  arena_t *arena = get_arena(env);
  if (!arena) return throw_errno(env, ENOMEM, "malloc");
  struct uv_loop_s *loop = NULL;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return throw_errno(env, EINVAL, "napi_get_uv_event_loop");

  endpoint_t *endpoint = calloc(1, sizeof *endpoint);
  if (!endpoint) return throw_errno(env, ENOMEM, "malloc");
  endpoint->env = env;
  endpoint->arena = arena;
  endpoint->fd = fd;
  socklen_t device_length = sizeof endpoint->device;
  if (getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, endpoint->device, &device_length) != 0) endpoint->device[0] = 0;
  endpoint->device[sizeof endpoint->device - 1] = 0;
  endpoint->hold_ms = (uint32_t)hold_ms;
  int err = uv_poll_init(loop, &endpoint->poll, fd);
  if (err < 0) {
    free(endpoint);
    return throw_errno(env, -err, "uv_poll_init");
  }
  endpoint->poll.data = endpoint;
  endpoint->uv_open = 1;
  uv_timer_init(loop, &endpoint->hold_timer);  // cannot fail
  endpoint->hold_timer.data = endpoint;
  endpoint->uv_open = 2;
  napi_value name, handle;
  napi_create_string_utf8(env, "qdhcp.UdpBatch", NAPI_AUTO_LENGTH, &name);
  if (napi_create_reference(env, args[1], 1, &endpoint->callback) != napi_ok ||
      napi_async_init(env, NULL, name, &endpoint->async) != napi_ok ||
      napi_create_external(env, endpoint, finalize_endpoint, NULL, &handle) != napi_ok) {
    endpoint->js_released = true;  // no external owns it
    endpoint->fd = -1;             // the caller still owns the fd when this throws
    close_endpoint(endpoint);
    return throw_errno(env, ENOMEM, "napi");
  }
  err = uv_poll_start(&endpoint->poll, UV_READABLE, on_readable);
  if (err < 0) {
    endpoint->fd = -1;
    close_endpoint(endpoint);
    return throw_errno(env, -err, "uv_poll_start");
  }
  return handle;
}

static napi_value udp_batch_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  endpoint_t *endpoint;
  napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
  if (argc < 1 || !udp_batch_get_endpoint(env, arg, &endpoint)) return throw_type(env, "udpBatchClose(handle)");
  close_endpoint(endpoint);
  return NULL;
}

// udpBatchHolding(handle) → true while the endpoint is in polled mode (top of this file).
static napi_value udp_batch_holding(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg, result;
  endpoint_t *endpoint;
  napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
  if (argc < 1 || !udp_batch_get_endpoint(env, arg, &endpoint)) return throw_type(env, "udpBatchHolding(handle)");
  napi_get_boolean(env, endpoint->holding && !endpoint->closed, &result);
  return result;
}

napi_value udp_batch_register(napi_env env, napi_value exports) {
  napi_value fn, constant;
  napi_create_function(env, "udpBatchArena", NAPI_AUTO_LENGTH, udp_batch_arena, NULL, &fn);
  napi_set_named_property(env, exports, "udpBatchArena", fn);
  napi_create_function(env, "udpBatchOpen", NAPI_AUTO_LENGTH, udp_batch_open, NULL, &fn);
  napi_set_named_property(env, exports, "udpBatchOpen", fn);
  napi_create_function(env, "udpBatchClose", NAPI_AUTO_LENGTH, udp_batch_close, NULL, &fn);
  napi_set_named_property(env, exports, "udpBatchClose", fn);
  napi_create_function(env, "udpBatchHolding", NAPI_AUTO_LENGTH, udp_batch_holding, NULL, &fn);
  napi_set_named_property(env, exports, "udpBatchHolding", fn);
  napi_create_function(env, "udpBatchSend", NAPI_AUTO_LENGTH, udp_batch_send, NULL, &fn);
  napi_set_named_property(env, exports, "udpBatchSend", fn);
  napi_create_int32(env, BATCH_SLOTS, &constant);
  napi_set_named_property(env, exports, "UDP_BATCH_SLOTS", constant);
  napi_create_int32(env, SLOT_SIZE, &constant);
  napi_set_named_property(env, exports, "UDP_BATCH_SLOT_SIZE", constant);
  napi_create_int32(env, NEIGHBOUR_SET, &constant);
  napi_set_named_property(env, exports, "UDP_BATCH_NEIGHBOUR_SET", constant);
  napi_create_int32(env, NEIGHBOUR_BROADCAST, &constant);
  napi_set_named_property(env, exports, "UDP_BATCH_NEIGHBOUR_BROADCAST", constant);
  return exports;
}

NAPI_MODULE_INIT() { return udp_batch_register(env, exports); }
