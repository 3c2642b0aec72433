/* Modules: their names, build-ids and package notes (spec §8.1, §8.3). */
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json-check.h"
#include "stack.h"

#define ELF_PACKAGE_METADATA_ID 0xcafe1a7e

/* DT_SONAME of an ELF file, from its SHT_DYNAMIC section; malloc'd or NULL. */
static char *elf_soname(Elf *elf) {
  for (Elf_Scn *scn = sym_elf_nextscn(elf, NULL); scn; scn = sym_elf_nextscn(elf, scn)) {
    GElf_Shdr shdr_mem;
    GElf_Shdr *shdr = sym_gelf_getshdr(scn, &shdr_mem);
    if (!shdr || shdr->sh_type != SHT_DYNAMIC || shdr->sh_entsize == 0) continue;
    Elf_Data *data = sym_elf_getdata(scn, NULL);
    if (!data) continue;
    size_t count = shdr->sh_size / shdr->sh_entsize;
    for (size_t i = 0; i < count; i++) {
      GElf_Dyn dyn_mem;
      GElf_Dyn *dyn = sym_gelf_getdyn(data, (int)i, &dyn_mem);
      if (!dyn || dyn->d_tag == DT_NULL) break;
      if (dyn->d_tag != DT_SONAME) continue;
      const char *soname = sym_elf_strptr(elf, shdr->sh_link, dyn->d_un.d_val);
      return soname && *soname ? strdup(soname) : NULL;
    }
  }
  return NULL;
}

static char *file_soname(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  char *soname = NULL;
  Elf *elf = sym_elf_begin(fd, ELF_C_READ_MMAP, NULL);
  if (elf) {
    if (sym_elf_kind(elf) == ELF_K_ELF) soname = elf_soname(elf);
    sym_elf_end(elf);
  }
  close(fd);
  return soname;
}

char *module_display_name(const char *name) {
  const char *slash = strrchr(name, '/');
  char *shown = NULL;
  if (!slash || access(name, F_OK) < 0) shown = strdup(name);
  else if (!(shown = file_soname(name))) shown = strdup(slash + 1);
  if (!shown) fail_oom();
  return shown;
}

/* The package note among one PT_NOTE segment's notes, or NULL. */
static char *segment_package_note(Elf *elf, const GElf_Phdr *phdr, bool *found) {
  Elf_Data *data = sym_elf_getdata_rawchunk(elf, (int64_t)phdr->p_offset, phdr->p_filesz, ELF_T_NHDR);
  if (!data) return NULL;
  GElf_Nhdr nhdr;
  size_t name_offset, desc_offset;
  for (size_t offset = 0; offset < data->d_size;) {
    offset = sym_gelf_getnote(data, offset, &nhdr, &name_offset, &desc_offset);
    if (offset == 0) break;
    if (nhdr.n_namesz == 0 || nhdr.n_descsz == 0 || nhdr.n_type != ELF_PACKAGE_METADATA_ID) continue;
    *found = true;
    const char *desc = (const char *)data->d_buf + desc_offset;
    size_t len = strnlen(desc, nhdr.n_descsz);
    if (!json_is_object(desc, len)) return NULL;
    char *copy = strndup(desc, len);
    if (!copy) fail_oom();
    return copy;
  }
  return NULL;
}

/* Searches the PT_NOTE segments of an ELF image. */
static char *elf_package_note(Elf *elf, bool *found) {
  size_t count;
  if (sym_elf_getphdrnum(elf, &count) < 0) return NULL;
  for (size_t i = 0; i < count && !*found; i++) {
    GElf_Phdr mem;
    GElf_Phdr *phdr = sym_gelf_getphdr(elf, (int)i, &mem);
    if (!phdr || phdr->p_type != PT_NOTE) continue;
    char *note = segment_package_note(elf, phdr, found);
    if (*found) return note;
  }
  return NULL;
}

char *module_package_note(Elf *module_elf, Elf *core, Dwarf_Addr start, bool *found) {
  *found = false;
  if (module_elf) return elf_package_note(module_elf, found);
  /* No ELF from libdwfl (file missing): the module's first page in the
   * core holds its headers and notes, read as an ELF image in memory. */
  size_t count;
  if (sym_elf_getphdrnum(core, &count) < 0) return NULL;
  for (size_t i = 0; i < count; i++) {
    GElf_Phdr mem;
    GElf_Phdr *phdr = sym_gelf_getphdr(core, (int)i, &mem);
    uint64_t end;
    if (!phdr || phdr->p_type != PT_LOAD) continue;
    if (__builtin_add_overflow(phdr->p_vaddr, phdr->p_memsz, &end)) break;
    if (start < phdr->p_vaddr || start >= end) continue;
    Elf_Data *data = sym_elf_getdata_rawchunk(core, (int64_t)phdr->p_offset, phdr->p_filesz, ELF_T_BYTE);
    if (!data) continue;
    Elf *image = sym_elf_memory(data->d_buf, data->d_size);
    if (!image) continue;
    char *note = elf_package_note(image, found);
    sym_elf_end(image);
    if (*found) return note;
  }
  return NULL;
}

int module_callback(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start, void *arg) {
  StackContext *c = arg;
  if (!name) name = "(unnamed)";
  char *shown = module_display_name(name);
  *userdata = shown;

  const unsigned char *id = NULL;
  GElf_Addr id_vaddr;
  int id_len = sym_dwfl_module_build_id(mod, &id, &id_vaddr);
  GElf_Addr bias;
  Elf *elf = sym_dwfl_module_getelf(mod, &bias);
  bool found;
  char *note = module_package_note(elf, c->core, start, &found);
  Dwarf_Addr low = 0, high = 0;
  const char *mainfile = NULL;
  sym_dwfl_module_info(mod, NULL, &low, &high, NULL, NULL, &mainfile, NULL);

  Out item;
  out_init(&item, (size_t)-1);
  out_lit(&item, c->n_modules ? ",{\"name\":" : "{\"name\":");
  out_str(&item, shown);
  out_lit(&item, ",\"path\":");
  out_str(&item, mainfile);
  out_fmt(&item, ",\"start\":\"0x%" PRIx64 "\",\"end\":\"0x%" PRIx64 "\",\"buildId\":", (uint64_t)low,
          (uint64_t)high);
  out_hex(&item, id, id_len > 0 ? (size_t)id_len : 0);
  out_lit(&item, ",\"package\":");
  if (note) out_lit(&item, note);
  else out_lit(&item, "null");
  out_lit(&item, "}");
  free(note);
  if (!stack_commit(c, &c->modules, &item)) return DWARF_CB_ABORT;
  c->n_modules++;
  return DWARF_CB_OK;
}
