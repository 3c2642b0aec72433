// A GNU getopt_long work-alike: permutes operands, accepts "--opt=value",
// "--opt value", unique long-option prefixes, clustered short options and
// "-nVALUE", and fails with glibc's exact messages.
import { CoredumpctlError } from './errors.js';

export interface LongOption {
  name: string;
  hasArg: boolean;
  /** the key reported for it (a short option letter or an identifier) */
  key: string;
}

export interface ParsedOption {
  key: string;
  value: string | undefined;
}

const usage = (message: string): CoredumpctlError =>
  new CoredumpctlError('ERR_COREDUMPCTL_USAGE', message);

export function getoptLong(
  argv: readonly string[],
  shortSpec: string,
  longs: readonly LongOption[],
  prog: string,
): { options: ParsedOption[]; operands: string[] } {
  const options: ParsedOption[] = [];
  const operands: string[] = [];
  const shortArg = (c: string): boolean | undefined => {
    const i = shortSpec.indexOf(c);
    if (i < 0 || c === ':') return undefined;
    return shortSpec[i + 1] === ':';
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const exact = longs.find((o) => o.name === name);
      const candidates =
        exact !== undefined ? [exact] : longs.filter((o) => o.name.startsWith(name));
      if (candidates.length === 0) throw usage(`${prog}: unrecognized option '--${name}'`);
      if (candidates.length > 1) {
        const list = candidates.map((o) => `'--${o.name}'`).join(' ');
        throw usage(`${prog}: option '--${name}' is ambiguous; possibilities: ${list}`);
      }
      const opt = candidates[0] as LongOption;
      if (!opt.hasArg) {
        if (eq >= 0) throw usage(`${prog}: option '--${opt.name}' doesn't allow an argument`);
        options.push({ key: opt.key, value: undefined });
      } else if (eq >= 0) {
        options.push({ key: opt.key, value: arg.slice(eq + 1) });
      } else {
        const next = argv[i + 1];
        if (next === undefined) throw usage(`${prog}: option '--${opt.name}' requires an argument`);
        options.push({ key: opt.key, value: next });
        i++;
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const c = arg[j] as string;
        const takes = shortArg(c);
        if (takes === undefined) throw usage(`${prog}: invalid option -- '${c}'`);
        if (!takes) {
          options.push({ key: c, value: undefined });
          continue;
        }
        if (j + 1 < arg.length) {
          options.push({ key: c, value: arg.slice(j + 1) });
        } else {
          const next = argv[i + 1];
          if (next === undefined) throw usage(`${prog}: option requires an argument -- '${c}'`);
          options.push({ key: c, value: next });
          i++;
        }
        break;
      }
      continue;
    }
    operands.push(arg);
  }
  return { options, operands };
}
