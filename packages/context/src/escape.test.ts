import { describe, expect, it } from 'vitest';
import {
  ENVIRON_MAX_BYTES,
  cellescape,
  escapeEnviron,
  quoteCmdline,
  shellQuotePosix,
  utf8SequenceLength,
} from './escape.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const u = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('shellQuotePosix (CMDLINE arguments)', () => {
  it.for([
    ['plain', 'plain'],
    ['/usr/bin/foo', '/usr/bin/foo'],
    ['--opt=1,2:3@x%y+z~', '--opt=1,2:3@x%y+z~'],
    ['', '""'],
    ['a b', "$'a b'"],
    ["it's", "$'it\\'s'"],
    ['a\\b', "$'a\\\\b'"],
    ['x"y', "$'x\"y'"],
    ['$HOME', "$'$HOME'"],
    ['a*', "$'a*'"],
    ['a?b[c]', "$'a?b[c]'"],
    ['(x)<y>|z&;!`', "$'(x)<y>|z&;!`'"],
    ['tab\there', "$'tab\\there'"],
    ['nl\nx', "$'nl\\nx'"],
    ['cr\rx', "$'cr\\rx'"],
    ['bell\x07', "$'bell\\a'"],
    ['esc\x1b', "$'esc\\033'"],
    ['del\x7f', "$'del\\177'"],
  ] as [string, string][])('%j -> %s', ([arg, want]) => {
    expect(shellQuotePosix(b(arg)).toString('latin1')).toBe(want);
  });

  it('keeps valid UTF-8 unquoted and verbatim inside quotes', () => {
    expect(shellQuotePosix(u('héllo')).toString('utf8')).toBe('héllo');
    expect(shellQuotePosix(u('é x')).toString('utf8')).toBe("$'é x'");
  });

  it('quotes invalid UTF-8 with octal escapes from the first bad byte', () => {
    expect(shellQuotePosix(Buffer.from([0x61, 0xff, 0x62])).toString('latin1')).toBe("$'a\\377b'");
    // an overlong encoding of '/' is invalid
    expect(shellQuotePosix(Buffer.from([0xc0, 0xaf])).toString('latin1')).toBe("$'\\300\\257'");
  });

  it('joins arguments with spaces, ignores the trailing NUL, keeps inner empty ones', () => {
    expect(quoteCmdline(b('sleep\x0030\x00'))?.toString()).toBe('sleep 30');
    expect(quoteCmdline(b('prog\x00\x00a b\x00'))?.toString()).toBe('prog "" $\'a b\'');
    expect(quoteCmdline(b('no-trailing-nul'))?.toString()).toBe('no-trailing-nul');
    expect(quoteCmdline(b(''))).toBeUndefined();
  });
});

describe('utf8SequenceLength', () => {
  it.for([
    [[0x41], 1],
    [[0xc3, 0xa9], 2],
    [[0xe2, 0x82, 0xac], 3],
    [[0xf0, 0x9f, 0x98, 0x80], 4],
    [[0xc3], -1],
    [[0xed, 0xa0, 0x80], -1], // surrogate
    [[0xef, 0xbf, 0xbe], -1], // U+FFFE
    [[0x80], -1],
  ] as const)('%j -> %i', ([bytes, len]) => {
    expect(utf8SequenceLength(Buffer.from(bytes), 0)).toBe(len);
  });
});

describe('escapeEnviron', () => {
  it('turns NULs into newlines and C-escapes everything else', () => {
    const raw = Buffer.concat([b('A=x y\x00B=q\'"\\$\x00C='), u('é'), b('\x00T=\t\x01\x00')]);
    expect(escapeEnviron(raw)?.toString('latin1')).toBe(
      'A=x y\nB=q\\\'\\"\\\\$\nC=\\303\\251\nT=\\t\\001\n',
    );
  });

  it('omits the block when the escaped form reaches 5 MiB', () => {
    expect(escapeEnviron(Buffer.alloc(ENVIRON_MAX_BYTES - 1, 0x41))?.length).toBe(
      ENVIRON_MAX_BYTES - 1,
    );
    expect(escapeEnviron(Buffer.alloc(ENVIRON_MAX_BYTES, 0x41))).toBeUndefined();
    // 1.5 MiB of control bytes is 6 MiB escaped
    expect(escapeEnviron(Buffer.alloc(1.5 * 1024 * 1024, 0x01))).toBeUndefined();
  });
});

describe('cellescape (COMM)', () => {
  it('escapes quotes, backslashes, control and non-ASCII bytes', () => {
    expect(cellescape(b('sleep'))).toBe('sleep');
    expect(cellescape(b('a"b\'c\\d'))).toBe('a\\"b\\\'c\\\\d');
    expect(cellescape(Buffer.concat([b('x\n'), u('é')]))).toBe('x\\n\\303\\251');
  });

  it('never exceeds 127 characters', () => {
    expect(cellescape(Buffer.alloc(100, 0x01)).length).toBeLessThanOrEqual(127);
  });
});
