/** Value parsers for coredump.conf keys. Each returns a result; none throws. */
import { decimalUpToUint64, parseSizeResult, STRERROR, type SizeErrno } from './size.js';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

const err = (errno: SizeErrno): { ok: false; reason: string } => ({
  ok: false,
  reason: STRERROR[errno],
});

const TRUE_WORDS = ['1', 'yes', 'y', 'true', 't', 'on'];
const FALSE_WORDS = ['0', 'no', 'n', 'false', 'f', 'off'];

/** systemd parse_boolean(): case-insensitive yes/no words. */
export const parseBoolean = (text: string): ParseResult<boolean> => {
  const t = text.toLowerCase();
  if (TRUE_WORDS.includes(t)) return { ok: true, value: true };
  if (FALSE_WORDS.includes(t)) return { ok: true, value: false };
  return err('EINVAL');
};

export type Storage = 'none' | 'external' | 'journal';
const STORAGE: readonly Storage[] = ['none', 'external', 'journal'];

/** Storage=: exact lowercase enum. */
export const parseStorage = (text: string): ParseResult<Storage> => {
  const found = STORAGE.find((s) => s === text);
  return found === undefined ? err('EINVAL') : { ok: true, value: found };
};

export type Content = 'full' | 'stacks';
const CONTENT: readonly Content[] = ['full', 'stacks'];

/** Content=: exact lowercase enum (ours). */
export const parseContent = (text: string): ParseResult<Content> => {
  const found = CONTENT.find((c) => c === text);
  return found === undefined ? err('EINVAL') : { ok: true, value: found };
};

const UINT_MAX = 0xffff_ffff;

/**
 * An unsigned int in decimal (RateLimitBurst=, ours): digits only, a leading
 * `+` allowed; `-` and anything above UINT_MAX are ERANGE, the rest EINVAL.
 */
export const parseUnsigned = (text: string): ParseResult<number> => {
  const start = text.startsWith('+') ? 1 : 0;
  if (text.startsWith('-')) return err('ERANGE');
  if (start === text.length) return err('EINVAL');
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return err('EINVAL');
  }
  const n = decimalUpToUint64(text, start, text.length);
  return n === undefined || n > BigInt(UINT_MAX) ? err('ERANGE') : { ok: true, value: Number(n) };
};

const sizeParser =
  (allowInfinity: boolean) =>
  (text: string): ParseResult<number> => {
    const r = parseSizeResult(text, { allowInfinity });
    return r.ok ? r : err(r.errno);
  };

/** config_parse_iec_uint64 / config_parse_iec_size: an empty value is EINVAL. */
export const parseIecSize = sizeParser(false);
/** config_parse_iec_uint64_infinity: also the literal `infinity` (UINT64_MAX). */
export const parseIecSizeOrInfinity = sizeParser(true);
