#include "dw.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#define CDTS_DEFINE_SYMBOL(name) __typeof__(name) *sym_##name;
DW_SYMBOLS(CDTS_DEFINE_SYMBOL)
ELF_SYMBOLS(CDTS_DEFINE_SYMBOL)
#undef CDTS_DEFINE_SYMBOL

static const char *library_name(const char *env, const char *fallback) {
  const char *name = getenv(env);
  return name && *name ? name : fallback;
}

static void *open_library(const char *name, char *why, size_t why_size) {
  void *handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (!handle) snprintf(why, why_size, "cannot load %s: %s", name, dlerror());
  return handle;
}

/* Resolves one symbol; on failure names it in `why` and returns -1. */
static int resolve(void *handle, const char *library, const char *symbol, void **slot,
                   char *why, size_t why_size) {
  *slot = dlsym(handle, symbol);
  if (*slot) return 0;
  snprintf(why, why_size, "%s lacks %s", library, symbol);
  return -1;
}

/* debuginfod, never: the first time a module has no local debug info, libdwfl
 * (elfutils >= 0.179, dwfl_get_debuginfod_client) dlopens libdebuginfod.so.1 to
 * ask a server, whatever DEBUGINFOD_URLS says. That load pulls in ~30 libraries
 * (curl, gnutls, krb5, ldap, ...) and their constructors: ~15 ms of a ~4 ms trace
 * (docs/performance.md), for a client that could never answer, as the helper gets
 * no DEBUGINFOD_URLS (no network from the crash path). So the helper is linked
 * with DT_SONAME libdebuginfod.so.1 (binding.gyp): glibc matches that name to the
 * already loaded executable, which defines none of the debuginfod_* symbols, so
 * libdwfl finds no client and searches only locally, as it would with the real
 * library and no server. A loader that does not match the name loads the real
 * library: slower, the same trace. */
int dw_load(char *why, size_t why_size) {
  const char *dw_name = library_name("COREDUMP_TS_LIBDW", "libdw.so.1");
  const char *elf_name = library_name("COREDUMP_TS_LIBELF", "libelf.so.1");
  void *dw = open_library(dw_name, why, why_size);
  if (!dw) return -1;
  void *elf = open_library(elf_name, why, why_size);
  if (!elf) return -1;
#define CDTS_RESOLVE(lib, lib_name, name) \
  if (resolve(lib, lib_name, #name, (void **)&sym_##name, why, why_size) < 0) return -1;
#define CDTS_RESOLVE_DW(name) CDTS_RESOLVE(dw, dw_name, name)
#define CDTS_RESOLVE_ELF(name) CDTS_RESOLVE(elf, elf_name, name)
  DW_SYMBOLS(CDTS_RESOLVE_DW)
  ELF_SYMBOLS(CDTS_RESOLVE_ELF)
#undef CDTS_RESOLVE_ELF
#undef CDTS_RESOLVE_DW
#undef CDTS_RESOLVE
  return 0;
}
