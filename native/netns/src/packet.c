// Gratuitous ARP from a router namespace (docs/routers.md "Gratuitous ARP"): a raw AF_PACKET socket made
// inside the namespace (protocol 0: it receives nothing), the device's index and hardware address read
// there, and frames built by src/linux/arp-frame.ts sent out of that device. Replaces one `arping` process
// per frame (six per floating IP). The socket is the caller's; close it with fs.closeSync.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <node_api.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "napi-errors.h"
#include "netns-device-args.h"
#include "netns-enter.h"

// packetOpen(netnsPath, device) -> { fd, ifindex, mac: Buffer(6) }
static napi_value packet_open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  char path[NETNS_PATH_MAX] = {0}, device[IFNAMSIZ + 1] = {0};
  if (!read_netns_device(env, argc, args, "packetOpen", path, device)) return NULL;
  netns_visit_t visit;
  int enter_err = 0;
  const char *enter_failed = netns_enter(path, &visit, &enter_err);
  if (enter_failed) return throw_errno(env, enter_err, enter_failed);
  const char *failed = NULL;
  int err = 0;
  unsigned int ifindex = 0;
  struct ifreq request;
  memset(&request, 0, sizeof request);
  snprintf(request.ifr_name, IFNAMSIZ, "%s", device); // length checked above: < IFNAMSIZ
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) { failed = "socket"; err = errno; }
  else if ((ifindex = if_nametoindex(device)) == 0) { failed = "if_nametoindex"; err = errno; }
  else if (ioctl(fd, SIOCGIFHWADDR, &request) != 0) { failed = "ioctl"; err = errno; }
  netns_leave(&visit);
  if (failed) {
    if (fd >= 0) close(fd);
    return throw_errno(env, err, failed);
  }
  napi_value result, value;
  void *mac = NULL;
  napi_create_object(env, &result);
  napi_create_int32(env, fd, &value);
  napi_set_named_property(env, result, "fd", value);
  napi_create_uint32(env, ifindex, &value);
  napi_set_named_property(env, result, "ifindex", value);
  napi_create_buffer_copy(env, ETH_ALEN, request.ifr_hwaddr.sa_data, &mac, &value);
  napi_set_named_property(env, result, "mac", value);
  return result;
}

// packetSend(fd, ifindex, frame) -> bytes sent: one whole Ethernet frame (header included) out of ifindex.
static napi_value packet_send(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  int32_t fd = -1;
  uint32_t ifindex = 0;
  void *data = NULL;
  size_t size = 0;
  bool is_buffer = false;
  if (argc < 3 || napi_get_value_int32(env, args[0], &fd) != napi_ok || napi_get_value_uint32(env, args[1], &ifindex) != napi_ok ||
      napi_is_buffer(env, args[2], &is_buffer) != napi_ok || !is_buffer ||
      napi_get_buffer_info(env, args[2], &data, &size) != napi_ok || size < ETH_HLEN)
    return throw_type(env, "packetSend(fd, ifindex, frame): frame must be a Buffer of at least 14 bytes");
  const unsigned char *frame = data;
  struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_ifindex = (int)ifindex, .sll_halen = ETH_ALEN};
  memcpy(&to.sll_protocol, frame + 12, 2); // the frame's EtherType, network byte order as it stands
  memcpy(to.sll_addr, frame, ETH_ALEN);
  ssize_t sent = sendto(fd, data, size, 0, (struct sockaddr *)&to, sizeof to);
  if (sent < 0) return throw_errno(env, errno, "sendto");
  napi_value result;
  napi_create_int32(env, (int32_t)sent, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "packetOpen", NAPI_AUTO_LENGTH, packet_open, NULL, &fn);
  napi_set_named_property(env, exports, "packetOpen", fn);
  napi_create_function(env, "packetSend", NAPI_AUTO_LENGTH, packet_send, NULL, &fn);
  napi_set_named_property(env, exports, "packetSend", fn);
  return exports;
}
