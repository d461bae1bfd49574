// The udp_batch addon's shared layout (udp-batch.c receives and owns the endpoints, udp-batch-send.c
// sends): the receive arena, an endpoint, the neighbour states of a send.
#ifndef QDHCP_UDP_BATCH_H
#define QDHCP_UDP_BATCH_H

#include <net/if.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#define BATCH_SLOTS 64
#define SLOT_SIZE 4096
// recvmmsg rounds per readable event at most; the poll is level-triggered, so what is left is read on the
// next loop iteration, after timers and other sockets had their turn.
#define ROUNDS_PER_EVENT 8

#define DATA_BYTES (BATCH_SLOTS * SLOT_SIZE)
#define LENGTHS_OFFSET DATA_BYTES
#define ADDRESSES_OFFSET (LENGTHS_OFFSET + BATCH_SLOTS * 4)
#define PORTS_OFFSET (ADDRESSES_OFFSET + BATCH_SLOTS * 4)
#define ARENA_BYTES (PORTS_OFFSET + BATCH_SLOTS * 2)

// Starts as arena_base_t does (napi-arena.h), which makes it and frees it with the environment.
typedef struct {
  napi_ref arena_ref;
  uint8_t *arena;
  struct mmsghdr messages[BATCH_SLOTS];
  struct iovec iovecs[BATCH_SLOTS];
  struct sockaddr_in sources[BATCH_SLOTS];
} arena_t;

typedef struct {
  uv_poll_t poll;
  uv_timer_t hold_timer;  // polled mode's reads (hold_ms > 0 only)
  napi_env env;
  arena_t *arena;
  napi_ref callback;
  napi_async_context async;
  int fd;
  uint32_t hold_ms;       // 0: interrupt mode only; else the hold of polled mode (top of udp-batch.c)
  uint64_t last_wake_ns;  // uv_hrtime() of the last readable wake-up
  bool holding;           // in polled mode: the poll is stopped, the hold timer reads
  int uv_open;            // libuv handles not yet closed (uv_close's callbacks still to come)
  char device[IFNAMSIZ];  // SO_BINDTODEVICE's interface at open ("" when unbound): SIOCSARP's arp_dev
  bool closed;       // close() ran: no more reads, fd closed
  bool uv_released;  // every libuv handle's uv_close callback ran
  bool js_released;  // the external's finalizer ran
} endpoint_t;

// Neighbour states of udpBatchSend's `neighbours` array: in NEIGHBOUR_SET, out NEIGHBOUR_SET (entry set,
// sent to the address) or NEIGHBOUR_BROADCAST (entry refused or the unicast send refused: sent to
// 255.255.255.255 instead).
#define NEIGHBOUR_NONE 0
#define NEIGHBOUR_SET 1
#define NEIGHBOUR_BROADCAST 2

// The endpoint behind a handle from udpBatchOpen, or false (udp-batch.c).
bool udp_batch_get_endpoint(napi_env env, napi_value value, endpoint_t **out);
// udpBatchSend (udp-batch-send.c).
napi_value udp_batch_send(napi_env env, napi_callback_info info);

#endif
