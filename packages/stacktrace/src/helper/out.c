#include "out.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void out_init(Out *o, size_t limit) {
  memset(o, 0, sizeof *o);
  o->limit = limit;
}

void out_free(Out *o) {
  free(o->data);
  memset(o, 0, sizeof *o);
}

void out_reset(Out *o) {
  o->len = 0;
  o->full = false;
}

static void reserve(Out *o, size_t extra) {
  if (o->cap - o->len >= extra) return;
  size_t cap = o->cap ? o->cap : 4096;
  while (cap - o->len < extra) cap *= 2;
  char *data = realloc(o->data, cap);
  if (!data) fail_oom();
  o->data = data;
  o->cap = cap;
}

bool out_bytes(Out *o, const char *bytes, size_t n) {
  if (o->full || n > o->limit - o->len) {
    o->full = true;
    return false;
  }
  reserve(o, n);
  memcpy(o->data + o->len, bytes, n);
  o->len += n;
  return true;
}

bool out_lit(Out *o, const char *s) { return out_bytes(o, s, strlen(s)); }

bool out_fmt(Out *o, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return false;
  if ((size_t)n < sizeof small) return out_bytes(o, small, (size_t)n);
  char *big = malloc((size_t)n + 1);
  if (!big) fail_oom();
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  bool ok = out_bytes(o, big, (size_t)n);
  free(big);
  return ok;
}

size_t utf8_sequence(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  if (c < 0x80) return 1;
  size_t len;
  unsigned min;
  unsigned cp;
  if ((c & 0xe0) == 0xc0) len = 2, min = 0x80, cp = c & 0x1f;
  else if ((c & 0xf0) == 0xe0) len = 3, min = 0x800, cp = c & 0x0f;
  else if ((c & 0xf8) == 0xf0) len = 4, min = 0x10000, cp = c & 0x07;
  else return 0;
  if (len > n) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

bool out_strn(Out *o, const char *s, size_t n) {
  Out tmp;
  out_init(&tmp, (size_t)-1);
  reserve(&tmp, n + 2);
  out_bytes(&tmp, "\"", 1);
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    unsigned char c = p[i];
    if (c == '"' || c == '\\') {
      char esc[2] = {'\\', (char)c};
      out_bytes(&tmp, esc, 2);
      i++;
    } else if (c < 0x20 || c == 0x7f) {
      out_fmt(&tmp, "\\u%04x", c);
      i++;
    } else {
      size_t len = utf8_sequence(p + i, n - i);
      if (len == 0) {
        out_bytes(&tmp, "\xef\xbf\xbd", 3);
        i++;
      } else {
        out_bytes(&tmp, s + i, len);
        i += len;
      }
    }
  }
  out_bytes(&tmp, "\"", 1);
  bool ok = out_append(o, &tmp);
  out_free(&tmp);
  return ok;
}

bool out_str(Out *o, const char *s) { return s ? out_strn(o, s, strlen(s)) : out_lit(o, "null"); }

bool out_hex(Out *o, const unsigned char *bytes, size_t n) {
  if (n == 0) return out_lit(o, "null");
  char *hex = malloc(n * 2 + 3);
  if (!hex) fail_oom();
  hex[0] = '"';
  for (size_t i = 0; i < n; i++) snprintf(hex + 1 + 2 * i, 3, "%02x", bytes[i]);
  hex[2 * n + 1] = '"';
  bool ok = out_bytes(o, hex, 2 * n + 2);
  free(hex);
  return ok;
}

bool out_append(Out *o, const Out *src) { return out_bytes(o, src->data ? src->data : "", src->len); }
