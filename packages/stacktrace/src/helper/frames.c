/* Threads and frames, in libdwfl's order (spec §8.1): at most THREADS_MAX
 * threads of at most FRAMES_MAX frames; the symbol from DWARF (linkage name,
 * then name) else the ELF symbol table, looked up at pc - 1 for frames that
 * are not activations (return addresses). */
#include <inttypes.h>
#include <stdlib.h>

#include "stack.h"

bool stack_commit(StackContext *c, Out *dst, Out *item) {
  bool fits = out_append(dst, item);
  out_free(item);
  if (!fits) c->truncated = true;
  return fits;
}

/* The DWARF name of the function at `pc` (module-relative after bias). */
static const char *dwarf_function(Dwfl_Module *module, Dwarf_Addr pc) {
  Dwarf_Addr bias = 0;
  Dwarf_Die *cudie = sym_dwfl_module_addrdie(module, pc, &bias);
  if (!cudie) return NULL;
  Dwarf_Die *scopes = NULL;
  int n = sym_dwarf_getscopes(cudie, pc - bias, &scopes);
  const char *symbol = NULL;
  for (int i = 0; i < n && !symbol; i++) {
    Dwarf_Die *scope = &scopes[i];
    int tag = sym_dwarf_tag(scope);
    if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine && tag != DW_TAG_entry_point)
      continue;
    Dwarf_Attribute space;
    Dwarf_Attribute *a = sym_dwarf_attr_integrate(scope, DW_AT_MIPS_linkage_name, &space);
    if (!a) a = sym_dwarf_attr_integrate(scope, DW_AT_linkage_name, &space);
    if (a) symbol = sym_dwarf_formstring(a);
    if (!symbol) symbol = sym_dwarf_diename(scope);
  }
  free(scopes);
  return symbol;
}

/* The display name module_callback stored for the module. */
static const char *module_name(Dwfl_Module *module, Dwarf_Addr *start) {
  void **userdata = NULL;
  const char *name = sym_dwfl_module_info(module, &userdata, start, NULL, NULL, NULL, NULL, NULL);
  if (!userdata) return name;
  if (!*userdata && name) *userdata = module_display_name(name);
  return *userdata ? *userdata : name;
}

static int frame_callback(Dwfl_Frame *frame, void *arg) {
  StackContext *c = arg;
  if (c->n_frames >= FRAMES_MAX) return DWARF_CB_ABORT;
  Dwarf_Addr pc;
  bool is_activation;
  if (!sym_dwfl_frame_pc(frame, &pc, &is_activation)) return DWARF_CB_ABORT;
  Dwarf_Addr pc_adjusted = pc - (is_activation ? 0 : 1);

  const char *symbol = NULL;
  const char *module_shown = NULL;
  Dwarf_Addr start = 0;
  const unsigned char *id = NULL;
  int id_len = 0;
  Dwfl_Module *module = sym_dwfl_addrmodule(c->dwfl, pc_adjusted);
  if (module) {
    symbol = dwarf_function(module, pc_adjusted);
    if (!symbol) symbol = sym_dwfl_module_addrname(module, pc_adjusted);
    module_shown = module_name(module, &start);
    GElf_Addr id_vaddr;
    id_len = sym_dwfl_module_build_id(module, &id, &id_vaddr);
  }

  Out item;
  out_init(&item, (size_t)-1);
  out_fmt(&item, "%s{\"pc\":\"0x%016" PRIx64 "\",\"function\":", c->n_frames ? "," : "", (uint64_t)pc);
  out_str(&item, symbol);
  out_lit(&item, ",\"module\":");
  out_str(&item, module_shown);
  if (module) out_fmt(&item, ",\"offset\":\"0x%" PRIx64 "\"", (uint64_t)(pc - start));
  else out_lit(&item, ",\"offset\":null");
  out_lit(&item, ",\"buildId\":");
  out_hex(&item, id, id_len > 0 ? (size_t)id_len : 0);
  out_lit(&item, "}");
  if (!stack_commit(c, &c->threads, &item)) return DWARF_CB_ABORT;
  c->n_frames++;
  return DWARF_CB_OK;
}

/* Room kept below the threads buffer's limit to close a thread object. */
#define THREAD_CLOSE_RESERVE 8

int thread_callback(Dwfl_Thread *thread, void *arg) {
  StackContext *c = arg;
  if (c->n_threads >= THREADS_MAX || c->truncated) return DWARF_CB_ABORT;
  if (c->threads.limit - c->threads.len < THREAD_CLOSE_RESERVE) {
    c->truncated = true;
    return DWARF_CB_ABORT;
  }
  c->n_frames = 0;
  c->threads.limit -= THREAD_CLOSE_RESERVE;
  bool opened = out_fmt(&c->threads, "%s{\"tid\":%d,\"frames\":[", c->n_threads ? "," : "",
                        (int)sym_dwfl_thread_tid(thread));
  int r = opened ? sym_dwfl_thread_getframes(thread, frame_callback, c) : DWARF_CB_ABORT;
  c->threads.limit += THREAD_CLOSE_RESERVE;
  c->threads.full = false;
  if (!opened) {
    c->truncated = true;
    return DWARF_CB_ABORT;
  }
  out_lit(&c->threads, "]}");
  c->n_threads++;
  /* As systemd: an unwinding error ends the whole walk, after this thread. */
  if (r < 0 || c->truncated) return DWARF_CB_ABORT;
  return DWARF_CB_OK;
}
