// mcnet: batched UDP multicast receive and send for the transport's data path (and, in gcm.c,
// per-datagram AES-256-GCM without Node's per-call cipher set-up; in gf.c, the erasure code's
// GF(2^8) arithmetic).
//
// Node's dgram delivers one datagram per libuv wake-up and JS callback, about 6 µs of CPU per
// datagram here; sixteen receivers at 100 Mbit/s on two cores cannot afford that. This addon reads
// with recvmmsg(2) into one shared buffer and calls JS once per batch. After the first datagram
// wakes it, it waits before reading, so a wake-up finds many datagrams queued (the socket's receive
// buffer holds them meanwhile): about 1 µs per datagram in all. The wait starts at 1 ms and adapts
// between that and `coalesceMs` to how full the buffer gets (on_timer); readWait() tells it.
//
// JS API: open(port, group, interfaceAddress, recvBufferBytes, slotBytes, coalesceMs, onBatch)
// returns { data: ArrayBuffer, meta: ArrayBuffer, addMembership(group), drops(), readWait(), place(...),
// track(...), untrack(block), close() }. onBatch(first, count) is called with `this` = that object for
// datagrams first .. first+count-1 of the batch: datagram i is data[i*slot, i*slot+len) and meta
// (Int32) holds [len, source IPv4 as u32, source port] per datagram. Both buffers are reused by the
// next batch, so a handler must copy what it keeps.
//
// Placing symbols (a plain session's data path, the bulk of what a receiver does per datagram):
// after place(session, prefix, symbolSize, blockCount, k, lastK, lastBytes, complete) the addon
// itself puts each symbol of that session into the block it belongs to, for the blocks JS has
// handed it with track(block, buf, have, filled, slotIds, count) - the receiver's own arrays for
// that block, so JS and C share one state (receiver.ts, onSymbol, does the same steps for the rest).
// Such a datagram's meta becomes [PLACED | DUPLICATE | COMPLETED, sequence number, block] (negative
// first field) and JS only counts it; no datagram object, no copy in JS. Everything else (other
// packet types, untracked blocks, anything malformed) is left to JS as before; the first symbol of
// a block not tracked yet ends the call there, so JS can start and track the block before the
// rest of the batch is placed.
//
// The send side is the mirror image: Node's dgram costs a system call, a libuv request and a
// callback per datagram; here JS fills slots of one shared buffer and hands the kernel a run of them
// with one sendmmsg(2). openSender(group, port, interfaceAddress, sendBufferBytes, slotBytes, slots)
// returns { data: ArrayBuffer, lengths: ArrayBuffer, send(first, count), close() }: slot i is
// data[i*slot, i*slot + lengths[i]) (Int32); send() sends slots first..first+count-1 in order to the
// group (the socket is connected to it) and returns how many the kernel took. Fewer than count means
// the socket's buffer is full (back-pressure from the link): send the rest later.
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>
#include "napi-helpers.h"
#include <arpa/inet.h>
#include <errno.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
/* A wake-up reads at most this many batches before yielding to the event loop. */
#define MAX_BATCHES_PER_WAKEUP 32

/* Placed-symbol results in meta[0] (lengths are never negative). */
#define PLACED (-1)
#define DUPLICATE (-2)
#define COMPLETED (-3)
/* Blocks being collected that the addon may place symbols into; beyond that, JS places them. */
#define MAX_TRACKED 256
#define SYMBOL_ID_BITMAP_BYTES 8192

typedef struct {
  int32_t block; /* -1: a free entry */
  uint8_t *buf;
  uint8_t *have;
  uint8_t *filled;
  uint16_t *slot_ids;
  int32_t *count;
  napi_ref refs[5]; /* keep the five arrays alive while tracked */
} tracked_t;

typedef struct {
  int enabled;
  uint32_t session;
  uint32_t prefix; /* the first three header bytes of a SYMBOL packet: magic, version, type */
  uint32_t symbol_size, block_count, k, last_k, last_bytes;
  uint8_t *complete;
  napi_ref complete_ref;
  int last_hit;
  tracked_t tracked[MAX_TRACKED];
} placer_t;

