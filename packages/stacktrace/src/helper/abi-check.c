/* Prints the layouts and constants the helper relies on (elfutils.h). Built
 * twice by a unit test: once on elfutils.h alone, once with
 * -DCDTS_ELFUTILS_PROTOTYPES_ONLY on the installed libdw-dev headers (where
 * the compiler also checks elfutils.h's prototypes against the real ones);
 * the two outputs must be equal. */
#include <stddef.h>
#include <stdio.h>

#ifdef CDTS_ELFUTILS_PROTOTYPES_ONLY
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <libelf.h>
#endif
#include "elfutils.h"

#define SHOW(expr) printf("%s %ld\n", #expr, (long)(expr))

int main(void) {
  SHOW(ELF_T_BYTE);
  SHOW(ELF_T_NHDR);
  SHOW(ELF_C_READ_MMAP);
  SHOW(ELF_K_ELF);
  SHOW(sizeof(Elf_Data));
  SHOW(offsetof(Elf_Data, d_type));
  SHOW(offsetof(Elf_Data, d_size));
  SHOW(offsetof(Elf_Data, d_off));
  SHOW(offsetof(Elf_Data, d_align));
  SHOW(sizeof(GElf_Addr));
  SHOW(sizeof(GElf_Ehdr));
  SHOW(sizeof(GElf_Phdr));
  SHOW(sizeof(GElf_Shdr));
  SHOW(sizeof(GElf_Dyn));
  SHOW(sizeof(GElf_Nhdr));
  SHOW(sizeof(Dwarf_Addr));
  SHOW(sizeof(Dwarf_Die));
  SHOW(sizeof(Dwarf_Attribute));
  SHOW(DWARF_CB_OK);
  SHOW(DWARF_CB_ABORT);
  SHOW(DW_TAG_entry_point);
  SHOW(DW_TAG_inlined_subroutine);
  SHOW(DW_TAG_subprogram);
  SHOW(DW_AT_linkage_name);
  SHOW(DW_AT_MIPS_linkage_name);
  SHOW(sizeof(Dwfl_Callbacks));
  SHOW(offsetof(Dwfl_Callbacks, find_debuginfo));
  SHOW(offsetof(Dwfl_Callbacks, section_address));
  SHOW(offsetof(Dwfl_Callbacks, debuginfo_path));
  return 0;
}
