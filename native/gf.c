// gf.c: the erasure code's inner loop (src/engine/transport/fec.ts) in native code.
//
// Encoding a repair symbol and decoding a block are sums of symbols multiplied by constants in
// GF(2^8) (polynomial 0x11d). fec.ts keeps symbols in its WebAssembly memory and does this with
// 128-bit WebAssembly SIMD; here the same products run 64 bytes per instruction with GFNI
// (multiplication by a constant is an 8×8 bit matrix: one vgf2p8affineqb), or 32 bytes with AVX2
// table look-ups, or a byte at a time on other CPUs. One call does a whole matrix of products, so
// the cost of crossing into native code is paid once per block, not once per symbol.
//
// JS API: gfMatMulAdd(memory, dst, src, matrix, len): memory is a Uint8Array, dst and src are
// Int32Arrays of byte offsets into it, matrix a Uint8Array of dst.length × src.length coefficients.
// For every d and s: memory[dst[d] .. +len) ^= matrix[d * src.length + s] · memory[src[s] .. +len).
// gfKernel names the kernel in use; MCSHELL_GF_KERNEL=avx2|scalar asks for a plainer one.
//
// gfDecode(block, k, symbolSize, slotIds) is fec.ts's decodeBlock, done in place in the block's own
// buffer: the JS version copies the block into WebAssembly memory and back, and its size made it
// one of the costliest functions for V8 to compile at a receiver's start (~70 ms of compiler CPU
// per receiver; sixteen on two cores starved the sender). Same contract and results as decodeBlock.
#include <node_api.h>
#include <immintrin.h>
#include "napi-helpers.h"
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t MUL[256][256];
static uint8_t INV[256];
/* Per coefficient c: c·x for x = 0..15, and c·(x << 4), each repeated for both 128-bit lanes. */
static uint8_t LOW[256][32], HIGH[256][32];
/* Per coefficient c: multiplication by c as the bit matrix vgf2p8affineqb takes. */
static uint64_t AFFINE[256];

static enum { SCALAR, AVX2, GFNI } kernel = SCALAR;

static void build_tables(void) {
  for (int a = 0; a < 256; a++) {
    for (int b = 0; b < 256; b++) {
      int product = 0, x = a, y = b;
      while (y) {
        if (y & 1) product ^= x;
        x <<= 1;
        if (x & 0x100) x ^= 0x11d;
        y >>= 1;
      }
      MUL[a][b] = (uint8_t)product;
      if (product == 1) INV[a] = (uint8_t)b;
    }
  }
  for (int c = 0; c < 256; c++) {
    for (int x = 0; x < 16; x++) {
      LOW[c][x] = LOW[c][x + 16] = MUL[c][x];
      HIGH[c][x] = HIGH[c][x + 16] = MUL[c][x << 4];
    }
    /* Output bit i is the parity of (byte 7-i of the matrix) AND the input byte. */
    uint64_t matrix = 0;
    for (int i = 0; i < 8; i++) {
      uint64_t row = 0;
      for (int j = 0; j < 8; j++) if ((MUL[c][1 << j] >> i) & 1) row |= 1u << j;
      matrix |= row << (8 * (7 - i));
    }
    AFFINE[c] = matrix;
  }
}

static void mul_add_scalar(uint8_t *dst, const uint8_t *src, size_t len, uint8_t c) {
  const uint8_t *row = MUL[c];
  for (size_t i = 0; i < len; i++) dst[i] ^= row[src[i]];
}

__attribute__((target("avx2"))) static void mul_add_avx2(uint8_t *dst, const uint8_t *src, size_t len, uint8_t c) {
  const __m256i low = _mm256_loadu_si256((const __m256i *)LOW[c]);
  const __m256i high = _mm256_loadu_si256((const __m256i *)HIGH[c]);
  const __m256i nibble = _mm256_set1_epi8(0x0f);
  size_t i = 0;
  for (; i + 32 <= len; i += 32) {
    __m256i x = _mm256_loadu_si256((const __m256i *)(src + i));
    __m256i product = _mm256_xor_si256(_mm256_shuffle_epi8(low, _mm256_and_si256(x, nibble)),
                                       _mm256_shuffle_epi8(high, _mm256_and_si256(_mm256_srli_epi16(x, 4), nibble)));
    _mm256_storeu_si256((__m256i *)(dst + i), _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(dst + i)), product));
  }
  mul_add_scalar(dst + i, src + i, len - i, c);
}

