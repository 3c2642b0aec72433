/* A growable byte buffer for the helper's JSON output, with a size limit:
 * an append that would pass the limit is refused whole and marks the buffer
 * full, so what is written is always well-formed up to the last whole item. */
#ifndef CDTS_STACK_OUT_H
#define CDTS_STACK_OUT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
  char *data;
  size_t len;
  size_t cap;
  size_t limit;
  bool full;
} Out;

void out_init(Out *o, size_t limit);
void out_free(Out *o);
void out_reset(Out *o);
/* Each returns false when the bytes did not fit under the limit. */
bool out_bytes(Out *o, const char *bytes, size_t n);
bool out_lit(Out *o, const char *s);
bool out_fmt(Out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string, or null for NULL. Bytes that are not UTF-8 become U+FFFD. */
bool out_str(Out *o, const char *s);
bool out_strn(Out *o, const char *s, size_t n);
/* Lowercase hex of `n` bytes as a JSON string, or null when n is 0. */
bool out_hex(Out *o, const unsigned char *bytes, size_t n);
bool out_append(Out *o, const Out *src);

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
size_t utf8_sequence(const unsigned char *s, size_t n);

/* Out of memory is not survivable in a 1-shot helper: report and exit. */
void fail_oom(void) __attribute__((noreturn));

#endif
