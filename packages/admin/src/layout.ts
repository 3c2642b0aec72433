// Where everything goes. The code stays in the checkout it was built in:
// /usr/lib/coredump-ts/app links to it, and the three entry points link into
// it, so the core_pattern and the unit name short, stable paths.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LIB_DIR = '/usr/lib/coredump-ts';
export const STATE_FILE = '/var/lib/coredump-ts/previous-sysctl.conf';
export const DEFAULT_NODE = '/usr/bin/node';
export const CORE_PATTERN_ARGS = '%P %u %g %s %t %c %h %d %F %I';
export const CORE_PATTERN_MAX = 127; // the kernel keeps 128 bytes with the NUL
/** kernel.core_pipe_limit and the socket's MaxConnections= (docs/adr/0003-core-pipe-limit-64.md). */
export const CORE_PIPE_LIMIT = 64;

/** The checkout this file was built in: packages/admin/dist/layout.js -> ../../.. */
export function defaultAppDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

export interface InstallFile {
  /** relative to the checkout */
  source: string;
  /** absolute, as on the target system */
  target: string;
  /** 'replace': ours, kept up to date; 'keep': the operator's once it exists */
  policy: 'replace' | 'keep';
}

export const INSTALL_FILES: readonly InstallFile[] = [
  {
    source: 'units/systemd-coredump.socket',
    target: '/etc/systemd/system/systemd-coredump.socket',
    policy: 'replace',
  },
  {
    source: 'units/systemd-coredump@.service',
    target: '/etc/systemd/system/systemd-coredump@.service',
    policy: 'replace',
  },
  {
    source: 'units/sysctl.d/50-coredump.conf',
    target: '/etc/sysctl.d/50-coredump.conf',
    policy: 'replace',
  },
  {
    source: 'units/tmpfiles.d/coredump-ts.conf',
    target: '/etc/tmpfiles.d/coredump-ts.conf',
    policy: 'replace',
  },
  {
    source: 'units/sysusers.d/systemd-coredump.conf',
    target: '/etc/sysusers.d/systemd-coredump.conf',
    policy: 'replace',
  },
  { source: 'conf/coredump.conf', target: '/etc/systemd/coredump.conf', policy: 'keep' },
];

export interface InstallLink {
  target: string;
  /** what the link points at; relative links resolve inside LIB_DIR */
  pointsTo: string;
}

export function installLinks(appDir: string): InstallLink[] {
  return [
    { target: `${LIB_DIR}/app`, pointsTo: appDir },
    { target: `${LIB_DIR}/handler.js`, pointsTo: 'app/packages/handler/dist/main.cjs' },
    { target: `${LIB_DIR}/worker.js`, pointsTo: 'app/packages/worker/dist/main.cjs' },
    { target: `${LIB_DIR}/coredumpctl.js`, pointsTo: 'app/packages/coredumpctl/dist/main.cjs' },
  ];
}

/** join() that keeps an absolute target inside root. */
export function underRoot(root: string, absolute: string): string {
  return join(root, absolute);
}

export interface RenderOptions {
  nodePath: string;
  /** systemd major version on the target; undefined = unknown */
  systemdVersion: number | undefined;
}

/**
 * The installed text of a shipped file: the node binary the tool runs under
 * replaces /usr/bin/node, and sysusers' "u!" (locked user, systemd >= 257)
 * becomes "u" for older or unknown versions, which reject the whole line.
 */
export function renderFile(source: string, text: string, opts: RenderOptions): string {
  let out = text;
  if (opts.nodePath !== DEFAULT_NODE) out = out.replaceAll(`${DEFAULT_NODE} `, `${opts.nodePath} `);
  if (
    source.startsWith('units/sysusers.d/') &&
    !(opts.systemdVersion !== undefined && opts.systemdVersion >= 257)
  ) {
    out = out.replace(/^u! /gm, 'u ');
  }
  return out;
}

export function corePatternFor(nodePath: string, handlerPath: string): string {
  return `|${nodePath} ${handlerPath} ${CORE_PATTERN_ARGS}`;
}
