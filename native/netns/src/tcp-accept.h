// The tcp_accept addon's layout and pure helpers (tcp-accept.c): the shared event arena, the writer of an
// answer that did not fit the send buffer at once.
#ifndef QDHCP_TCP_ACCEPT_H
#define QDHCP_TCP_ACCEPT_H

#include <errno.h>
#include <node_api.h>
#include "napi-arena.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

// Arena (one per JS environment, read synchronously inside the callback; N = EVENT_SLOTS):
//   [N × SLOT_SIZE first bytes][N × i32 fd][N × i32 kind][N × i32 length][N × i32 peer length][N × PEER_SIZE peer text]
#define EVENT_SLOTS 64
#define SLOT_SIZE 8192
#define PEER_SIZE 48
#define FDS_OFFSET (EVENT_SLOTS * SLOT_SIZE)
#define KINDS_OFFSET (FDS_OFFSET + EVENT_SLOTS * 4)
#define LENGTHS_OFFSET (KINDS_OFFSET + EVENT_SLOTS * 4)
#define PEER_LENGTHS_OFFSET (LENGTHS_OFFSET + EVENT_SLOTS * 4)
#define PEERS_OFFSET (PEER_LENGTHS_OFFSET + EVENT_SLOTS * 4)
#define ARENA_BYTES (PEERS_OFFSET + EVENT_SLOTS * PEER_SIZE)

// Event kinds (index.d.ts mirrors them).
#define KIND_ACCEPTED 1       // new connection, peer given, nothing read yet (it waits here)
#define KIND_ACCEPTED_DATA 2  // new connection, peer and first bytes given
#define KIND_DATA 3           // first bytes of a waiting connection
#define KIND_GONE 4           // a waiting connection closed or failed before sending anything (closed here)

// A writer's epoll data has this bit set (the rest is the fd): the answer did not fit the send buffer.
#define WRITER_BIT (1ull << 32)

typedef struct writer {
  struct writer *next;
  int fd;
  size_t offset, length;
  uint8_t bytes[];
} writer_t;

typedef arena_base_t arena_t;

static arena_t *get_arena(napi_env env) {
  return instance_arena(env, sizeof(arena_t), ARENA_BYTES, NULL);
}

// Writes what is left of a writer's answer; true when it is done (written, or the peer is gone).
// Every answer is followed by close(): MSG_MORE keeps its last partial segment queued, so the close's FIN
// rides on it (tcp_send_fin tacks the FIN onto an unsent tail) and the answer leaves as one segment, not
// data then a bare FIN. Each segment the agent sends crosses the veth pair and bridge and runs the guest
// side's TCP receive in the agent's own context (softirq), so this is one traversal fewer per request;
// the guest's client also wakes once (data and end together) instead of twice. docs/performance.md
// "Issue 17, item 2, round 3".
#define REPLY_FLAGS (MSG_NOSIGNAL | MSG_DONTWAIT | MSG_MORE)

static bool write_more(writer_t *writer) {
  while (writer->offset < writer->length) {
    ssize_t sent = send(writer->fd, writer->bytes + writer->offset, writer->length - writer->offset, REPLY_FLAGS);
    if (sent > 0) writer->offset += (size_t)sent;
    else if (sent < 0 && errno == EINTR) continue;
    else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    else return true;
  }
  return true;
}

#endif