typedef struct {
  int fd;
  /* The longest wait before reading (coalesceMs), and the wait now: it adapts to how full the
     receive buffer gets meanwhile (see on_timer). */
  int coalesce_ms;
  int wait_ms;
  int closing;
  int open_handles;
  struct in_addr iface;
  uv_poll_t poll;
  uv_timer_t timer;
  napi_env env;
  napi_ref on_batch;
  napi_ref self;
  napi_async_context async_context;
  uint8_t *data;
  int32_t *meta;
  size_t slot;
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_in src[BATCH];
  placer_t placer;
} receiver_t;

static void on_readable(uv_poll_t *handle, int status, int events);

static napi_value throw_errno(napi_env env, const char *what) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(errno));
  napi_throw_error(env, NULL, message);
  return NULL;
}

static uint32_t be32(const uint8_t *p) { return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]; }

/* The 12-byte header, then for SYMBOL packets a u32 (block << 8 | id >> 8): see wire.ts. */
#define HEADER_BYTES 12
#define SYMBOL_HEADER_BYTES 16

static tracked_t *find_tracked(placer_t *pl, int32_t block) {
  if (pl->tracked[pl->last_hit].block == block) return &pl->tracked[pl->last_hit];
  for (int i = 0; i < MAX_TRACKED; i++) {
    if (pl->tracked[i].block == block) {
      pl->last_hit = i;
      return &pl->tracked[i];
    }
  }
  return NULL;
}

static int first_free_slot(const uint8_t *filled, uint32_t k) {
  const uint8_t *zero = memchr(filled, 0, k);
  return zero ? (int)(zero - filled) : -1;
}

/* place()'s answers besides "placed" (1). */
#define LEAVE_TO_JS 0
/* A symbol of the session for a block JS has not handed over yet: JS should see it at once, so it
   can start (and track) the block before the batch's next symbols, which are then placed here. */
#define NEW_BLOCK 2

/* Places datagram i if it is a well-formed symbol of the session for a tracked (or complete) block,
   mirroring receiver.ts's onSymbol; returns 1, or LEAVE_TO_JS or NEW_BLOCK. */
static int place(receiver_t *rx, int i, uint32_t len) {
  placer_t *pl = &rx->placer;
  const uint8_t *d = rx->data + i * rx->slot;
  if (len < SYMBOL_HEADER_BYTES || ((uint32_t)d[0] << 16 | (uint32_t)d[1] << 8 | d[2]) != pl->prefix || be32(d + 4) != pl->session) return LEAVE_TO_JS;
  uint32_t block = be32(d + HEADER_BYTES) >> 8;
  uint32_t id = ((uint32_t)d[HEADER_BYTES + 3] << 8) | d[3];
  if (block >= pl->block_count) return LEAVE_TO_JS;
  int last = block == pl->block_count - 1;
  uint32_t k = last ? pl->last_k : pl->k;
  uint32_t size = pl->symbol_size;
  uint32_t payload = len - SYMBOL_HEADER_BYTES;
  uint32_t expected = size;
  if (id < k && last && pl->last_bytes - id * size < size) expected = pl->last_bytes - id * size;
  if (payload != expected) return LEAVE_TO_JS;
  int32_t result;
  tracked_t *t;
  if (pl->complete[block]) {
    result = DUPLICATE;
  } else if (!(t = find_tracked(pl, (int32_t)block))) {
    return NEW_BLOCK; /* JS starts the block (a buffer from its pool) and may track it */
  } else if (t->have[id >> 3] & (1 << (id & 7))) {
    result = DUPLICATE;
  } else if ((uint32_t)*t->count == k) {
    result = PLACED; /* complete, waiting for the manifest to verify it: dropped, as in JS */
  } else {
    int slot;
    if (id < k) {
      slot = (int)id;
      if (t->filled[id]) {
        /* A repair symbol sits in this source's slot: move it to a free one. */
        int to = first_free_slot(t->filled, k);
        memmove(t->buf + (size_t)to * size, t->buf + (size_t)id * size, size);
        t->filled[to] = 1;
        t->slot_ids[to] = t->slot_ids[id];
      }
    } else {
      slot = first_free_slot(t->filled, k);
    }
    uint8_t *at = t->buf + (size_t)slot * size;
    memcpy(at, d + SYMBOL_HEADER_BYTES, payload);
    if (payload < size) memset(at + payload, 0, size - payload);
    t->filled[slot] = 1;
    t->slot_ids[slot] = (uint16_t)id;
    t->have[id >> 3] |= (uint8_t)(1 << (id & 7));
    result = (uint32_t)++*t->count == k ? COMPLETED : PLACED;
  }
  rx->meta[i * 3] = result;
  rx->meta[i * 3 + 1] = (int32_t)be32(d + 8);
  rx->meta[i * 3 + 2] = (int32_t)block;
  return 1;
}

