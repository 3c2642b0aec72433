// What info prints for one entry: systemd's detailed block (spec §10.5), or
// with --json systemd 262's object. dump and debug print the same block.
import { formatBytes } from '@coredump-ts/config';
import { safeAtoi, signalToString } from '@coredump-ts/protocol';
import { locateCore } from './corefile.js';
import type { VerbContext } from './context.js';
import { fieldText, type CoredumpEntry } from './entry.js';
import { escapeControl } from './escape.js';
import { formatRelative } from './format.js';
import { MESSAGE_ID_COREDUMP } from './matches.js';
import { parseUid } from './users.js';

const SIMPLE_LINES: readonly [string, string][] = [
  ['COREDUMP_CMDLINE', 'Command Line'],
  ['COREDUMP_EXE', 'Executable'],
  ['COREDUMP_CGROUP', 'Control Group'],
  ['COREDUMP_UNIT', 'Unit'],
  ['COREDUMP_USER_UNIT', 'User Unit'],
  ['COREDUMP_SLICE', 'Slice'],
  ['COREDUMP_SESSION', 'Session'],
];

const label = (name: string): string => `${name.padStart(14)}: `;
const VALUE_INDENT = `\n${' '.repeat(16)}`;

export function formatInfo(ctx: VerbContext, entry: CoredumpEntry): string {
  const v = (n: string): string | undefined => fieldText(entry, n);
  const lines: string[] = [];
  // Values as the crashed program chose them: control characters escaped, a
  // newline's continuation under the value, never at column 0 like a label.
  const esc = (value: string): string => escapeControl(value).replaceAll('\n', VALUE_INDENT);
  const add = (name: string, value: string): void => {
    lines.push(label(name) + esc(value));
  };
  // On a terminal, what systemd highlights: the PID, the executable, the storage state.
  const style = ctx.style;
  const hl = (value: string): string =>
    style !== undefined ? style.highlight(esc(value)) : esc(value);
  const normal = v('MESSAGE_ID') === MESSAGE_ID_COREDUMP;
  const comm = v('COREDUMP_COMM');
  lines.push(
    label('PID') + hl(v('COREDUMP_PID') ?? 'n/a') + (comm !== undefined ? ` (${esc(comm)})` : ''),
  );
  const withName = (
    text: string | undefined,
    lookup: (n: number) => string,
  ): string | undefined => {
    if (text === undefined) return undefined;
    const n = parseUid(text);
    return n === undefined ? text : `${text} (${lookup(n)})`;
  };
  const uid = withName(v('COREDUMP_UID'), (n) => ctx.names.user(n));
  if (uid !== undefined) add('UID', uid);
  const gid = withName(v('COREDUMP_GID'), (n) => ctx.names.group(n));
  if (gid !== undefined) add('GID', gid);
  const sgnl = v('COREDUMP_SIGNAL');
  if (sgnl !== undefined) {
    const n = safeAtoi(sgnl);
    add(
      normal ? 'Signal' : 'Reason',
      normal && n !== undefined ? `${sgnl} (${signalToString(n)})` : sgnl,
    );
  }
  const ts = v('COREDUMP_TIMESTAMP');
  if (ts !== undefined) {
    if (/^\d+$/.test(ts)) {
      const usec = Number(ts);
      add(
        'Timestamp',
        `${ctx.time.timestamp(usec)} (${formatRelative(usec, ctx.nowUsec) ?? 'n/a'})`,
      );
    } else add('Timestamp', ts);
  }
  for (const [field, name] of SIMPLE_LINES) {
    const value = v(field);
    if (value === undefined) continue;
    if (field === 'COREDUMP_EXE') lines.push(label(name) + hl(value));
    else add(name, value);
  }
  const owner = withName(v('COREDUMP_OWNER_UID'), (n) => ctx.names.user(n));
  if (owner !== undefined) add('Owner UID', owner);
  for (const [field, name] of [
    ['_BOOT_ID', 'Boot ID'],
    ['_MACHINE_ID', 'Machine ID'],
    ['COREDUMP_HOSTNAME', 'Hostname'],
  ] as const) {
    const value = v(field);
    if (value !== undefined) add(name, value);
  }
  const core = locateCore(entry, ctx.options.root);
  if (core.filename !== undefined) {
    const state = core.state ?? 'error';
    const text = `${esc(core.filename)} (${state})`;
    lines.push(
      label('Storage') +
        (style !== undefined ? `${style.stateColor(state) ?? ''}${text}${style.normal}` : text),
    );
    if (core.sizeBytes !== undefined) add('Size on Disk', formatBytes(core.sizeBytes));
  } else
    add('Storage', core.state === 'journal' || core.state === 'truncated' ? 'journal' : 'none');
  // Ours (Content=stacks): the stored core holds only what the stack traces need.
  if (v('COREDUMP_TS_CONTENT') === 'stacks') add('Content', 'stack-only (mini core)');
  const pkgName = v('COREDUMP_PACKAGE_NAME');
  const pkgVersion = v('COREDUMP_PACKAGE_VERSION');
  if (pkgName !== undefined && pkgVersion !== undefined) add('Package', `${pkgName}/${pkgVersion}`);
  const buildId = mainBuildId(v('COREDUMP_EXE'), v('COREDUMP_PACKAGE_JSON'));
  if (buildId !== undefined) add('build-id', buildId);
  const message = v('MESSAGE');
  // systemd indents MESSAGE's lines, then trims the whole (the same indent as add()'s).
  if (message !== undefined)
    lines.push(label('Message') + escapeControl(message).replaceAll('\n', VALUE_INDENT).trim());
  return lines.map((l) => `${l}\n`).join('');
}

