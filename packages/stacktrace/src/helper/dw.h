/* The elfutils functions the stack helper uses, resolved at run time with
 * dlopen(), as systemd does: libdw and libelf stay optional packages, and a
 * machine without them gets a clear error instead of a failed exec. The
 * pointer types come from the prototypes in elfutils.h through __typeof__,
 * so no symbol is linked. */
#ifndef CDTS_STACK_DW_H
#define CDTS_STACK_DW_H

#include "elfutils.h"

#define DW_SYMBOLS(X)               \
  X(dwarf_attr_integrate)           \
  X(dwarf_diename)                  \
  X(dwarf_formstring)               \
  X(dwarf_getscopes)                \
  X(dwarf_tag)                      \
  X(dwelf_elf_e_machine_string)     \
  X(dwfl_addrmodule)                \
  X(dwfl_begin)                     \
  X(dwfl_build_id_find_elf)         \
  X(dwfl_core_file_attach)          \
  X(dwfl_core_file_report)          \
  X(dwfl_end)                       \
  X(dwfl_errmsg)                    \
  X(dwfl_errno)                     \
  X(dwfl_frame_pc)                  \
  X(dwfl_getmodules)                \
  X(dwfl_getthreads)                \
  X(dwfl_module_addrdie)            \
  X(dwfl_module_addrname)           \
  X(dwfl_module_build_id)           \
  X(dwfl_module_getelf)             \
  X(dwfl_module_info)               \
  X(dwfl_offline_section_address)   \
  X(dwfl_report_end)                \
  X(dwfl_standard_find_debuginfo)   \
  X(dwfl_thread_getframes)          \
  X(dwfl_thread_tid)

#define ELF_SYMBOLS(X)      \
  X(elf_begin)              \
  X(elf_end)                \
  X(elf_errmsg)             \
  X(elf_errno)              \
  X(elf_getdata)            \
  X(elf_getdata_rawchunk)   \
  X(elf_getphdrnum)         \
  X(elf_kind)               \
  X(elf_memory)             \
  X(elf_nextscn)            \
  X(elf_strptr)             \
  X(elf_version)            \
  X(gelf_getdyn)            \
  X(gelf_getehdr)           \
  X(gelf_getnote)           \
  X(gelf_getphdr)           \
  X(gelf_getshdr)

#define CDTS_DECLARE_SYMBOL(name) extern __typeof__(name) *sym_##name;
DW_SYMBOLS(CDTS_DECLARE_SYMBOL)
ELF_SYMBOLS(CDTS_DECLARE_SYMBOL)
#undef CDTS_DECLARE_SYMBOL

/* Loads both libraries. The names come from COREDUMP_TS_LIBDW and
 * COREDUMP_TS_LIBELF when set (tests point them elsewhere to simulate a
 * machine without elfutils), else libdw.so.1 and libelf.so.1. On failure
 * writes a one-line reason into `why` and returns -1. */
int dw_load(char *why, size_t why_size);

#endif
