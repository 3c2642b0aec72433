/* The state one run of the helper carries through libdwfl's callbacks. */
#ifndef CDTS_STACK_STACK_H
#define CDTS_STACK_STACK_H

#include <stdbool.h>

#include "dw.h"
#include "out.h"

/* systemd's limits (src/shared/elf-util.c): FRAMES_MAX, THREADS_MAX. */
#define FRAMES_MAX 64
#define THREADS_MAX 64

typedef struct {
  Dwfl *dwfl;
  Elf *core;
  /* Module objects, comma-separated, in dwfl_getmodules order. */
  Out modules;
  unsigned n_modules;
  /* Thread objects, comma-separated, in dwfl_getthreads order. */
  Out threads;
  unsigned n_threads;
  unsigned n_frames;
  /* Set when something was left out to stay under the output limit. */
  bool truncated;
} StackContext;

/* Appends a finished item (and frees it); false, with `truncated` set,
 * when it does not fit under the output limit. */
bool stack_commit(StackContext *c, Out *dst, Out *item);

/* dwfl_getmodules callback: one module object per module; stores the
 * module's display name as its dwfl user data for the frames. */
int module_callback(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start, void *arg);

/* dwfl_getthreads callback: one thread object with its frames. */
int thread_callback(Dwfl_Thread *thread, void *arg);

/* The name systemd's text shows for a module libdwfl named `name`: the name
 * itself, unless it is a path (mini cores, where libdwfl has no link_map
 * names): then the SONAME of that file, else its basename, and the path
 * unchanged when the file is gone. Returns a malloc'd string. */
char *module_display_name(const char *name);

/* The first .note.package payload (owner any, type 0xcafe1a7e) of the
 * module, as systemd looks for it: in the module's ELF, else in the core
 * segment that holds the module's start. Sets *found when a note exists;
 * returns the payload (malloc'd, NUL-terminated) only when it is a JSON
 * object, NULL otherwise. */
char *module_package_note(Elf *module_elf, Elf *core, Dwarf_Addr start, bool *found);

#endif
