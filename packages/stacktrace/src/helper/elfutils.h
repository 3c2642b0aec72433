/* The part of the elfutils API (libelf, libdw, libdwfl, libdwelf) the stack
 * helper uses, declared here so that building it needs no -dev package: the
 * libraries are dlopen()ed at run time and stay optional, as in systemd.
 * Types, layouts and constants are those of elfutils' public headers (stable
 * ABI since libdw.so.1); abi-check.c, run by a unit test, compares them with
 * the installed headers when libdw-dev is present: there it defines
 * CDTS_ELFUTILS_PROTOTYPES_ONLY and includes the real headers first, so the
 * compiler checks every prototype below against elfutils' own. */
#ifndef CDTS_STACK_ELFUTILS_H
#define CDTS_STACK_ELFUTILS_H

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* libelf.h */
#ifndef CDTS_ELFUTILS_PROTOTYPES_ONLY
typedef enum {
  ELF_T_BYTE = 0,
  ELF_T_NHDR = 19,
} Elf_Type;

typedef enum {
  ELF_C_READ_MMAP = 8,
} Elf_Cmd;

typedef enum {
  ELF_K_ELF = 3,
} Elf_Kind;

typedef struct {
  void *d_buf;
  Elf_Type d_type;
  unsigned int d_version;
  size_t d_size;
  int64_t d_off;
  size_t d_align;
} Elf_Data;

typedef struct Elf Elf;
typedef struct Elf_Scn Elf_Scn;
#endif

extern Elf *elf_begin(int fildes, Elf_Cmd cmd, Elf *ref);
extern Elf *elf_memory(char *image, size_t size);
extern int elf_end(Elf *elf);
extern Elf_Kind elf_kind(Elf *elf);
extern int elf_getphdrnum(Elf *elf, size_t *dst);
extern Elf_Scn *elf_nextscn(Elf *elf, Elf_Scn *scn);
extern Elf_Data *elf_getdata(Elf_Scn *scn, Elf_Data *data);
extern Elf_Data *elf_getdata_rawchunk(Elf *elf, int64_t offset, size_t size, Elf_Type type);
extern char *elf_strptr(Elf *elf, size_t index, size_t offset);
extern int elf_errno(void);
extern const char *elf_errmsg(int error);
extern unsigned int elf_version(unsigned int version);

/* gelf.h: the 64-bit types serve both classes. */
#ifndef CDTS_ELFUTILS_PROTOTYPES_ONLY
typedef Elf64_Addr GElf_Addr;
typedef Elf64_Word GElf_Word;
typedef Elf64_Ehdr GElf_Ehdr;
typedef Elf64_Shdr GElf_Shdr;
typedef Elf64_Phdr GElf_Phdr;
typedef Elf64_Dyn GElf_Dyn;
typedef Elf64_Nhdr GElf_Nhdr;
#endif

extern GElf_Ehdr *gelf_getehdr(Elf *elf, GElf_Ehdr *dest);
extern GElf_Shdr *gelf_getshdr(Elf_Scn *scn, GElf_Shdr *dst);
extern GElf_Phdr *gelf_getphdr(Elf *elf, int ndx, GElf_Phdr *dst);
extern GElf_Dyn *gelf_getdyn(Elf_Data *data, int ndx, GElf_Dyn *dst);
extern size_t gelf_getnote(Elf_Data *data, size_t offset, GElf_Nhdr *result, size_t *name_offset,
                           size_t *desc_offset);

/* libdw.h, dwarf.h */
#ifndef CDTS_ELFUTILS_PROTOTYPES_ONLY
typedef GElf_Addr Dwarf_Addr;

typedef struct {
  unsigned int code;
  unsigned int form;
  unsigned char *valp;
  struct Dwarf_CU *cu;
} Dwarf_Attribute;

typedef struct {
  void *addr;
  struct Dwarf_CU *cu;
  void *abbrev;
  long int padding__;
} Dwarf_Die;

enum { DWARF_CB_OK = 0, DWARF_CB_ABORT = 1 };
enum {
  DW_TAG_entry_point = 0x03,
  DW_TAG_inlined_subroutine = 0x1d,
  DW_TAG_subprogram = 0x2e,
};
enum {
  DW_AT_linkage_name = 0x6e,
  DW_AT_MIPS_linkage_name = 0x2007,
};
#endif

