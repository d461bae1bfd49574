// The (netnsPath, device) arguments of the addons that open a socket on one device inside a namespace
// (icmp6Open, packetOpen): read into fixed buffers, or a TypeError naming the function. Each addon is its
// own node-gyp target, so the function is static per addon.
#ifndef QDHCP_NETNS_DEVICE_ARGS_H
#define QDHCP_NETNS_DEVICE_ARGS_H

#include <net/if.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdio.h>

#include "napi-errors.h"

#define NETNS_PATH_MAX 512

// Reads args[0] into `path` and args[1] into `device`; false after throwing a TypeError for `function`.
static bool read_netns_device(napi_env env, size_t argc, napi_value *args, const char *function,
                              char path[NETNS_PATH_MAX], char device[IFNAMSIZ + 1]) {
  char message[160];
  size_t length = 0;
  if (argc < 2 || napi_get_value_string_utf8(env, args[0], path, NETNS_PATH_MAX, &length) != napi_ok ||
      length >= NETNS_PATH_MAX - 1) {
    snprintf(message, sizeof message, "%s(netnsPath, device): netnsPath must be a string", function);
    throw_type(env, message);
    return false;
  }
  if (napi_get_value_string_utf8(env, args[1], device, IFNAMSIZ + 1, &length) != napi_ok || length == 0 ||
      length >= IFNAMSIZ) {
    snprintf(message, sizeof message, "%s(netnsPath, device): device must be an interface name", function);
    throw_type(env, message);
    return false;
  }
  return true;
}

#endif