__attribute__((target("avx512f,avx512bw,gfni"))) static void mul_add_gfni(uint8_t *dst, const uint8_t *src, size_t len, uint8_t c) {
  const __m512i matrix = _mm512_set1_epi64((long long)AFFINE[c]);
  size_t i = 0;
  for (; i + 64 <= len; i += 64) {
    __m512i product = _mm512_gf2p8affine_epi64_epi8(_mm512_loadu_si512(src + i), matrix, 0);
    _mm512_storeu_si512(dst + i, _mm512_xor_si512(_mm512_loadu_si512(dst + i), product));
  }
  /* The rest (under 64 bytes) in 32- and 16-byte steps, then byte by byte. Not with a masked store:
     where its masked-off bytes lie across a page boundary it costs as much as the whole row (a repair
     of a block of k = 1023 symbols, whose rows end 48 bytes before one, took 18 times as long). */
  if (i + 32 <= len) {
    __m256i product = _mm256_gf2p8affine_epi64_epi8(_mm256_loadu_si256((const __m256i *)(src + i)), _mm512_castsi512_si256(matrix), 0);
    _mm256_storeu_si256((__m256i *)(dst + i), _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(dst + i)), product));
    i += 32;
  }
  if (i + 16 <= len) {
    __m128i product = _mm_gf2p8affine_epi64_epi8(_mm_loadu_si128((const __m128i *)(src + i)), _mm512_castsi512_si128(matrix), 0);
    _mm_storeu_si128((__m128i *)(dst + i), _mm_xor_si128(_mm_loadu_si128((const __m128i *)(dst + i)), product));
    i += 16;
  }
  mul_add_scalar(dst + i, src + i, len - i, c);
}

static void mul_add(uint8_t *dst, const uint8_t *src, size_t len, uint8_t c) {
  if (kernel == GFNI) mul_add_gfni(dst, src, len, c);
  else if (kernel == AVX2) mul_add_avx2(dst, src, len, c);
  else mul_add_scalar(dst, src, len, c);
}

/* The data of a typed array argument of the given type; NULL after throwing. */
static void *typed_arg(napi_env env, napi_value value, napi_typedarray_type want, size_t *length, const char *name) {
  bool is_typed = false;
  napi_typedarray_type type;
  void *data;
  napi_is_typedarray(env, value, &is_typed);
  if (!is_typed || napi_get_typedarray_info(env, value, &type, length, &data, NULL, NULL) != napi_ok || type != want) {
    char message[80];
    snprintf(message, sizeof message, "%s: expected a %s", name, want == napi_int32_array ? "Int32Array" : want == napi_uint16_array ? "Uint16Array" : "Uint8Array");
    napi_throw_type_error(env, NULL, message);
    return NULL;
  }
  return data;
}

static napi_value GfMatMulAdd(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!call_args(env, info, 5, argv, "gfMatMulAdd(memory, dst, src, matrix, len)")) return NULL;
  size_t memory_length, dst_count, src_count, matrix_length;
  uint32_t len;
  uint8_t *memory = typed_arg(env, argv[0], napi_uint8_array, &memory_length, "memory");
  if (!memory) return NULL;
  int32_t *dst = typed_arg(env, argv[1], napi_int32_array, &dst_count, "dst");
  if (!dst) return NULL;
  int32_t *src = typed_arg(env, argv[2], napi_int32_array, &src_count, "src");
  if (!src) return NULL;
  uint8_t *matrix = typed_arg(env, argv[3], napi_uint8_array, &matrix_length, "matrix");
  if (!matrix) return NULL;
  if (napi_get_value_uint32(env, argv[4], &len) != napi_ok || matrix_length < dst_count * src_count) {
    napi_throw_range_error(env, NULL, "matrix smaller than dst.length × src.length");
    return NULL;
  }
  for (size_t i = 0; i < dst_count + src_count; i++) {
    int32_t offset = i < dst_count ? dst[i] : src[i - dst_count];
    if (offset < 0 || (size_t)offset + len > memory_length) {
      napi_throw_range_error(env, NULL, "a row lies outside the memory");
      return NULL;
    }
  }
  /* Source by source: each is read once while the destination rows stay in cache. */
  for (size_t s = 0; s < src_count; s++) {
    for (size_t d = 0; d < dst_count; d++) {
      uint8_t c = matrix[d * src_count + s];
      if (c) mul_add(memory + dst[d], memory + src[s], len, c);
    }
  }
  return NULL;
}

