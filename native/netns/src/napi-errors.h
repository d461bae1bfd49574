// The errors the netns addons throw into JavaScript: a system call's errno as an Error with
// `code` (its E-name) and `syscall`, the shape src/linux/ code checks; a bad argument as a TypeError.
// Included by each addon (each is its own node-gyp target, so the functions are static per addon).
#ifndef QDHCP_NAPI_ERRORS_H
#define QDHCP_NAPI_ERRORS_H

#include <node_api.h>
#include <string.h>

static napi_value throw_errno(napi_env env, int err, const char *syscall) {
  napi_value message, code, error, syscall_value;
  napi_create_string_utf8(env, strerror(err), NAPI_AUTO_LENGTH, &message);
  const char *name = strerrorname_np(err);
  napi_create_string_utf8(env, name ? name : "EUNKNOWN", NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, message, &error);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_value);
  napi_set_named_property(env, error, "syscall", syscall_value);
  napi_throw(env, error);
  return NULL;
}

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG", message);
  return NULL;
}

#endif