/* Hands datagrams first .. first+count-1 of the batch to onBatch; 0 if JS threw or closed the socket. */
static int deliver(receiver_t *rx, napi_value on_batch, napi_value self, int first, int count) {
  napi_env env = rx->env;
  napi_value argv[2], ignored;
  napi_create_int32(env, first, &argv[0]);
  napi_create_int32(env, count, &argv[1]);
  /* Through make_callback, as N-API asks for JS called from a libuv callback (Node then runs its
     callback scope: async context, nextTick queue, microtasks). Measured: a receiver answers a
     session's first announcement about 25 ms sooner than with napi_call_function. */
  if (napi_make_callback(env, rx->async_context, self, on_batch, 2, argv, &ignored) != napi_ok) {
    /* An exception in the handler: let Node report it as uncaught, like a dgram handler's. */
    napi_value error;
    if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
    return 0;
  }
  return !rx->closing;
}

/* Reads everything queued, in batches, calling onBatch for each; returns how many datagrams it read. */
static int drain(receiver_t *rx) {
  napi_env env = rx->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value on_batch, self;
  napi_get_reference_value(env, rx->on_batch, &on_batch);
  napi_get_reference_value(env, rx->self, &self);
  int total = 0;
  for (int round = 0; round < MAX_BATCHES_PER_WAKEUP && !rx->closing; round++) {
    /* The kernel rewrites only the address length and flags of each header: reset those. */
    for (int i = 0; i < BATCH; i++) {
      rx->msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
      rx->msgs[i].msg_hdr.msg_flags = 0;
    }
    int n = recvmmsg(rx->fd, rx->msgs, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) break;
    total += n;
    int first = 0, ok = 1;
    for (int i = 0; i < n && ok; i++) {
      int placed = LEAVE_TO_JS;
      if (rx->placer.enabled && !(rx->msgs[i].msg_hdr.msg_flags & MSG_TRUNC)) placed = place(rx, i, rx->msgs[i].msg_len);
      if (placed == 1) continue;
      /* A datagram longer than a slot arrives truncated: report the slot size so the parser,
         which checks lengths, rejects it as malformed. */
      rx->meta[i * 3] = (rx->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? (int32_t)rx->slot : (int32_t)rx->msgs[i].msg_len;
      rx->meta[i * 3 + 1] = (int32_t)ntohl(rx->src[i].sin_addr.s_addr);
      rx->meta[i * 3 + 2] = ntohs(rx->src[i].sin_port);
      if (placed == NEW_BLOCK && i + 1 < n) {
        ok = deliver(rx, on_batch, self, first, i + 1 - first);
        first = i + 1;
      }
    }
    if (!ok || (n > first && !deliver(rx, on_batch, self, first, n - first))) break;
    if (n < BATCH) break;
  }
  napi_close_handle_scope(env, scope);
  return total;
}

/* The socket's memory counters (SK_MEMINFO_*: its receive buffer's size and use, drops); -1 on error. */
static int read_meminfo(receiver_t *rx, uint32_t meminfo[SK_MEMINFO_VARS]) {
  socklen_t len = SK_MEMINFO_VARS * sizeof(uint32_t);
  memset(meminfo, 0, len);
  return getsockopt(rx->fd, SOL_SOCKET, SO_MEMINFO, meminfo, &len);
}

/* How full the socket's receive buffer is, in percent (0 when the kernel cannot say). */
static int buffer_fill(receiver_t *rx) {
  uint32_t meminfo[SK_MEMINFO_VARS];
  if (read_meminfo(rx, meminfo) < 0 || meminfo[SK_MEMINFO_RCVBUF] == 0) return 0;
  return (int)((uint64_t)meminfo[SK_MEMINFO_RMEM_ALLOC] * 100 / meminfo[SK_MEMINFO_RCVBUF]);
}

static void on_timer(uv_timer_t *timer) {
  receiver_t *rx = timer->data;
  /* Longer waits mean fewer wake-ups and bigger batches, but the buffer must hold what arrives
     meanwhile, and how much that is depends on the rate and on the buffer the kernel granted (an
     unprivileged receiver gets rmem_max, often 208 KiB: under 2 ms of 1 Gbit/s). So the wait halves
     when the buffer was over a third full, and doubles up to coalesce_ms while it stays under a tenth. */
  int fill = buffer_fill(rx);
  int got = drain(rx);
  if (rx->closing) return;
  /* While datagrams keep coming, read again after the wait without asking epoll (that cost two
     epoll_ctl calls and an extra wake-up per round); once a round finds nothing, wait for the socket
     (and keep the wait: a pause in the flow says nothing about its rate). */
  if (got > 0) {
    if (fill > 33 && rx->wait_ms > 1) rx->wait_ms /= 2;
    else if (fill < 10 && rx->wait_ms < rx->coalesce_ms) rx->wait_ms = rx->wait_ms * 2 < rx->coalesce_ms ? rx->wait_ms * 2 : rx->coalesce_ms;
    uv_timer_start(&rx->timer, on_timer, (uint64_t)rx->wait_ms, 0);
  } else {
    uv_poll_start(&rx->poll, UV_READABLE, on_readable);
  }
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  receiver_t *rx = handle->data;
  (void)events;
  if (status < 0) return;
  if (rx->coalesce_ms > 0) {
    uv_poll_stop(&rx->poll);
    uv_timer_start(&rx->timer, on_timer, (uint64_t)rx->wait_ms, 0);
  } else {
    drain(rx);
  }
}

static void on_handle_closed(uv_handle_t *handle) {
  receiver_t *rx = handle->data;
  /* Two handles (poll, timer) share the receiver: free it when the second one has closed. */
  if (--rx->open_handles == 0) free(rx);
}

/* The receiver a method was called on, with its first `count` arguments in argv; NULL (an error
   thrown) when the socket is closed or, given a `usage`, when fewer arguments were passed. */
static receiver_t *unwrap(napi_env env, napi_callback_info info, size_t count, napi_value *argv, const char *usage) {
  napi_value self;
  receiver_t *rx = NULL;
  size_t argc = count;
  napi_get_cb_info(env, info, &argc, argv, &self, NULL);
  napi_unwrap(env, self, (void **)&rx);
  if (!rx || rx->closing) {
    napi_throw_error(env, NULL, "socket is closed");
    return NULL;
  }
  if (usage && argc < count) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  return rx;
}

static int read_address(napi_env env, napi_value value, struct in_addr *out) {
  char text[64];
  size_t length;
  if (napi_get_value_string_utf8(env, value, text, sizeof text, &length) != napi_ok || inet_pton(AF_INET, text, out) != 1) {
    napi_throw_type_error(env, NULL, "expected an IPv4 address");
    return 0;
  }
  return 1;
}

static napi_value AddMembership(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  receiver_t *rx = unwrap(env, info, 1, argv, NULL);
  if (!rx) return NULL;
  struct ip_mreq m;
  if (!read_address(env, argv[0], &m.imr_multiaddr)) return NULL;
  m.imr_interface = rx->iface;
  if (setsockopt(rx->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof m) < 0) return throw_errno(env, "addMembership");
  return NULL;
}

static void untrack_entry(napi_env env, tracked_t *t) {
  for (int r = 0; r < 5; r++) napi_delete_reference(env, t->refs[r]);
  memset(t, 0, sizeof *t);
  t->block = -1;
}

static void stop_placing(napi_env env, placer_t *pl) {
  for (int i = 0; i < MAX_TRACKED; i++)
    if (pl->tracked[i].block >= 0) untrack_entry(env, &pl->tracked[i]);
  if (pl->complete_ref) napi_delete_reference(env, pl->complete_ref);
  pl->complete_ref = NULL;
  pl->enabled = 0;
}

/* The memory of a typed array argument with at least `min_bytes` bytes, or NULL (a TypeError thrown). */
static void *typed_array_memory(napi_env env, napi_value value, size_t min_bytes) {
  bool is_typed;
  napi_typedarray_type type;
  size_t length, offset;
  void *data;
  napi_value buffer;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) {
    napi_throw_type_error(env, NULL, "expected a typed array");
    return NULL;
  }
  napi_get_typedarray_info(env, value, &type, &length, &data, &buffer, &offset);
  size_t element = type == napi_uint16_array ? 2 : type == napi_int32_array ? 4 : 1;
  if (length * element < min_bytes) {
    napi_throw_range_error(env, NULL, "a typed array is too small for the block");
    return NULL;
  }
  return data;
}