/* fec.ts's coefficient(): the generator coefficient of source i in repair symbol r (r ≥ k > i).
   Cauchy below 256, else a non-zero hash of (r, i); uint32 arithmetic gives Math.imul's bits. */
static uint8_t coefficient(uint32_t r, uint32_t i) {
  if (r < 256) return INV[r ^ i];
  uint32_t h = (r * 0x9e3779b1u) ^ ((i + 1) * 0x85ebca77u);
  h = (h ^ (h >> 15)) * 0x2c1b3c6du;
  h ^= h >> 13;
  return (uint8_t)(1 + h % 255);
}

/* Inverts the e×e matrix of the repairs' coefficients on the missing sources by Gauss-Jordan over
   rows [A | I] (width 2e) in `m` (e + 1 rows: the last is scratch), as fec.ts's solveInHeap does;
   `pivot` has room for e entries. On success inverse[c·e + r] is the coefficient of repair row r in
   missing source c, and it returns -1; else the first row that the rows before it already span. */
static int invert(uint8_t *m, size_t e, const uint32_t *repair, const uint32_t *missing, uint32_t *pivot, uint8_t *inverse) {
  size_t width = 2 * e;
  uint8_t *temp = m + e * width;
  memset(m, 0, e * width);
  for (size_t r = 0; r < e; r++) {
    for (size_t c = 0; c < e; c++) m[r * width + c] = coefficient(repair[r], missing[c]);
    m[r * width + e + r] = 1;
  }
  for (size_t r = 0; r < e; r++) {
    uint8_t *row = m + r * width;
    for (size_t p = 0; p < r; p++) mul_add(row, m + p * width, width, row[pivot[p]]);
    size_t lead = 0;
    while (lead < e && row[lead] == 0) lead++;
    if (lead == e) return (int)r;
    memset(temp, 0, width);
    mul_add(temp, row, width, INV[row[lead]]);
    memcpy(row, temp, width);
    for (size_t p = 0; p < r; p++) mul_add(m + p * width, row, width, m[p * width + lead]);
    pivot[r] = (uint32_t)lead;
  }
  for (size_t r = 0; r < e; r++) memcpy(inverse + pivot[r] * e, m + r * width + e, e);
  return -1;
}

