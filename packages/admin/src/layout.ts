// Where everything goes. Install copies a self-contained build into LIB_DIR
// (the bundles, the native addons, zstd-napi: nothing refers back to the
// checkout), with short entry files for core_pattern and the units, and links
// the two commands into BIN_DIR.
import { CORE_PATTERN_SPECIFIERS, launcherShebang } from '@coredump-ts/protocol';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LIB_DIR = '/usr/lib/coredump-ts';
/**
 * /usr/bin, not /usr/local/bin: install writes the tree a distribution
 * package would ship (`--root` is for packaging), and its code already lives
 * in /usr/lib next to systemd's own coredumpctl in /usr/bin. A file there
 * that is not our link is never replaced (docs/operations.md).
 */
export const BIN_DIR = '/usr/bin';
/** Every path install created, one per line; what uninstall removes. */
export const MANIFEST_FILE = `${LIB_DIR}/installed-files`;
export const STATE_FILE = '/var/lib/coredump-ts/previous-sysctl.conf';
export const DEFAULT_NODE = '/usr/bin/node';
/** kernel.core_pipe_limit and the socket's MaxConnections= (docs/adr/0003-core-pipe-limit-64.md). */
export const CORE_PIPE_LIMIT = 64;

/**
 * The tree this file runs from: packages/admin/dist/layout.js -> ../../..;
 * the checkout, or LIB_DIR when run from an installed copy (the bundle keeps
 * each input's path).
 */
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
  /** what the link points at, relative to the link's directory */
  pointsTo: string;
}

/** The links installs before 0.1.0 made into a checkout; uninstall and install remove them. */
export const LEGACY_LINKS: readonly string[] = [
  `${LIB_DIR}/app`,
  `${LIB_DIR}/handler.js`,
  `${LIB_DIR}/worker.js`,
  `${LIB_DIR}/coredumpctl.js`,
];

/** The entry files at the top of LIB_DIR: each runs one package's bundle. */
export const ENTRIES = [
  { file: 'handler.js', pkg: 'handler' },
  { file: 'worker.js', pkg: 'worker' },
  { file: 'coredumpctl.js', pkg: 'coredumpctl' },
  { file: 'coredump-ts.js', pkg: 'admin' },
  { file: 'coredumpd.js', pkg: 'coredumpd' },
] as const;

/** Links outside LIB_DIR, made when their source is in the build. */
export const SYSTEM_LINKS: readonly { target: string; source: string }[] = [
  { target: `${BIN_DIR}/coredumpctl-ts`, source: 'coredumpctl.js' },
  { target: `${BIN_DIR}/coredump-ts`, source: 'coredump-ts.js' },
  { target: '/usr/share/man/man1/coredumpctl-ts.1', source: 'man/coredumpctl-ts.1' },
  { target: '/usr/share/man/man8/coredump-ts.8', source: 'man/coredump-ts.8' },
  { target: '/usr/share/man/man5/coredump.conf-ts.5', source: 'man/coredump.conf-ts.5' },
  {
    target: '/usr/share/bash-completion/completions/coredumpctl-ts',
    source: 'completion/coredumpctl-ts.bash',
  },
];

/** A link's target relative to its own directory, so a --root tree works where it lies. */
export function systemLink(link: { target: string; source: string }): InstallLink {
  return {
    target: link.target,
    pointsTo: relative(dirname(link.target), `${LIB_DIR}/${link.source}`),
  };
}

/** Native dependencies that the bundles require by name at run time. */
export const NATIVE_DEPENDENCIES = ['zstd-napi'] as const;

export interface BuildFile {
  /** relative to LIB_DIR */
  target: string;
  /** copied from this absolute path ... */
  source?: string;
  /** ... or written with this text */
  text?: string;
  mode: number;
}

const isFile = (path: string): boolean => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};
const list = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).sort() : []);

/**
 * What install copies into LIB_DIR, from a built tree (a checkout after
 * `npm run build`, or LIB_DIR itself). The hook for binaries to come: every
 * package's bundle (dist/bundle/main.cjs) and every native build output
 * (build/Release/*.node, and executables there such as a C helper) is copied
 * when it exists, so a new one needs no change here. undefined: the build is
 * missing `what`.
 */
