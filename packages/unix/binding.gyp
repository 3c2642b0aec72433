{
  "targets": [
    {
      "target_name": "coredump_unix",
      "sources": ["src/addon.c", "src/napi-util.c", "src/socket.c", "src/recv.c", "src/fd.c",
                  "src/watch.c",
                  "src/pidfd.c", "src/stream.c", "src/libc.c", "src/lock.c",
                  "src/spawn.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_c": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"]
    }
  ]
}