static napi_value Place(napi_env env, napi_callback_info info) {
  static const char usage[] = "place(session, prefix, symbolSize, blockCount, k, lastK, lastBytes, complete)";
  napi_value argv[8];
  receiver_t *rx = unwrap(env, info, 8, argv, usage);
  if (!rx) return NULL;
  placer_t *pl = &rx->placer;
  stop_placing(env, pl);
  uint32_t v[7];
  for (int a = 0; a < 7; a++) {
    if (napi_get_value_uint32(env, argv[a], &v[a]) != napi_ok) {
      napi_throw_type_error(env, NULL, usage);
      return NULL;
    }
  }
  if (v[2] == 0 || v[3] == 0 || v[4] == 0 || v[5] == 0 || v[5] > v[4] || v[6] > v[5] * v[2] || v[4] > 65536) {
    napi_throw_range_error(env, NULL, "place: inconsistent geometry");
    return NULL;
  }
  uint8_t *complete = typed_array_memory(env, argv[7], v[3]);
  if (!complete) return NULL;
  pl->session = v[0];
  pl->prefix = v[1];
  pl->symbol_size = v[2];
  pl->block_count = v[3];
  pl->k = v[4];
  pl->last_k = v[5];
  pl->last_bytes = v[6];
  pl->complete = complete;
  napi_create_reference(env, argv[7], 1, &pl->complete_ref);
  pl->last_hit = 0;
  pl->enabled = 1;
  return NULL;
}