function mainBuildId(exe: string | undefined, json: string | undefined): string | undefined {
  if (exe === undefined || json === undefined) return undefined;
  try {
    const obj = JSON.parse(json) as Record<string, { buildId?: unknown }>;
    const base = exe.slice(exe.lastIndexOf('/') + 1);
    for (const [module, meta] of Object.entries(obj)) {
      if (module.slice(module.lastIndexOf('/') + 1) !== base) continue;
      return typeof meta.buildId === 'string' ? meta.buildId : undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** systemd 262's print_info_json() object. */
export function infoJson(ctx: VerbContext, entry: CoredumpEntry): Record<string, unknown> {
  const v = (n: string): string | undefined => fieldText(entry, n);
  const out: Record<string, unknown> = {};
  const num = (key: string, field: string): void => {
    const t = v(field);
    if (t !== undefined) out[key] = /^\d+$/.test(t) ? Number(t) : t;
  };
  const str = (key: string, field: string): void => {
    const t = v(field);
    if (t !== undefined) out[key] = t;
  };
  num('PID', 'COREDUMP_PID');
  num('TID', 'COREDUMP_TID');
  str('ThreadName', 'COREDUMP_THREAD_NAME');
  num('UID', 'COREDUMP_UID');
  num('GID', 'COREDUMP_GID');
  const normal = v('MESSAGE_ID') === MESSAGE_ID_COREDUMP;
  const sgnl = v('COREDUMP_SIGNAL');
  if (sgnl !== undefined && normal && /^\d+$/.test(sgnl)) {
    out.Signal = Number(sgnl);
    out.SignalName = `SIG${signalToString(Number(sgnl))}`;
  } else if (sgnl !== undefined && normal) out.Signal = sgnl;
  else if (sgnl !== undefined) out.Reason = sgnl;
  num('SignalCode', 'COREDUMP_CODE');
  num('Timestamp', 'COREDUMP_TIMESTAMP');
  for (const [key, field] of [
    ['Executable', 'COREDUMP_EXE'],
    ['Command', 'COREDUMP_COMM'],
    ['CommandLine', 'COREDUMP_CMDLINE'],
    ['ControlGroup', 'COREDUMP_CGROUP'],
    ['Unit', 'COREDUMP_UNIT'],
    ['UserUnit', 'COREDUMP_USER_UNIT'],
    ['Slice', 'COREDUMP_SLICE'],
    ['Session', 'COREDUMP_SESSION'],
  ] as const)
    str(key, field);
  num('OwnerUID', 'COREDUMP_OWNER_UID');
  str('BootID', '_BOOT_ID');
  str('MachineID', '_MACHINE_ID');
  str('Hostname', 'COREDUMP_HOSTNAME');
  const core = locateCore(entry, ctx.options.root);
  out.Storage =
    core.filename !== undefined
      ? core.state
      : core.state === 'truncated'
        ? 'journal'
        : (core.state ?? 'none');
  if (core.filename !== undefined) out.Filename = core.filename;
  if (core.sizeBytes !== undefined) out.DiskSize = core.sizeBytes;
  str('Content', 'COREDUMP_TS_CONTENT'); // ours: "full", or "stacks" for a mini core
  str('PackageName', 'COREDUMP_PACKAGE_NAME');
  str('PackageVersion', 'COREDUMP_PACKAGE_VERSION');
  const pkg = v('COREDUMP_PACKAGE_JSON');
  if (pkg !== undefined) {
    try {
      out.Package = JSON.parse(pkg) as unknown;
    } catch {
      // systemd warns and leaves it out
    }
  }
  str('Message', 'MESSAGE');
  return out;
}

export function renderInfo(ctx: VerbContext, entry: CoredumpEntry): string {
  const mode = ctx.options.json;
  if (mode === 'short') return `${JSON.stringify(infoJson(ctx, entry))}\n`;
  if (mode === 'pretty') return `${JSON.stringify(infoJson(ctx, entry), null, '\t')}\n`;
  return formatInfo(ctx, entry);
}
