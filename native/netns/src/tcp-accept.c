// One-request TCP connections served without a net.Socket each (the metadata proxy, issue 17 item 2):
// a listening socket the netns addon opened is polled here; accept4() gives the connection and its peer in
// one call (no getpeername), its first bytes are read at once when they are there (a booting guest's GET
// usually is), else the connection waits in this listener's own epoll set (one uv_poll for all of them).
// JS is called ONCE per batch of events; the answer is one send() and a close(). A connection JS does not
// answer itself is released to it (its fd becomes a net.Socket for node:http). Node's per-connection floor
// (a TCPWrap, a net.Socket with its streams, getpeername, a timer, a shutdown request) is what the profile
// left after the fast path (docs/performance.md "Issue 17, item 2").
//
// Ownership: a connection's fd is this addon's from accept until JS replies (then closed here, after any
// rest of the answer was written), drops it, releases it (then JS's), or it is reported GONE (closed here).
// Only those four close it, so an fd number JS holds is never reused under it.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>
#include "napi-errors.h"
#include "tcp-accept.h"

typedef struct {
  napi_env env;
  arena_t *arena;
  uv_poll_t listen_poll, epoll_poll;
  napi_ref callback;
  napi_async_context async;
  int listen_fd, epoll_fd;
  writer_t *writers;
  int open;            // connections accepted and not yet closed here or released to JS
  bool stopped;        // no more accepting (listen fd closed)
  bool finished;       // epoll closed too: nothing left here
  int uv_open;         // uv handles not yet closed
  bool js_released;
} listener_t;

static void maybe_free(listener_t *listener) {
  if (listener->uv_open == 0 && listener->js_released) free(listener);
}

static void on_uv_closed(uv_handle_t *handle) {
  listener_t *listener = handle->data;
  if (--listener->uv_open == 0) {
    if (listener->callback) napi_delete_reference(listener->env, listener->callback);
    if (listener->async) napi_async_destroy(listener->env, listener->async);
    listener->callback = NULL;
    listener->async = NULL;
  }
  maybe_free(listener);
}

static void stop_accepting(listener_t *listener) {
  if (listener->stopped) return;
  listener->stopped = true;
  uv_poll_stop(&listener->listen_poll);
  uv_close((uv_handle_t *)&listener->listen_poll, on_uv_closed);
  close(listener->listen_fd);
  listener->listen_fd = -1;
}

// After stop_accepting, once every connection is closed or released (answers written, waiting ones
// dropped by JS): the epoll set goes too.
static void finish_if_idle(listener_t *listener) {
  if (!listener->stopped || listener->finished || listener->open > 0) return;
  listener->finished = true;
  uv_poll_stop(&listener->epoll_poll);
  uv_close((uv_handle_t *)&listener->epoll_poll, on_uv_closed);
  close(listener->epoll_fd);
  listener->epoll_fd = -1;
}

static void finalize_listener(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  listener_t *listener = data;
  stop_accepting(listener);
  // Unwritten answers of a collected listener are cut: nobody can ask for them any more.
  while (listener->writers) {
    writer_t *writer = listener->writers;
    listener->writers = writer->next;
    close(writer->fd);
    free(writer);
  }
  listener->open = 0;  // waiting ones are unreachable now; their fds go with the process
  finish_if_idle(listener);
  listener->js_released = true;
  maybe_free(listener);
}

static void call_js(listener_t *listener, int32_t count) {
  napi_env env = listener->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, receiver, arg, result;
  if (napi_get_reference_value(env, listener->callback, &callback) == napi_ok && callback != NULL) {
    napi_get_global(env, &receiver);
    napi_create_int32(env, count, &arg);
    if (napi_make_callback(env, listener->async, receiver, callback, 1, &arg, &result) == napi_pending_exception) {
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
      napi_fatal_exception(env, error);
    }
  }
  napi_close_handle_scope(env, scope);
}

static void set_event(listener_t *listener, int slot, int fd, int kind, int length) {
  uint8_t *arena = listener->arena->arena;
  ((int32_t *)(arena + FDS_OFFSET))[slot] = fd;
  ((int32_t *)(arena + KINDS_OFFSET))[slot] = kind;
  ((int32_t *)(arena + LENGTHS_OFFSET))[slot] = length;
}