/* track(block, buf, have, filled, slotIds, count): true if the addon now places this block's symbols. */
static napi_value Track(napi_env env, napi_callback_info info) {
  static const char usage[] = "track(block, buf, have, filled, slotIds, count)";
  napi_value argv[6], result;
  receiver_t *rx = unwrap(env, info, 6, argv, usage);
  if (!rx) return NULL;
  placer_t *pl = &rx->placer;
  uint32_t block;
  if (napi_get_value_uint32(env, argv[0], &block) != napi_ok) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  tracked_t *free_entry = NULL;
  if (pl->enabled && block < pl->block_count && !find_tracked(pl, (int32_t)block)) {
    for (int i = 0; i < MAX_TRACKED && !free_entry; i++)
      if (pl->tracked[i].block < 0) free_entry = &pl->tracked[i];
  }
  if (!free_entry) {
    napi_get_boolean(env, false, &result);
    return result;
  }
  uint32_t k = block == pl->block_count - 1 ? pl->last_k : pl->k;
  void *memory[5];
  size_t min_bytes[5] = {(size_t)k * pl->symbol_size, SYMBOL_ID_BITMAP_BYTES, k, (size_t)k * 2, 4};
  for (int a = 0; a < 5; a++)
    if (!(memory[a] = typed_array_memory(env, argv[a + 1], min_bytes[a]))) return NULL;
  free_entry->block = (int32_t)block;
  free_entry->buf = memory[0];
  free_entry->have = memory[1];
  free_entry->filled = memory[2];
  free_entry->slot_ids = memory[3];
  free_entry->count = memory[4];
  for (int a = 0; a < 5; a++) napi_create_reference(env, argv[a + 1], 1, &free_entry->refs[a]);
  napi_get_boolean(env, true, &result);
  return result;
}

