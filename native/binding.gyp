{
  "targets": [
    {
      "target_name": "mcnet",
      "sources": ["mcnet.c", "gcm.c", "gf.c", "device.c", "napi-helpers.h"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
