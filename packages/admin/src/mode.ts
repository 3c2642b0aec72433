// --mode=auto|socket|pipe for install and collect (issue 17): the kernel
// coredump socket (core_pattern @@, a resident manager) when this kernel and
// build can serve it, else the pipe helper of today. The probe is coredumpd's
// own --check-requirements (the ExecCondition= of systemd-coredumpd.service),
// so the collector, install and the unit decide alike.
import { AdminError } from './errors.js';
import { type Host } from './host.js';

export type Mode = 'auto' | 'socket' | 'pipe';
export type ResolvedMode = 'socket' | 'pipe';

export const MODES: readonly Mode[] = ['auto', 'socket', 'pipe'];
/** Where the manager listens (systemd 262's path); COREDUMP_TS_KERNEL_SOCKET overrides. */
export const KERNEL_SOCKET_PATH = '/run/systemd/coredumpd/kernel';

export function parseMode(text: string | undefined): Mode {
  if (text === undefined) return 'auto';
  const mode = MODES.find((m) => m === text);
  if (mode === undefined)
    throw new AdminError('ERR_USAGE', `--mode must be auto, socket or pipe, not '${text}'`);
  return mode;
}

export function coredumpdBin(appDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.COREDUMP_TS_COREDUMPD_BIN ?? `${appDir}/packages/coredumpd/dist/main.cjs`;
}

export function kernelSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  const path = env.COREDUMP_TS_KERNEL_SOCKET;
  return path !== undefined && path !== '' ? path : KERNEL_SOCKET_PATH;
}

/** `coredumpd --check-requirements`: exit 0 when socket mode is usable here. */
export function socketModeUsable(host: Host, bin: string): boolean {
  try {
    return host.run(host.nodePath, [bin, '--check-requirements']).status === 0;
  } catch {
    return false;
  }
}

export interface ModeChoice {
  mode: ResolvedMode;
  why: string;
}

/** auto -> socket if the probe passes, else pipe; socket on a machine that cannot -> error. */
export function resolveMode(requested: Mode, probe: () => boolean): ModeChoice {
  if (requested === 'pipe') return { mode: 'pipe', why: '--mode=pipe' };
  const usable = probe();
  if (usable)
    return { mode: 'socket', why: `--mode=${requested}; the kernel coredump socket is usable` };
  if (requested === 'socket') {
    throw new AdminError(
      'ERR_USAGE',
      '--mode=socket: coredumpd --check-requirements failed (needs Linux 6.17+ with PIDFD_INFO_COREDUMP, the initial namespaces, and a build with the socket-mode worker); use --mode=pipe or auto',
    );
  }
  return {
    mode: 'pipe',
    why: '--mode=auto; coredumpd --check-requirements failed, so the pipe helper',
  };
}

/**
 * systemd-coredumpd.service as systemd older than 253/254 accepts it:
 * Type=notify-reload (253) becomes Type=notify with ExecReload= sending SIGHUP
 * (the manager reloads the same way), FileDescriptorStorePreserve= (254) goes.
 */
export function renderManagerUnit(text: string, systemdVersion: number | undefined): string {
  let out = text;
  if (systemdVersion === undefined || systemdVersion < 253)
    out = out.replace(/^Type=notify-reload$/m, 'Type=notify\nExecReload=kill -HUP $MAINPID');
  if (systemdVersion === undefined || systemdVersion < 254)
    out = out.replace(/^FileDescriptorStorePreserve=.*\n/m, '');
  return out;
}