static napi_value Untrack(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  receiver_t *rx = unwrap(env, info, 1, argv, "untrack(block)");
  if (!rx) return NULL;
  int32_t block;
  if (napi_get_value_int32(env, argv[0], &block) != napi_ok) {
    napi_throw_type_error(env, NULL, "untrack(block)");
    return NULL;
  }
  tracked_t *t = rx->placer.enabled ? find_tracked(&rx->placer, block) : NULL;
  if (t) untrack_entry(env, t);
  return NULL;
}

/* drops(): datagrams the kernel dropped for this socket since it was opened (its receive buffer was
   full, mostly): what tells a receiver that it is overrun, without reading /proc/net/snmp. */
static napi_value Drops(napi_env env, napi_callback_info info) {
  receiver_t *rx = unwrap(env, info, 0, NULL, NULL);
  if (!rx) return NULL;
  uint32_t meminfo[SK_MEMINFO_VARS];
  if (read_meminfo(rx, meminfo) < 0) return throw_errno(env, "drops");
  napi_value result;
  napi_create_uint32(env, meminfo[SK_MEMINFO_DROPS], &result);
  return result;
}

static napi_value ReadWait(napi_env env, napi_callback_info info) {
  receiver_t *rx = unwrap(env, info, 0, NULL, NULL);
  if (!rx) return NULL;
  napi_value result;
  napi_create_int32(env, rx->wait_ms, &result);
  return result;
}

static napi_value Close(napi_env env, napi_callback_info info) {
  receiver_t *rx = unwrap(env, info, 0, NULL, NULL);
  if (!rx) return NULL;
  rx->closing = 1;
  stop_placing(env, &rx->placer);
  uv_poll_stop(&rx->poll);
  uv_timer_stop(&rx->timer);
  close(rx->fd);
  napi_delete_reference(env, rx->on_batch);
  napi_delete_reference(env, rx->self);
  napi_async_destroy(env, rx->async_context);
  napi_value self;
  napi_get_cb_info(env, info, NULL, NULL, &self, NULL);
  napi_remove_wrap(env, self, NULL);
  uv_close((uv_handle_t *)&rx->poll, on_handle_closed);
  uv_close((uv_handle_t *)&rx->timer, on_handle_closed);
  return NULL;
}

