// What install, uninstall and collect need from the machine, in one object so
// tests can stand in a temp root, a temp /proc/sys and a recording runner.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { AdminError } from './errors.js';
import { defaultAppDir } from './layout.js';

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface Host {
  root: string;
  euid: number;
  appDir: string;
  nodePath: string;
  procSys: string;
  /** systemd is PID 1 on the machine we install to (root '/' only) */
  systemdHost: boolean;
  /** write the live kernel settings in procSys (default: systemdHost) */
  applyKernel: boolean;
  systemdVersion: number | undefined;
  /** run a program; never throws for a non-zero status */
  run(file: string, args: readonly string[]): RunResult;
}

export function runCommand(file: string, args: readonly string[]): RunResult {
  const r = spawnSync(file, args, { encoding: 'utf8' });
  if (r.error !== undefined) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new AdminError('ERR_TOOL_MISSING', `${file} is not installed`, { cause: r.error });
    throw new AdminError('ERR_COMMAND_FAILED', `${file}: ${r.error.message}`, { cause: r.error });
  }
  return { status: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}

/** Runs and throws ERR_COMMAND_FAILED on a non-zero status. */
export function runChecked(host: Host, file: string, args: readonly string[]): void {
  const r = host.run(file, args);
  if (r.status !== 0) {
    throw new AdminError(
      'ERR_COMMAND_FAILED',
      `${[file, ...args].join(' ')} failed (${r.status}): ${r.stderr.trim()}`,
    );
  }
}

export function detectSystemdVersion(run: Host['run']): number | undefined {
  try {
    const m = /^systemd (\d+)/.exec(run('systemctl', ['--version']).stdout);
    return m?.[1] === undefined ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

export function defaultHost(root: string): Host {
  const onLiveSystem = root === '/';
  const systemdHost = onLiveSystem && existsSync('/run/systemd/system');
  return {
    root,
    euid: process.geteuid?.() ?? -1,
    appDir: defaultAppDir(),
    nodePath: process.execPath,
    procSys: '/proc/sys',
    systemdHost,
    applyKernel: systemdHost,
    systemdVersion: detectSystemdVersion(runCommand),
    run: runCommand,
  };
}

export function requireRoot(host: Host, what: string): void {
  if (host.euid !== 0 && host.root === '/') {
    throw new AdminError(
      'ERR_NOT_ROOT',
      `${what} needs root: run it with sudo (or use --root DIR to stage into a directory)`,
    );
  }
}
