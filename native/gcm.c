// AES-256-GCM over one datagram, in place, for the transport's DatagramCipher.
//
// Node's crypto API needs a new cipher object per datagram (there is no way to change the IV of
// one), which expands the key and builds GHASH tables every time: about 6 µs per 1.4 KB datagram
// here. This keeps one OpenSSL context per key and only resets the IV: well under 1 µs.
// OpenSSL is the one inside Node (its symbols are exported to addons), so nothing extra is linked.
//
// JS API: gcmContext(key: 32-byte Buffer) -> context
//         gcmSeal(context, buf, clear, len, nonce) -> len + 16: buf[0, clear) authenticated,
//             buf[clear, len) encrypted in place, the tag written at buf[len, len + 16)
//         gcmOpen(context, buf, clear, len, nonce) -> len - 16, with buf[clear, len - 16) decrypted in
//             place, or -1 when the tag does not verify (buf is then unchanged)
#include <node_api.h>
#include "napi-helpers.h"
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define KEY_BYTES 32
#define TAG_BYTES 16
#define NONCE_BYTES 12

typedef struct {
  EVP_CIPHER_CTX *seal;
  EVP_CIPHER_CTX *open;
} gcm_t;

/* Plaintext lands here until the tag verifies, so a forged datagram never changes the caller's buffer. */
static uint8_t scratch[65536];

static void free_gcm(napi_env env, void *data, void *hint) {
  gcm_t *g = data;
  EVP_CIPHER_CTX_free(g->seal);
  EVP_CIPHER_CTX_free(g->open);
  free(g);
}

static int buffer_arg(napi_env env, napi_value value, uint8_t **data, size_t *length) {
  bool is_buffer = false;
  napi_is_buffer(env, value, &is_buffer);
  if (!is_buffer || napi_get_buffer_info(env, value, (void **)data, length) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a Buffer");
    return 0;
  }
  return 1;
}

static napi_value GcmContext(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *key;
  size_t key_length;
  if (argc < 1 || !buffer_arg(env, argv[0], &key, &key_length)) return NULL;
  if (key_length != KEY_BYTES) {
    napi_throw_range_error(env, NULL, "an AES-256 key is 32 bytes");
    return NULL;
  }
  gcm_t *g = calloc(1, sizeof(gcm_t));
  g->seal = EVP_CIPHER_CTX_new();
  g->open = EVP_CIPHER_CTX_new();
  if (!g->seal || !g->open || EVP_EncryptInit_ex(g->seal, EVP_aes_256_gcm(), NULL, key, NULL) != 1 ||
      EVP_DecryptInit_ex(g->open, EVP_aes_256_gcm(), NULL, key, NULL) != 1) {
    free_gcm(env, g, NULL);
    napi_throw_error(env, NULL, "OpenSSL could not set up AES-256-GCM");
    return NULL;
  }
  napi_create_external(env, g, free_gcm, NULL, &result);
  return result;
}

/* One call's arguments: (context, buf, clear, len, nonce). */
typedef struct {
  gcm_t *g;
  uint8_t *buf;
  uint8_t *nonce;
  size_t capacity;
  uint32_t clear;
  uint32_t len;
} datagram_t;

/* Reads the arguments and checks the ranges; 0 after throwing. */
static int datagram_args(napi_env env, napi_callback_info info, datagram_t *d) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  size_t nonce_length;
  if (argc < 5 || napi_get_value_external(env, argv[0], (void **)&d->g) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected (context, buf, clear, len, nonce)");
    return 0;
  }
  if (!buffer_arg(env, argv[1], &d->buf, &d->capacity) || !buffer_arg(env, argv[4], &d->nonce, &nonce_length)) return 0;
  if (napi_get_value_uint32(env, argv[2], &d->clear) != napi_ok || napi_get_value_uint32(env, argv[3], &d->len) != napi_ok ||
      d->clear > d->len || d->len > d->capacity || nonce_length < NONCE_BYTES) {
    napi_throw_range_error(env, NULL, "datagram bounds out of range");
    return 0;
  }
  return 1;
}

static napi_value GcmSeal(napi_env env, napi_callback_info info) {
  datagram_t d;
  if (!datagram_args(env, info, &d)) return NULL;
  uint8_t *buf = d.buf;
  uint32_t clear = d.clear, len = d.len;
  if (len + TAG_BYTES > d.capacity) {
    napi_throw_range_error(env, NULL, "no room for the tag after the datagram");
    return NULL;
  }
  int out;
  EVP_CIPHER_CTX *c = d.g->seal;
  if (EVP_EncryptInit_ex(c, NULL, NULL, NULL, d.nonce) != 1 || (clear > 0 && EVP_EncryptUpdate(c, NULL, &out, buf, (int)clear) != 1) ||
      (len > clear && EVP_EncryptUpdate(c, buf + clear, &out, buf + clear, (int)(len - clear)) != 1) ||
      EVP_EncryptFinal_ex(c, buf + len, &out) != 1 || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_BYTES, buf + len) != 1) {
    napi_throw_error(env, NULL, "AES-256-GCM sealing failed");
    return NULL;
  }
  napi_value result;
  napi_create_uint32(env, len + TAG_BYTES, &result);
  return result;
}

static napi_value GcmOpen(napi_env env, napi_callback_info info) {
  datagram_t d;
  if (!datagram_args(env, info, &d)) return NULL;
  uint8_t *buf = d.buf;
  uint32_t clear = d.clear, len = d.len;
  napi_value result;
  if (len < clear + TAG_BYTES) {
    napi_create_int32(env, -1, &result);
    return result;
  }
  uint32_t end = len - TAG_BYTES;
  if (end - clear > sizeof scratch) {
    napi_throw_range_error(env, NULL, "datagram too large");
    return NULL;
  }
  int out;
  EVP_CIPHER_CTX *c = d.g->open;
  int ok = EVP_DecryptInit_ex(c, NULL, NULL, NULL, d.nonce) == 1 && (clear == 0 || EVP_DecryptUpdate(c, NULL, &out, buf, (int)clear) == 1) &&
           (end == clear || EVP_DecryptUpdate(c, scratch, &out, buf + clear, (int)(end - clear)) == 1) &&
           EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_BYTES, buf + end) == 1 && EVP_DecryptFinal_ex(c, scratch, &out) == 1;
  if (ok) memcpy(buf + clear, scratch, end - clear);
  napi_create_int32(env, ok ? (int32_t)end : -1, &result);
  return result;
}

void register_gcm(napi_env env, napi_value exports) {
  set_function(env, exports, "gcmContext", GcmContext);
  set_function(env, exports, "gcmSeal", GcmSeal);
  set_function(env, exports, "gcmOpen", GcmOpen);
}