export function buildTree(
  appDir: string,
  nodePath: string,
): { files: BuildFile[] } | { missing: string } {
  const files: BuildFile[] = [];
  const copy = (rel: string, mode = 0o644): void => {
    files.push({ target: rel, source: join(appDir, rel), mode });
  };
  for (const pkg of list(join(appDir, 'packages'))) {
    const dist = `packages/${pkg}/dist`;
    if (isFile(join(appDir, dist, 'bundle/main.cjs'))) {
      // main.cjs, and any other bundle a binary loads later (coredumpctl's metrics).
      for (const name of list(join(appDir, dist, 'bundle')))
        if (name.endsWith('.cjs')) copy(`${dist}/bundle/${name}`);
      // The checkout's entry path, for what computes it (the collector).
      files.push({ target: `${dist}/main.cjs`, text: runBundle('./bundle/main.cjs'), mode: 0o755 });
    }
    const release = `packages/${pkg}/build/Release`;
    for (const name of list(join(appDir, release))) {
      const path = join(appDir, release, name);
      if (!isFile(path)) continue;
      if (name.endsWith('.node')) copy(`${release}/${name}`);
      else if ((statSync(path).mode & 0o111) !== 0 && !/\.(a|o|d)$/.test(name))
        copy(`${release}/${name}`, 0o755);
    }
  }
  for (const dep of NATIVE_DEPENDENCIES) {
    const top = `node_modules/${dep}`;
    for (const name of list(join(appDir, top)))
      if (/^(package\.json|LICENSE|NOTICE)$|\.js$/.test(name)) copy(`${top}/${name}`);
    for (const name of list(join(appDir, top, 'dist')))
      if (name.endsWith('.js')) copy(`${top}/dist/${name}`);
    for (const name of list(join(appDir, top, 'build/Release')))
      if (name.endsWith('.node')) copy(`${top}/build/Release/${name}`);
  }
  // What install itself reads (so an installed copy can install again), and
  // the man pages and completion the system links point at.
  for (const dir of [
    'units',
    'units/sysctl.d',
    'units/tmpfiles.d',
    'units/sysusers.d',
    'man',
    'completion',
  ])
    for (const name of list(join(appDir, dir)))
      if (isFile(join(appDir, dir, name)) && !name.endsWith('.md')) copy(`${dir}/${name}`);
  copy('conf/coredump.conf');
  files.push({ target: 'package.json', text: packageJson(appDir), mode: 0o644 });

  for (const entry of ENTRIES) {
    const bundle = `packages/${entry.pkg}/dist/bundle/main.cjs`;
    if (!files.some((f) => f.target === bundle)) return { missing: bundle };
    files.push({ target: entry.file, text: runBundle(`./${bundle}`, nodePath), mode: 0o755 });
  }
  for (const dep of NATIVE_DEPENDENCIES) {
    if (!files.some((f) => f.target.startsWith(`node_modules/${dep}/build/`)))
      return { missing: `node_modules/${dep}/build/Release/*.node` };
  }
  return { files };
}

/** The line that marks an entry file install wrote (uninstall looks for it). */
export const ENTRY_MARK = '// coredump-ts: installed by coredump-ts install.';

/** A CommonJS entry that runs a bundle (with a #! line when it is a command). */
function runBundle(bundle: string, nodePath?: string): string {
  const shebang = nodePath === undefined ? '' : `${launcherShebang(nodePath)}\n`;
  return `${shebang}${ENTRY_MARK}\n'use strict';\nrequire(${JSON.stringify(bundle)});\n`;
}

/** LIB_DIR's package.json: the version (--version) and CommonJS for its .js entries. */
function packageJson(appDir: string): string {
  const fields = {
    name: 'coredump-ts',
    version: appVersion(appDir),
    private: true,
    type: 'commonjs',
  };
  return `${JSON.stringify(fields, null, 2)}\n`;
}

/** The version of the tree at appDir (its package.json). */
export function appVersion(appDir: string): string {
  try {
    const { version } = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
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
  return `|${nodePath} ${handlerPath} ${CORE_PATTERN_SPECIFIERS}`;
}