static void set_peer(listener_t *listener, int slot, const struct sockaddr_storage *peer) {
  uint8_t *arena = listener->arena->arena;
  char *text = (char *)(arena + PEERS_OFFSET + (size_t)slot * PEER_SIZE);
  text[0] = 0;
  if (peer->ss_family == AF_INET) inet_ntop(AF_INET, &((const struct sockaddr_in *)peer)->sin_addr, text, PEER_SIZE);
  else if (peer->ss_family == AF_INET6) inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)peer)->sin6_addr, text, PEER_SIZE);
  ((int32_t *)(arena + PEER_LENGTHS_OFFSET))[slot] = (int32_t)strlen(text);
}

static uint8_t *slot_bytes(listener_t *listener, int slot) {
  return listener->arena->arena + (size_t)slot * SLOT_SIZE;
}

static void on_listen_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  listener_t *listener = handle->data;
  if (listener->stopped || status < 0) return;
  int count = 0;
  while (count < EVENT_SLOTS) {
    struct sockaddr_storage peer;
    socklen_t peer_length = sizeof peer;
    int fd = accept4(listener->listen_fd, (struct sockaddr *)&peer, &peer_length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      break;  // EAGAIN: drained; EMFILE and the like: tried again on the next wake-up, as libuv does
    }
    ssize_t got = recv(fd, slot_bytes(listener, count), SLOT_SIZE, MSG_DONTWAIT);
    if (got > 0) {
      set_event(listener, count, fd, KIND_ACCEPTED_DATA, (int)got);
    } else if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      struct epoll_event watch = {.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT, .data.u64 = (uint32_t)fd};
      if (epoll_ctl(listener->epoll_fd, EPOLL_CTL_ADD, fd, &watch) != 0) { close(fd); continue; }
      set_event(listener, count, fd, KIND_ACCEPTED, 0);
    } else {
      close(fd);  // closed or reset before a byte: JS never hears of it
      continue;
    }
    set_peer(listener, count, &peer);
    listener->open++;
    count++;
  }
  if (count > 0) call_js(listener, count);
}

static void on_writable(listener_t *listener, int fd) {
  for (writer_t **at = &listener->writers; *at; at = &(*at)->next) {
    writer_t *writer = *at;
    if (writer->fd != fd) continue;
    if (write_more(writer)) {
      *at = writer->next;
      close(fd);
      free(writer);
      listener->open--;
    } else {
      struct epoll_event watch = {.events = EPOLLOUT | EPOLLONESHOT, .data.u64 = WRITER_BIT | (uint32_t)fd};
      epoll_ctl(listener->epoll_fd, EPOLL_CTL_MOD, fd, &watch);
    }
    return;
  }
}

static void on_epoll_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  listener_t *listener = handle->data;
  if (listener->finished || status < 0) return;
  struct epoll_event ready[EVENT_SLOTS];
  int n = epoll_wait(listener->epoll_fd, ready, EVENT_SLOTS, 0);
  int count = 0;
  for (int i = 0; i < n; i++) {
    int fd = (int)(uint32_t)ready[i].data.u64;
    if (ready[i].data.u64 & WRITER_BIT) {
      on_writable(listener, fd);
      continue;
    }
    ssize_t got = recv(fd, slot_bytes(listener, count), SLOT_SIZE, MSG_DONTWAIT);
    if (got > 0) {
      set_event(listener, count, fd, KIND_DATA, (int)got);
    } else if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      struct epoll_event watch = {.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT, .data.u64 = (uint32_t)fd};
      epoll_ctl(listener->epoll_fd, EPOLL_CTL_MOD, fd, &watch);  // spurious: wait again
      continue;
    } else {
      close(fd);
      listener->open--;
      set_event(listener, count, fd, KIND_GONE, 0);
    }
    count++;
  }
  if (count > 0) call_js(listener, count);
  finish_if_idle(listener);
}

static bool get_listener(napi_env env, napi_value value, listener_t **out) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external) return false;
  return napi_get_value_external(env, value, (void **)out) == napi_ok && *out != NULL;
}

static bool get_fd(napi_env env, napi_value value, int32_t *fd) {
  return napi_get_value_int32(env, value, fd) == napi_ok && *fd >= 0;
}

// tcpAcceptArena() → ArrayBuffer: the environment's shared event arena (layout above).
static napi_value tcp_accept_arena(napi_env env, napi_callback_info info) {
  (void)info;
  arena_t *arena = get_arena(env);
  if (!arena) return throw_errno(env, ENOMEM, "malloc");
  napi_value buffer;
  napi_get_reference_value(env, arena->arena_ref, &buffer);
  return buffer;
}

