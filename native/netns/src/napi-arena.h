// One arena per JS environment, made on first use and freed with the environment: the receive slots of
// udp-batch.c and the request buffer of tcp-accept.c. An addon's instance struct starts with an
// `arena_base_t` (the ArrayBuffer's reference and its bytes); `init` fills the rest once.
#ifndef QDHCP_NAPI_ARENA_H
#define QDHCP_NAPI_ARENA_H

#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct {
  napi_ref arena_ref;
  uint8_t *arena;
} arena_base_t;

static void free_instance_arena(napi_env env, void *data, void *hint) {
  (void)hint;
  arena_base_t *base = data;
  if (base->arena_ref) napi_delete_reference(env, base->arena_ref);
  free(data);
}

// The environment's instance struct of `struct_size` bytes whose base holds an ArrayBuffer of
// `arena_bytes`; NULL when it cannot be made.
static void *instance_arena(napi_env env, size_t struct_size, size_t arena_bytes, void (*init)(void *)) {
  void *data = NULL;
  if (napi_get_instance_data(env, &data) == napi_ok && data) return data;
  data = calloc(1, struct_size);
  if (!data) return NULL;
  arena_base_t *base = data;
  napi_value buffer;
  if (napi_create_arraybuffer(env, arena_bytes, (void **)&base->arena, &buffer) != napi_ok ||
      napi_create_reference(env, buffer, 1, &base->arena_ref) != napi_ok) {
    free(data);
    return NULL;
  }
  if (init) init(data);
  napi_set_instance_data(env, data, free_instance_arena, NULL);
  return data;
}

#endif