static napi_value GfDecode(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!call_args(env, info, 4, argv, "gfDecode(block, k, symbolSize, slotIds)")) return NULL;
  size_t block_length, slot_count;
  uint8_t *block = typed_arg(env, argv[0], napi_uint8_array, &block_length, "block");
  if (!block) return NULL;
  uint32_t k, size;
  if (napi_get_value_uint32(env, argv[1], &k) != napi_ok || napi_get_value_uint32(env, argv[2], &size) != napi_ok) {
    napi_throw_type_error(env, NULL, "gfDecode(block, k, symbolSize, slotIds): k and symbolSize must be numbers");
    return NULL;
  }
  uint16_t *slot_ids = typed_arg(env, argv[3], napi_uint16_array, &slot_count, "slotIds");
  if (!slot_ids) return NULL;
  if (k == 0 || slot_count < k || block_length < (size_t)k * size) {
    napi_throw_range_error(env, NULL, "gfDecode: the block must hold k slots of symbolSize bytes and slotIds k ids");
    return NULL;
  }
  napi_value result;
  size_t e = 0;
  for (uint32_t s = 0; s < k; s++) {
    if (slot_ids[s] == s) continue;
    if (slot_ids[s] < k) {
      char message[96];
      snprintf(message, sizeof message, "a slot holds symbol %u, which is not a repair symbol of a %u-symbol block", slot_ids[s], k);
      napi_throw_range_error(env, NULL, message);
      return NULL;
    }
    e++;
  }
  if (e == 0) {
    napi_create_int32(env, -1, &result);
    return result;
  }
  /* missing, then the repair ids in those slots, then invert's pivot columns: e each. */
  uint32_t *missing = malloc(3 * e * sizeof *missing);
  uint8_t *m = malloc((e + 1) * 2 * e);
  uint8_t *inverse = malloc(e * e);
  uint8_t *held = malloc(e * (size_t)size);
  if (!missing || !m || !inverse || !held) {
    free(missing), free(m), free(inverse), free(held);
    napi_throw_error(env, NULL, "gfDecode: out of memory");
    return NULL;
  }
  uint32_t *repair = missing + e;
  for (uint32_t s = 0, n = 0; s < k; s++) {
    if (slot_ids[s] != s) {
      missing[n] = s;
      repair[n++] = slot_ids[s];
    }
  }
  int redundant = invert(m, e, repair, missing, repair + e, inverse);
  if (redundant >= 0) {
    napi_create_int32(env, (int32_t)missing[redundant], &result);
  } else {
    /* Take the known sources' share out of each repair symbol (in the missing slots): what is left
       is A·x_missing. Source by source, so each is read once while the e repair rows stay in cache. */
    for (uint32_t j = 0; j < k; j++) {
      if (slot_ids[j] != j) continue;
      for (size_t r = 0; r < e; r++) {
        mul_add(block + (size_t)missing[r] * size, block + (size_t)j * size, size, coefficient(repair[r], j));
      }
    }
    /* x_missing = A⁻¹ · (A·x_missing), back into the missing sources' slots. */
    for (size_t r = 0; r < e; r++) memcpy(held + r * size, block + (size_t)missing[r] * size, size);
    for (size_t c = 0; c < e; c++) memset(block + (size_t)missing[c] * size, 0, size);
    for (size_t r = 0; r < e; r++) {
      for (size_t c = 0; c < e; c++) {
        uint8_t coef = inverse[c * e + r];
        if (coef) mul_add(block + (size_t)missing[c] * size, held + r * size, size, coef);
      }
    }
    for (size_t c = 0; c < e; c++) slot_ids[missing[c]] = (uint16_t)missing[c];
    napi_create_int32(env, -1, &result);
  }
  free(missing), free(m), free(inverse), free(held);
  return result;
}

/* The tables and the kernel, once per process: the addon's Init runs again in every worker thread
   that loads it, while other threads may be using them. */
static void set_up(void) {
  build_tables();
  __builtin_cpu_init();
  if (__builtin_cpu_supports("gfni") && __builtin_cpu_supports("avx512bw")) kernel = GFNI;
  else if (__builtin_cpu_supports("avx2")) kernel = AVX2;
  /* MCSHELL_GF_KERNEL=avx2|scalar picks a plainer kernel (tests compare them all; never a faster one than the CPU has). */
  const char *forced = getenv("MCSHELL_GF_KERNEL");
  if (forced && strcmp(forced, "scalar") == 0) kernel = SCALAR;
  else if (forced && strcmp(forced, "avx2") == 0 && kernel == GFNI) kernel = AVX2;
}

void register_gf(napi_env env, napi_value exports) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, set_up);
  napi_value name;
  set_function(env, exports, "gfMatMulAdd", GfMatMulAdd);
  set_function(env, exports, "gfDecode", GfDecode);
  napi_create_string_utf8(env, kernel == GFNI ? "gfni" : kernel == AVX2 ? "avx2" : "scalar", NAPI_AUTO_LENGTH, &name);
  napi_set_named_property(env, exports, "gfKernel", name);
}