static napi_value Open(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!call_args(env, info, 7, argv, "open(port, group, interfaceAddress, recvBuffer, slot, coalesceMs, onBatch)")) return NULL;
  int32_t port, recv_buffer, slot, coalesce_ms;
  struct in_addr group, iface;
  napi_get_value_int32(env, argv[0], &port);
  if (!read_address(env, argv[1], &group) || !read_address(env, argv[2], &iface)) return NULL;
  napi_get_value_int32(env, argv[3], &recv_buffer);
  napi_get_value_int32(env, argv[4], &slot);
  napi_get_value_int32(env, argv[5], &coalesce_ms);
  if (port < 0 || port > 65535 || slot < 64 || slot > 65536) {
    napi_throw_range_error(env, NULL, "port or slot size out of range");
    return NULL;
  }

  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket");
  int one = 1;
  struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_ANY)};
  struct ip_mreq m = {.imr_multiaddr = group, .imr_interface = iface};
  /* The receive buffer absorbs bursts and the moments the process is not scheduled. SO_RCVBUF is
     capped at net.core.rmem_max (about 208 KB by default: 20 ms at 100 Mbit/s); a privileged
     receiver (root, as for writing a disk) may go beyond it with SO_RCVBUFFORCE. */
  if (recv_buffer > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &recv_buffer, sizeof recv_buffer) < 0) {
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &recv_buffer, sizeof recv_buffer) < 0) recv_buffer = -1;
  }
  if (recv_buffer < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      bind(fd, (struct sockaddr *)&any, sizeof any) < 0 ||
      setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof m) < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return throw_errno(env, "opening the multicast socket");
  }

  receiver_t *rx = calloc(1, sizeof(receiver_t));
  rx->fd = fd;
  rx->env = env;
  rx->slot = (size_t)slot;
  rx->coalesce_ms = coalesce_ms;
  rx->wait_ms = coalesce_ms > 0 ? 1 : 0; /* grows while the buffer stays nearly empty */
  rx->iface = iface;
  for (int i = 0; i < MAX_TRACKED; i++) rx->placer.tracked[i].block = -1;
  napi_value self;
  napi_create_object(env, &self);
  rx->data = set_array_buffer(env, self, "data", BATCH * (size_t)slot);
  rx->meta = set_array_buffer(env, self, "meta", BATCH * 3 * sizeof(int32_t));
  for (int i = 0; i < BATCH; i++) {
    rx->iov[i].iov_base = rx->data + i * rx->slot;
    rx->iov[i].iov_len = rx->slot;
    rx->msgs[i].msg_hdr.msg_iov = &rx->iov[i];
    rx->msgs[i].msg_hdr.msg_iovlen = 1;
    rx->msgs[i].msg_hdr.msg_name = &rx->src[i];
  }
  set_function(env, self, "addMembership", AddMembership);
  set_function(env, self, "place", Place);
  set_function(env, self, "track", Track);
  set_function(env, self, "untrack", Untrack);
  set_function(env, self, "drops", Drops);
  set_function(env, self, "readWait", ReadWait);
  set_function(env, self, "close", Close);
  /* What the kernel granted (it counts twice the size asked for: its bookkeeping included). */
  uint32_t meminfo[SK_MEMINFO_VARS];
  napi_value granted;
  napi_create_uint32(env, read_meminfo(rx, meminfo) < 0 ? 0 : meminfo[SK_MEMINFO_RCVBUF] / 2, &granted);
  napi_set_named_property(env, self, "recvBuffer", granted);
  napi_wrap(env, self, rx, NULL, NULL, NULL);
  napi_create_reference(env, argv[6], 1, &rx->on_batch);
  napi_create_reference(env, self, 1, &rx->self);
  napi_value resource_name;
  napi_create_string_utf8(env, "mcnet.receive", NAPI_AUTO_LENGTH, &resource_name);
  napi_async_init(env, self, resource_name, &rx->async_context);

  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  rx->open_handles = 2;
  uv_timer_init(loop, &rx->timer);
  rx->timer.data = rx;
  uv_poll_init(loop, &rx->poll, fd);
  rx->poll.data = rx;
  uv_poll_start(&rx->poll, UV_READABLE, on_readable);
  return self;
}

// ---- sending ---------------------------------------------------------------------------------------

#define SEND_BATCH 64

typedef struct {
  int fd;
  uint8_t *data;
  int32_t *lengths;
  size_t slot;
  int32_t slots;
  struct mmsghdr msgs[SEND_BATCH];
  struct iovec iov[SEND_BATCH];
} sender_t;

static sender_t *unwrap_sender(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  sender_t *tx = NULL;
  napi_get_cb_info(env, info, argc, argv, &self, NULL);
  napi_unwrap(env, self, (void **)&tx);
  if (!tx || tx->fd < 0) {
    napi_throw_error(env, NULL, "socket is closed");
    return NULL;
  }
  return tx;
}

