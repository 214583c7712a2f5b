/* device.c: a UDP socket tied to one network interface (SO_BINDTODEVICE), for the DP's PXE
   services. DHCP clients broadcast from 0.0.0.0 to 255.255.255.255, so a server must bind the
   wildcard address to hear them; tied to the device, it hears (and answers) only the interface the
   admin configured, never another one. The fd is handed to Node's dgram, which owns it from then on. */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "napi-helpers.h"

static napi_value DeviceSocket(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!call_args(env, info, 2, argv, "deviceSocket(port, interfaceName)")) return NULL;
  int32_t port;
  char name[IFNAMSIZ + 1];
  size_t length;
  napi_get_value_int32(env, argv[0], &port);
  if (napi_get_value_string_utf8(env, argv[1], name, sizeof name, &length) != napi_ok || length == 0 || length >= IFNAMSIZ || port < 0 || port > 65535) {
    napi_throw_type_error(env, NULL, "deviceSocket: a port 0-65535 and an interface name are required");
    return NULL;
  }
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int one = 1;
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr = { .s_addr = htonl(INADDR_ANY) } };
  const char *step = "socket";
  if (fd >= 0) {
    if ((step = "SO_BINDTODEVICE", setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, (socklen_t)length) < 0) ||
        (step = "SO_REUSEADDR", setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) ||
        (step = "SO_BROADCAST", setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) < 0) ||
        (step = "bind", bind(fd, (struct sockaddr *)&address, sizeof address) < 0)) {
      int saved = errno;
      close(fd);
      errno = saved;
      fd = -1;
    }
  }
  if (fd < 0) {
    char message[160];
    snprintf(message, sizeof message, "%s (%s, port %d): %s", step, name, port, strerror(errno));
    napi_throw_error(env, errno == EADDRINUSE ? "EADDRINUSE" : errno == EACCES || errno == EPERM ? "EACCES" : NULL, message);
    return NULL;
  }
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

void register_device(napi_env env, napi_value exports) {
  set_function(env, exports, "deviceSocket", DeviceSocket);
}
