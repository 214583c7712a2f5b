// napi-helpers.h: the N-API steps the addon's files (mcnet.c, gcm.c, gf.c) repeat.
#ifndef MCNET_NAPI_HELPERS_H
#define MCNET_NAPI_HELPERS_H
#include <node_api.h>

/* Fills argv with the call's first `count` arguments; when fewer were passed, throws a TypeError
   showing `usage` and returns 0. */
static inline int call_args(napi_env env, napi_callback_info info, size_t count, napi_value *argv, const char *usage) {
  size_t argc = count;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < count) {
    napi_throw_type_error(env, NULL, usage);
    return 0;
  }
  return 1;
}

/* Defines object[name] as a JS function calling `callback`. */
static inline void set_function(napi_env env, napi_value object, const char *name, napi_callback callback) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, callback, NULL, &fn);
  napi_set_named_property(env, object, name, fn);
}

/* Defines object[name] as a new ArrayBuffer of `bytes` bytes; returns its memory. */
static inline void *set_array_buffer(napi_env env, napi_value object, const char *name, size_t bytes) {
  napi_value buffer;
  void *memory;
  napi_create_arraybuffer(env, bytes, &memory, &buffer);
  napi_set_named_property(env, object, name, buffer);
  return memory;
}

#endif
