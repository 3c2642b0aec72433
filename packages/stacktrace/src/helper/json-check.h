/* A strict JSON (RFC 8259) checker for .note.package payloads: the helper
 * embeds a note in its output only when it is one JSON object in valid
 * UTF-8, so the output stays parseable whatever the crashed program carried. */
#ifndef CDTS_STACK_JSON_CHECK_H
#define CDTS_STACK_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>

bool json_is_object(const char *text, size_t n);

#endif
