// The three machine-global crash settings. procSys is a root path so tests
// can point it at a temp dir standing in for /proc/sys.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PROC_SYS = '/proc/sys';

export const SYSCTL_KEYS = {
  corePattern: 'kernel.core_pattern',
  corePipeLimit: 'kernel.core_pipe_limit',
  suidDumpable: 'fs.suid_dumpable',
} as const;

export type KernelSettings = { -readonly [K in keyof typeof SYSCTL_KEYS]: string };

const KEYS = Object.keys(SYSCTL_KEYS) as (keyof KernelSettings)[];

export function sysctlPath(procSys: string, key: keyof KernelSettings): string {
  return join(procSys, ...SYSCTL_KEYS[key].split('.'));
}

export function readKernelSettings(procSys = PROC_SYS): KernelSettings {
  const read = (key: keyof KernelSettings): string =>
    readFileSync(sysctlPath(procSys, key), 'utf8').replace(/\n$/, '');
  return {
    corePattern: read('corePattern'),
    corePipeLimit: read('corePipeLimit'),
    suidDumpable: read('suidDumpable'),
  };
}

/** Writes only the values that differ; returns the keys it changed. */
export function writeKernelSettings(
  procSys: string,
  settings: Partial<KernelSettings>,
): (keyof KernelSettings)[] {
  const current = readKernelSettings(procSys);
  const changed: (keyof KernelSettings)[] = [];
  // The kernel warns ("Unsafe core_pattern used with fs.suid_dumpable=2")
  // whenever suid_dumpable is 2 while core_pattern is neither a pipe nor an
  // absolute path. So raise suid_dumpable to 2 after the pattern, and lower it
  // before the pattern goes back to something like "core".
  const order = settings.suidDumpable === '2' ? KEYS : [...KEYS].reverse();
  for (const key of order) {
    const value = settings[key];
    if (value === undefined || value === current[key]) continue;
    writeFileSync(sysctlPath(procSys, key), `${value}\n`);
    changed.push(key);
  }
  return changed;
}

/** sysctl.conf(5) text, as kept in the install state file. */
export function formatSysctl(settings: KernelSettings): string {
  return KEYS.map((key) => `${SYSCTL_KEYS[key]}=${settings[key]}\n`).join('');
}

export function parseSysctl(text: string): Partial<KernelSettings> {
  const out: Partial<KernelSettings> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (line.startsWith('#') || eq < 0) continue;
    const name = line.slice(0, eq).trim();
    const key = KEYS.find((k) => SYSCTL_KEYS[k] === name);
    if (key !== undefined) out[key] = line.slice(eq + 1).trim();
  }
  return out;
}

/**
 * Saves the settings on apply() and puts them back on restore(), at process
 * exit at the latest. Synchronous on purpose: it runs from 'exit' and from
 * signal handlers, before anything else is torn down.
 */
export class KernelSettingsGuard {
  readonly #procSys: string;
  #saved: KernelSettings | undefined;
  readonly #onExit = (): void => {
    this.restore();
  };

  constructor(procSys = PROC_SYS) {
    this.#procSys = procSys;
  }

  get saved(): KernelSettings | undefined {
    return this.#saved;
  }

  apply(settings: Partial<KernelSettings>): void {
    if (this.#saved === undefined) {
      this.#saved = readKernelSettings(this.#procSys);
      process.on('exit', this.#onExit);
    }
    writeKernelSettings(this.#procSys, settings);
  }

  /** Idempotent. Returns the settings it restored, if any. */
  restore(): KernelSettings | undefined {
    const saved = this.#saved;
    if (saved === undefined) return undefined;
    this.#saved = undefined;
    process.removeListener('exit', this.#onExit);
    writeKernelSettings(this.#procSys, saved);
    return saved;
  }
}
