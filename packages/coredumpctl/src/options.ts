// coredumpctl's command line (spec §10.2), with systemd's messages.
import { glob } from './glob.js';
import { CoredumpctlError } from './errors.js';
import { getoptLong } from './getopt.js';
import { LONG_OPTIONS, SHORT_OPTIONS, type OptionKey } from './option-table.js';
import { splitQuoted } from './split-quoted.js';
import { parseTimestampResult } from './time.js';

export type JsonMode = 'off' | 'short' | 'pretty';
export type Verb =
  'list' | 'info' | 'dump' | 'debug' | 'top' | 'metrics' | 'help' | 'version' | 'json-help';

export interface Options {
  verb: Verb;
  matches: string[];
  json: JsonMode;
  legend: boolean;
  pager: boolean;
  debugger: string | undefined;
  debuggerArgs: string[];
  files: string[] | undefined;
  directory: string | undefined;
  root: string | undefined;
  image: string | undefined;
  output: string | undefined;
  field: string | undefined;
  sinceUsec: number | undefined;
  untilUsec: number | undefined;
  rowsMax: number | undefined;
  reverse: boolean;
  quiet: boolean;
  all: boolean;
}

const VERBS: Record<string, Verb> = {
  list: 'list',
  info: 'info',
  dump: 'dump',
  debug: 'debug',
  gdb: 'debug',
  top: 'top',
  metrics: 'metrics',
  help: 'help',
};

const fail = (message: string): never => {
  throw new CoredumpctlError('ERR_COREDUMPCTL_USAGE', message);
};

function parseRows(text: string): number {
  // safe_atou(): optional leading whitespace, no sign, decimal, fits unsigned int.
  const m = /^\s*(\d+)$/.exec(text);
  const n = m?.[1] !== undefined ? Number(m[1]) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 0xffffffff)
    fail(`Invalid numeric parameter to -n: ${text}`);
  return n;
}

function parseJson(text: string): JsonMode | 'help' {
  if (text === 'pretty' || text === 'short' || text === 'off') return text;
  if (text === 'help') return 'help';
  return fail(`Unknown argument to --json= switch: ${text}`);
}

const TIMESTAMP_ERRNO_TEXT = {
  EINVAL: 'Invalid argument',
  ERANGE: 'Numerical result out of range',
};

/**
 * -S/-U's value; undefined for "@infinity": USEC_INFINITY is what systemd's
 * coredumpctl keeps for "not given", so that is what it means there.
 */
function timestampArg(text: string, nowUsec: number): number | undefined {
  const usec = parseTimestampResult(text, nowUsec);
  if (typeof usec !== 'number')
    return fail(`Failed to parse timestamp '${text}': ${TIMESTAMP_ERRNO_TEXT[usec]}`);
  return Number.isFinite(usec) ? usec : undefined;
}

/** Parse argv (without node and script); throws CoredumpctlError('ERR_COREDUMPCTL_USAGE'). */
export function parseOptions(
  argv: readonly string[],
  { nowUsec = Date.now() * 1000, cwd = process.cwd(), prog = 'coredumpctl' } = {},
): Options {
  const { options, operands } = getoptLong(argv, SHORT_OPTIONS, LONG_OPTIONS, prog);
  const o: Options = {
    verb: 'list',
    matches: [],
    json: 'off',
    legend: true,
    pager: true,
    debugger: undefined,
    debuggerArgs: [],
    files: undefined,
    directory: undefined,
    root: undefined,
    image: undefined,
    output: undefined,
    field: undefined,
    sinceUsec: undefined,
    untilUsec: undefined,
    rowsMax: undefined,
    reverse: false,
    quiet: false,
    all: false,
  };
  for (const { key, value = '' } of options) {
    // Every key getopt reports is a row of the option table.
    switch (key as OptionKey) {
      case 'h':
        return { ...o, verb: 'help', matches: [] };
      case 'version':
        return { ...o, verb: 'version' };
      case 'no-pager':
        o.pager = false;
        break;
      case 'no-legend':
        o.legend = false;
        break;
      case 'debugger':
        o.debugger = value;
        break;
      case 'A': {
        const split = splitQuoted(value);
        if (split === undefined)
          fail(`Failed to parse debugger arguments '${value}': Invalid argument`);
        o.debuggerArgs = split ?? [];
        break;
      }
      case 'file':
        o.files = [...(o.files ?? []), ...glob(value, cwd)];
        break;
      case 'o':
        if (o.output !== undefined) fail('Cannot set output more than once.');
        o.output = value;
        break;
      case 'S':
        o.sinceUsec = timestampArg(value, nowUsec);
        break;
      case 'U':
        o.untilUsec = timestampArg(value, nowUsec);
        break;
      case 'F':
        if (o.field !== undefined) fail('Cannot use --field/-F more than once.');
        o.field = value;
        break;
      case '1':
        o.rowsMax = 1;
        o.reverse = true;
        break;
      case 'n':
        o.rowsMax = parseRows(value);
        break;
      case 'D':
        o.directory = value;
        break;
      case 'root':
        o.root = absolute(value, cwd);
        break;
      case 'image':
        o.image = absolute(value, cwd);
        break;
      case 'r':
        o.reverse = true;
        break;
      case 'q':
        o.quiet = true;
        break;
      case 'json': {
        const mode = parseJson(value);
        if (mode === 'help') return { ...o, verb: 'json-help' };
        o.json = mode;
        break;
      }
      case 'all':
        o.all = true;
        break;
    }
  }
  if (o.sinceUsec !== undefined && o.untilUsec !== undefined && o.sinceUsec > o.untilUsec) {
    fail('--since= must be before --until=.');
  }
  if ([o.directory, o.image, o.root].filter((v) => v !== undefined).length > 1) {
    fail(
      'Please specify either --root=, --image= or -D/--directory=, the combination of these options is not supported.',
    );
  }
  const [verbWord, ...rest] = operands;
  if (verbWord === undefined) return o;
  const verb = VERBS[verbWord];
  if (verb === undefined) return fail(`Unknown command verb ${verbWord}.`);
  if (verb === 'help' && rest.length > 0) fail('Too many arguments.');
  return { ...o, verb, matches: rest };
}

function absolute(path: string, cwd: string): string {
  const joined = path.startsWith('/') ? path : `${cwd}/${path}`;
  const parts: string[] = [];
  for (const p of joined.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return `/${parts.join('/')}`;
}