extern Dwarf_Attribute *dwarf_attr_integrate(Dwarf_Die *die, unsigned int search_name,
                                             Dwarf_Attribute *result);
extern const char *dwarf_diename(Dwarf_Die *die);
extern const char *dwarf_formstring(Dwarf_Attribute *attrp);
extern int dwarf_getscopes(Dwarf_Die *cudie, Dwarf_Addr pc, Dwarf_Die **scopes);
extern int dwarf_tag(Dwarf_Die *die);

/* libdwelf.h */
extern const char *dwelf_elf_e_machine_string(int machine);

/* libdwfl.h */
#ifndef CDTS_ELFUTILS_PROTOTYPES_ONLY
typedef struct Dwfl Dwfl;
typedef struct Dwfl_Module Dwfl_Module;
typedef struct Dwfl_Thread Dwfl_Thread;
typedef struct Dwfl_Frame Dwfl_Frame;

typedef struct {
  int (*find_elf)(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
                  char **file_name, Elf **elfp);
  int (*find_debuginfo)(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
                        const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
                        char **debuginfo_file_name);
  int (*section_address)(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
                         const char *secname, GElf_Word shndx, const GElf_Shdr *shdr,
                         Dwarf_Addr *addr);
  char **debuginfo_path;
} Dwfl_Callbacks;
#endif

extern Dwfl *dwfl_begin(const Dwfl_Callbacks *callbacks);
extern void dwfl_end(Dwfl *dwfl);
extern int dwfl_errno(void);
extern const char *dwfl_errmsg(int err);
extern int dwfl_build_id_find_elf(Dwfl_Module *mod, void **userdata, const char *modname,
                                  Dwarf_Addr base, char **file_name, Elf **elfp);
extern int dwfl_standard_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
                                        Dwarf_Addr base, const char *file_name,
                                        const char *debuglink_file, GElf_Word debuglink_crc,
                                        char **debuginfo_file_name);
extern int dwfl_offline_section_address(Dwfl_Module *mod, void **userdata, const char *modname,
                                        Dwarf_Addr base, const char *secname, GElf_Word shndx,
                                        const GElf_Shdr *shdr, Dwarf_Addr *addr);
extern int dwfl_core_file_report(Dwfl *dwfl, Elf *elf, const char *executable);
extern int dwfl_report_end(Dwfl *dwfl,
                           int (*removed)(Dwfl_Module *mod, void *userdata, const char *name,
                                          Dwarf_Addr base, void *arg),
                           void *arg);
extern ptrdiff_t dwfl_getmodules(Dwfl *dwfl,
                                 int (*callback)(Dwfl_Module *mod, void **userdata,
                                                 const char *name, Dwarf_Addr base, void *arg),
                                 void *arg, ptrdiff_t offset);
extern int dwfl_core_file_attach(Dwfl *dwfl, Elf *elf);
extern int dwfl_getthreads(Dwfl *dwfl, int (*callback)(Dwfl_Thread *thread, void *arg), void *arg);
extern int dwfl_thread_getframes(Dwfl_Thread *thread, int (*callback)(Dwfl_Frame *state, void *arg),
                                 void *arg);
extern pid_t dwfl_thread_tid(Dwfl_Thread *thread);
extern bool dwfl_frame_pc(Dwfl_Frame *state, Dwarf_Addr *pc, bool *isactivation);
extern Dwfl_Module *dwfl_addrmodule(Dwfl *dwfl, Dwarf_Addr address);
extern Dwarf_Die *dwfl_module_addrdie(Dwfl_Module *mod, Dwarf_Addr addr, Dwarf_Addr *bias);
extern const char *dwfl_module_addrname(Dwfl_Module *mod, GElf_Addr address);
extern int dwfl_module_build_id(Dwfl_Module *mod, const unsigned char **bits, GElf_Addr *vaddr);
extern Elf *dwfl_module_getelf(Dwfl_Module *mod, GElf_Addr *bias);
extern const char *dwfl_module_info(Dwfl_Module *mod, void ***userdata, Dwarf_Addr *start,
                                    Dwarf_Addr *end, Dwarf_Addr *dwbias, Dwarf_Addr *symbias,
                                    const char **mainfile, const char **debugfile);

#endif