static napi_value SenderSend(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  sender_t *tx = unwrap_sender(env, info, &argc, argv);
  if (!tx) return NULL;
  int32_t first, count;
  napi_get_value_int32(env, argv[0], &first);
  napi_get_value_int32(env, argv[1], &count);
  if (first < 0 || count < 0 || count > tx->slots - first) {
    napi_throw_range_error(env, NULL, "slots out of range");
    return NULL;
  }
  int32_t sent = 0;
  while (sent < count) {
    int n = count - sent < SEND_BATCH ? count - sent : SEND_BATCH;
    for (int i = 0; i < n; i++) {
      int32_t s = first + sent + i;
      int32_t len = tx->lengths[s];
      tx->iov[i].iov_base = tx->data + (size_t)s * tx->slot;
      tx->iov[i].iov_len = len < 0 ? 0 : (size_t)len > tx->slot ? tx->slot : (size_t)len;
    }
    int r = sendmmsg(tx->fd, tx->msgs, (unsigned)n, MSG_DONTWAIT);
    if (r > 0) {
      sent += r;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
      break; /* full: the caller sends the rest later */
    } else if (errno != EINTR) {
      sent++; /* this datagram cannot be sent (as with dgram, a lost datagram, repaired like any loss) */
    }
  }
  napi_value result;
  napi_create_int32(env, sent, &result);
  return result;
}

static napi_value SenderClose(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  sender_t *tx = unwrap_sender(env, info, &argc, NULL);
  if (!tx) return NULL;
  close(tx->fd);
  tx->fd = -1;
  return NULL;
}

static void free_sender(napi_env env, void *data, void *hint) {
  sender_t *tx = data;
  if (tx->fd >= 0) close(tx->fd);
  free(tx);
}

static napi_value OpenSender(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!call_args(env, info, 6, argv, "openSender(group, port, interfaceAddress, sendBuffer, slot, slots)")) return NULL;
  struct in_addr group, iface;
  int32_t port, send_buffer, slot, slots;
  if (!read_address(env, argv[0], &group)) return NULL;
  napi_get_value_int32(env, argv[1], &port);
  if (!read_address(env, argv[2], &iface)) return NULL;
  napi_get_value_int32(env, argv[3], &send_buffer);
  napi_get_value_int32(env, argv[4], &slot);
  napi_get_value_int32(env, argv[5], &slots);
  if (port <= 0 || port > 65535 || slot < 64 || slot > 65536 || slots < 1 || slots > 65536) {
    napi_throw_range_error(env, NULL, "port, slot size or slot count out of range");
    return NULL;
  }

  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket");
  unsigned char ttl = 1, loop = 1;
  struct sockaddr_in local = {.sin_family = AF_INET, .sin_addr = iface};
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr = group};
  /* Bound to the interface's address (as dgram's sockets are) so receivers see the same source. */
  if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &iface, sizeof iface) < 0 ||
      setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl) < 0 ||
      setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop) < 0 ||
      (send_buffer > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &send_buffer, sizeof send_buffer) < 0) ||
      bind(fd, (struct sockaddr *)&local, sizeof local) < 0 ||
      connect(fd, (struct sockaddr *)&to, sizeof to) < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return throw_errno(env, "opening the multicast send socket");
  }

  sender_t *tx = calloc(1, sizeof(sender_t));
  tx->fd = fd;
  tx->slot = (size_t)slot;
  tx->slots = slots;
  for (int i = 0; i < SEND_BATCH; i++) {
    tx->msgs[i].msg_hdr.msg_iov = &tx->iov[i];
    tx->msgs[i].msg_hdr.msg_iovlen = 1;
  }
  napi_value self;
  napi_create_object(env, &self);
  tx->data = set_array_buffer(env, self, "data", (size_t)slots * (size_t)slot);
  tx->lengths = set_array_buffer(env, self, "lengths", (size_t)slots * sizeof(int32_t));
  set_function(env, self, "send", SenderSend);
  set_function(env, self, "close", SenderClose);
  /* The ArrayBuffers stay alive with the object (its properties), and the object owns tx. */
  napi_wrap(env, self, tx, free_sender, NULL, NULL);
  return self;
}

void register_gcm(napi_env env, napi_value exports);
void register_gf(napi_env env, napi_value exports);
void register_device(napi_env env, napi_value exports);

static napi_value Init(napi_env env, napi_value exports) {
  register_gcm(env, exports);
  register_gf(env, exports);
  register_device(env, exports);
  set_function(env, exports, "open", Open);
  set_function(env, exports, "openSender", OpenSender);
  napi_value batch;
  napi_create_int32(env, BATCH, &batch);
  napi_set_named_property(env, exports, "BATCH", batch);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
