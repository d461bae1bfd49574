// udpBatchSend: the replies of a batch with one sendmmsg (udp-batch.c receives them).
//
// Neighbour entries: a DHCP reply to a client without an address (RFC 2131 §4.1, "unicast-to-hardware")
// can go to yiaddr only once the kernel knows yiaddr's MAC, since the client cannot answer ARP yet. Like
// dnsmasq (dhcp.c, dhcp_packet: "inject mac address direct into ARP cache"), the send path sets that entry
// with one SIOCSARP on the socket itself (ATF_COM, not permanent: STALE, aged out by the kernel), which acts
// in the socket's own namespace, then sends to yiaddr. When the kernel refuses the entry (yiaddr on no link,
// table full, no CAP_NET_ADMIN) the reply goes to 255.255.255.255 instead, as RFC 2131 allows (dnsmasq logs
// and sends the unicast anyway; docs/dhcp-engine.md).
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <node_api.h>
#include "napi-errors.h"
#include "udp-batch.h"
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

static bool get_typed(napi_env env, napi_value value, napi_typedarray_type want, void **data, size_t *length) {
  bool is = false;
  napi_typedarray_type type;
  if (napi_is_typedarray(env, value, &is) != napi_ok || !is) return false;
  if (napi_get_typedarray_info(env, value, &type, length, data, NULL, NULL) != napi_ok) return false;
  return type == want;
}

// Sets the neighbour entry address → mac (6 octets) on the socket's namespace, on the socket's bound device
// or, unbound, on the device of the link-scope route to address (so an address off every link fails).
static bool set_neighbour(const endpoint_t *endpoint, uint32_t address, const uint8_t *mac) {
  struct arpreq request;
  memset(&request, 0, sizeof request);
  struct sockaddr_in *protocol = (struct sockaddr_in *)&request.arp_pa;
  protocol->sin_family = AF_INET;
  protocol->sin_addr.s_addr = address;
  request.arp_ha.sa_family = ARPHRD_ETHER;
  memcpy(request.arp_ha.sa_data, mac, 6);
  request.arp_flags = ATF_COM;
  memcpy(request.arp_dev, endpoint->device, sizeof request.arp_dev);
  return ioctl(endpoint->fd, SIOCSARP, &request) == 0;
}

// udpBatchSend(handle, count, replies: Buffer[], addresses: Uint32Array (network order), ports: Uint16Array
// [, neighbours: Uint8Array, hardware: Uint8Array (6 octets per reply)]) → datagrams handed to the kernel.
// One sendmmsg for the batch; a reply the kernel refuses (full buffer: EAGAIN) and the ones after it are
// dropped, as dnsmasq drops them; a reply refused for itself (EPERM, ENETUNREACH…) is skipped and the rest
// still go. A reply with neighbours[i] = NEIGHBOUR_SET first gets the neighbour entry addresses[i] →
// hardware[6i..6i+6] (see the top of this file); neighbours[i] says afterwards whether it fell back.
napi_value udp_batch_send(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value args[7];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  endpoint_t *endpoint;
  int32_t count = -1;
  bool is_array = false;
  uint32_t *addresses;
  uint16_t *ports;
  size_t address_count, port_count;
  uint32_t reply_count = 0;
  if (argc < 5 || !udp_batch_get_endpoint(env, args[0], &endpoint)) return throw_type(env, "udpBatchSend(handle, count, replies, addresses, ports)");
  if (napi_get_value_int32(env, args[1], &count) != napi_ok || count < 0 || count > BATCH_SLOTS)
    return throw_type(env, "udpBatchSend: count must be 0..64");
  if (napi_is_array(env, args[2], &is_array) != napi_ok || !is_array || napi_get_array_length(env, args[2], &reply_count) != napi_ok || reply_count < (uint32_t)count)
    return throw_type(env, "udpBatchSend: replies must be an array of at least count Buffers");
  if (!get_typed(env, args[3], napi_uint32_array, (void **)&addresses, &address_count) || address_count < (size_t)count)
    return throw_type(env, "udpBatchSend: addresses must be a Uint32Array of at least count entries");
  if (!get_typed(env, args[4], napi_uint16_array, (void **)&ports, &port_count) || port_count < (size_t)count)
    return throw_type(env, "udpBatchSend: ports must be a Uint16Array of at least count entries");
  uint8_t *neighbours = NULL, *hardware = NULL;
  size_t neighbour_count = 0, hardware_length = 0;
  if (argc >= 7) {
    if (!get_typed(env, args[5], napi_uint8_array, (void **)&neighbours, &neighbour_count) || neighbour_count < (size_t)count ||
        !get_typed(env, args[6], napi_uint8_array, (void **)&hardware, &hardware_length) || hardware_length < (size_t)count * 6)
      return throw_type(env, "udpBatchSend: neighbours must be a Uint8Array of count entries and hardware one of 6 × count octets");
  }
  if (endpoint->closed) return throw_errno(env, EBADF, "sendmmsg");

  struct mmsghdr messages[BATCH_SLOTS];
  struct iovec iovecs[BATCH_SLOTS];
  struct sockaddr_in targets[BATCH_SLOTS];
  memset(messages, 0, sizeof(struct mmsghdr) * (size_t)count);
  for (int32_t i = 0; i < count; i++) {
    napi_value reply;
    void *data;
    size_t length;
    bool is_buffer = false;
    napi_get_element(env, args[2], (uint32_t)i, &reply);
    if (napi_is_buffer(env, reply, &is_buffer) != napi_ok || !is_buffer || napi_get_buffer_info(env, reply, &data, &length) != napi_ok)
      return throw_type(env, "udpBatchSend: every reply must be a Buffer");
    iovecs[i].iov_base = data;
    iovecs[i].iov_len = length;
    targets[i] = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(ports[i]), .sin_addr.s_addr = addresses[i]};
    if (neighbours && neighbours[i] == NEIGHBOUR_SET && !set_neighbour(endpoint, addresses[i], hardware + (size_t)i * 6)) {
      neighbours[i] = NEIGHBOUR_BROADCAST;
      targets[i].sin_addr.s_addr = INADDR_BROADCAST;
    }
    messages[i].msg_hdr.msg_name = &targets[i];
    messages[i].msg_hdr.msg_namelen = sizeof targets[i];
    messages[i].msg_hdr.msg_iov = &iovecs[i];
    messages[i].msg_hdr.msg_iovlen = 1;
  }
  int32_t sent = 0, next = 0;
  while (next < count) {
    int result = sendmmsg(endpoint->fd, messages + next, (unsigned)(count - next), MSG_DONTWAIT);
    if (result > 0) {
      sent += result;
      next += result;
    } else if (result < 0 && errno == EINTR) {
      continue;
    } else if (result < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else if (result < 0 && (errno == EBADF || errno == ENOTSOCK)) {
      return throw_errno(env, errno, "sendmmsg");
    } else if (neighbours && neighbours[next] == NEIGHBOUR_SET) {
      // The unicast was refused (no route to yiaddr…): once more to the broadcast address.
      neighbours[next] = NEIGHBOUR_BROADCAST;
      targets[next].sin_addr.s_addr = INADDR_BROADCAST;
    } else {
      next++;  // this one was refused on its own (or result 0): skip it
    }
  }
  napi_value value;
  napi_create_int32(env, sent, &value);
  return value;
}