// tcpAcceptOpen(fd, backlog, onEvents(count)) → handle. listen()s on the bound stream socket fd (again, for
// one received in a handover: that only sets the backlog) and owns it from then on (closed by tcpAcceptStop);
// when this throws, the fd is still the caller's.
static napi_value tcp_accept_open(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  int32_t fd = -1, backlog = 0;
  napi_valuetype type = napi_undefined;
  if (argc >= 3) napi_typeof(env, args[2], &type);
  if (argc < 3 || !get_fd(env, args[0], &fd) || napi_get_value_int32(env, args[1], &backlog) != napi_ok || type != napi_function)
    return throw_type(env, "tcpAcceptOpen(fd, backlog, onEvents)");
  int socket_type = 0;
  socklen_t length = sizeof socket_type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &socket_type, &length) != 0) return throw_errno(env, errno, "getsockopt");
  if (socket_type != SOCK_STREAM) return throw_type(env, "tcpAcceptOpen: fd is not a stream socket");
  if (listen(fd, backlog) != 0) return throw_errno(env, errno, "listen");
  arena_t *arena = get_arena(env);
  struct uv_loop_s *loop = NULL;
  if (!arena || napi_get_uv_event_loop(env, &loop) != napi_ok) return throw_errno(env, ENOMEM, "napi");
  int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) return throw_errno(env, errno, "epoll_create1");
  listener_t *listener = calloc(1, sizeof *listener);
  if (!listener) { close(epoll_fd); return throw_errno(env, ENOMEM, "malloc"); }
  listener->env = env;
  listener->arena = arena;
  listener->listen_fd = fd;
  listener->epoll_fd = epoll_fd;
  if (uv_poll_init(loop, &listener->listen_poll, fd) < 0 || uv_poll_init(loop, &listener->epoll_poll, epoll_fd) < 0) {
    // uv_poll_init only fails on a bad fd, before registering anything.
    close(epoll_fd);
    free(listener);
    return throw_errno(env, EBADF, "uv_poll_init");
  }
  listener->uv_open = 2;
  listener->listen_poll.data = listener;
  listener->epoll_poll.data = listener;
  napi_value name, handle;
  napi_create_string_utf8(env, "qdhcp.TcpAccept", NAPI_AUTO_LENGTH, &name);
  if (napi_create_reference(env, args[2], 1, &listener->callback) != napi_ok ||
      napi_async_init(env, NULL, name, &listener->async) != napi_ok ||
      napi_create_external(env, listener, finalize_listener, NULL, &handle) != napi_ok) {
    listener->js_released = true;
    listener->listen_fd = dup(fd);  // the caller keeps its fd: the listener closes a copy
    stop_accepting(listener);
    finish_if_idle(listener);
    return throw_errno(env, ENOMEM, "napi");
  }
  uv_poll_start(&listener->listen_poll, UV_READABLE, on_listen_readable);
  uv_poll_start(&listener->epoll_poll, UV_READABLE, on_epoll_readable);
  return handle;
}

// tcpAcceptReply(handle, fd, bytes) → true when written at once (the rest, if any, is written here before
// the close). The connection is closed either way; the fd is no longer the caller's.
static napi_value tcp_accept_reply(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  listener_t *listener;
  int32_t fd;
  void *data = NULL;
  size_t size = 0;
  bool is_buffer = false;
  if (argc < 3 || !get_listener(env, args[0], &listener) || !get_fd(env, args[1], &fd) ||
      napi_is_buffer(env, args[2], &is_buffer) != napi_ok || !is_buffer || napi_get_buffer_info(env, args[2], &data, &size) != napi_ok)
    return throw_type(env, "tcpAcceptReply(handle, fd, buffer)");
  size_t written = 0;
  bool done = false;
  while (!done) {
    ssize_t sent = send(fd, (uint8_t *)data + written, size - written, REPLY_FLAGS);
    if (sent > 0) written += (size_t)sent;
    else if (sent < 0 && errno == EINTR) continue;
    else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    else done = true;  // the peer is gone: nothing more to write
    if (written == size) done = true;
  }
  napi_value result;
  if (done) {
    close(fd);
    listener->open--;
    finish_if_idle(listener);
    napi_get_boolean(env, written == size, &result);
    return result;
  }
  writer_t *writer = malloc(sizeof *writer + (size - written));
  struct epoll_event watch = {.events = EPOLLOUT | EPOLLONESHOT, .data.u64 = WRITER_BIT | (uint32_t)fd};
  // Registered already when it waited for its first bytes (then MOD), else not (ADD).
  if (writer == NULL || (epoll_ctl(listener->epoll_fd, EPOLL_CTL_MOD, fd, &watch) != 0 &&
                         epoll_ctl(listener->epoll_fd, EPOLL_CTL_ADD, fd, &watch) != 0)) {
    free(writer);
    close(fd);
    listener->open--;
    finish_if_idle(listener);
  } else {
    writer->fd = fd;
    writer->offset = 0;
    writer->length = size - written;
    memcpy(writer->bytes, (uint8_t *)data + written, size - written);
    writer->next = listener->writers;
    listener->writers = writer;
  }
  napi_get_boolean(env, false, &result);
  return result;
}

