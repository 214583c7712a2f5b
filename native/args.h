// args.h: reading a JS call's arguments in the addon's functions (mcnet.c, gf.c).
#ifndef MCNET_ARGS_H
#define MCNET_ARGS_H
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

#endif
