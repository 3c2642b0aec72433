/** Value parsers for coredump.conf keys. Each returns a result; none throws. */
import { parseSizeResult, STRERROR, type SizeErrno } from './size.js';

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