// A connection the listener stops counting: closed here (drop), or left open for the caller (release).
static napi_value forget_connection(napi_env env, napi_callback_info info, const char *usage, bool close_it) {
  size_t argc = 2;
  napi_value args[2];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  listener_t *listener;
  int32_t fd;
  if (argc < 2 || !get_listener(env, args[0], &listener) || !get_fd(env, args[1], &fd))
    return throw_type(env, usage);
  if (close_it) close(fd);  // also leaves the epoll set
  else epoll_ctl(listener->epoll_fd, EPOLL_CTL_DEL, fd, NULL);  // ENOENT when it never waited
  listener->open--;
  finish_if_idle(listener);
  return NULL;
}

// tcpAcceptDrop(handle, fd): closes a connection the caller still owns (a cap, a timeout, shutting down).
static napi_value tcp_accept_drop(napi_env env, napi_callback_info info) {
  return forget_connection(env, info, "tcpAcceptDrop(handle, fd)", true);
}

// tcpAcceptRelease(handle, fd): the connection is the caller's from now on (a net.Socket for node:http).
static napi_value tcp_accept_release(napi_env env, napi_callback_info info) {
  return forget_connection(env, info, "tcpAcceptRelease(handle, fd)", false);
}

// tcpAcceptStop(handle): stops accepting and closes the listening fd; answers still being written finish.
static napi_value tcp_accept_stop(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  listener_t *listener;
  napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
  if (argc < 1 || !get_listener(env, arg, &listener)) return throw_type(env, "tcpAcceptStop(handle)");
  stop_accepting(listener);
  finish_if_idle(listener);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn, constant;
  napi_create_function(env, "tcpAcceptArena", NAPI_AUTO_LENGTH, tcp_accept_arena, NULL, &fn);
  napi_set_named_property(env, exports, "tcpAcceptArena", fn);
  napi_create_function(env, "tcpAcceptOpen", NAPI_AUTO_LENGTH, tcp_accept_open, NULL, &fn);
  napi_set_named_property(env, exports, "tcpAcceptOpen", fn);
  napi_create_function(env, "tcpAcceptReply", NAPI_AUTO_LENGTH, tcp_accept_reply, NULL, &fn);
  napi_set_named_property(env, exports, "tcpAcceptReply", fn);
  napi_create_function(env, "tcpAcceptDrop", NAPI_AUTO_LENGTH, tcp_accept_drop, NULL, &fn);
  napi_set_named_property(env, exports, "tcpAcceptDrop", fn);
  napi_create_function(env, "tcpAcceptRelease", NAPI_AUTO_LENGTH, tcp_accept_release, NULL, &fn);
  napi_set_named_property(env, exports, "tcpAcceptRelease", fn);
  napi_create_function(env, "tcpAcceptStop", NAPI_AUTO_LENGTH, tcp_accept_stop, NULL, &fn);
  napi_set_named_property(env, exports, "tcpAcceptStop", fn);
  napi_create_int32(env, EVENT_SLOTS, &constant);
  napi_set_named_property(env, exports, "TCP_ACCEPT_SLOTS", constant);
  napi_create_int32(env, SLOT_SIZE, &constant);
  napi_set_named_property(env, exports, "TCP_ACCEPT_SLOT_SIZE", constant);
  return exports;
}
