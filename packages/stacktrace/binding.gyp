{
  "targets": [
    {
      "target_name": "coredump-ts-stack",
      "type": "executable",
      "sources": [
        "src/helper/main.c",
        "src/helper/dw.c",
        "src/helper/frames.c",
        "src/helper/modules.c",
        "src/helper/out.c",
        "src/helper/json-check.c"
      ],
      "cflags_c": ["-std=gnu11", "-Wall", "-Wextra", "-O2", "-fstack-protector-strong", "-D_FORTIFY_SOURCE=2"],
      # -soname: the helper answers libdwfl's dlopen("libdebuginfod.so.1") itself (see dw.c).
      "ldflags": ["-Wl,-z,relro,-z,now", "-Wl,-soname,libdebuginfod.so.1"],
      "libraries": ["-ldl"]
    }
  ]
}
