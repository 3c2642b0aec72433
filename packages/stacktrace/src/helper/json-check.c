#include "json-check.h"

#include <string.h>

#include "out.h"

#define JSON_DEPTH_MAX 64

typedef struct {
  const unsigned char *p;
  const unsigned char *end;
} Cursor;

static bool value(Cursor *c, int depth);

static void skip_space(Cursor *c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static bool take(Cursor *c, char ch) {
  skip_space(c);
  if (c->p < c->end && *c->p == (unsigned char)ch) {
    c->p++;
    return true;
  }
  return false;
}

static bool hex4(Cursor *c) {
  for (int i = 0; i < 4; i++, c->p++) {
    if (c->p >= c->end) return false;
    unsigned char h = *c->p;
    if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) return false;
  }
  return true;
}

static bool string(Cursor *c) {
  skip_space(c);
  if (c->p >= c->end || *c->p != '"') return false;
  c->p++;
  while (c->p < c->end) {
    unsigned char ch = *c->p;
    if (ch == '"') {
      c->p++;
      return true;
    }
    if (ch < 0x20) return false;
    if (ch == '\\') {
      c->p++;
      if (c->p >= c->end) return false;
      unsigned char e = *c->p++;
      if (e == 'u') {
        if (!hex4(c)) return false;
      } else if (!strchr("\"\\/bfnrt", e) || e == 0) {
        return false;
      }
      continue;
    }
    size_t len = utf8_sequence(c->p, (size_t)(c->end - c->p));
    if (len == 0) return false;
    c->p += len;
  }
  return false;
}

static bool digits(Cursor *c) {
  const unsigned char *start = c->p;
  while (c->p < c->end && *c->p >= '0' && *c->p <= '9') c->p++;
  return c->p > start;
}

static bool number(Cursor *c) {
  if (c->p < c->end && *c->p == '-') c->p++;
  if (c->p < c->end && *c->p == '0') c->p++;
  else if (!digits(c)) return false;
  if (c->p < c->end && *c->p == '.') {
    c->p++;
    if (!digits(c)) return false;
  }
  if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
    c->p++;
    if (c->p < c->end && (*c->p == '+' || *c->p == '-')) c->p++;
    if (!digits(c)) return false;
  }
  return true;
}

static bool word(Cursor *c, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n) != 0) return false;
  c->p += n;
  return true;
}

static bool object(Cursor *c, int depth) {
  if (!take(c, '{')) return false;
  if (take(c, '}')) return true;
  do {
    if (!string(c) || !take(c, ':') || !value(c, depth + 1)) return false;
  } while (take(c, ','));
  return take(c, '}');
}

static bool array(Cursor *c, int depth) {
  if (!take(c, '[')) return false;
  if (take(c, ']')) return true;
  do {
    if (!value(c, depth + 1)) return false;
  } while (take(c, ','));
  return take(c, ']');
}

static bool value(Cursor *c, int depth) {
  if (depth > JSON_DEPTH_MAX) return false;
  skip_space(c);
  if (c->p >= c->end) return false;
  switch (*c->p) {
    case '{':
      return object(c, depth);
    case '[':
      return array(c, depth);
    case '"':
      return string(c);
    case 't':
      return word(c, "true");
    case 'f':
      return word(c, "false");
    case 'n':
      return word(c, "null");
    default:
      return number(c);
  }
}

bool json_is_object(const char *text, size_t n) {
  Cursor c = {(const unsigned char *)text, (const unsigned char *)text + n};
  if (!object(&c, 0)) return false;
  skip_space(&c);
  return c.p == c.end;
}
