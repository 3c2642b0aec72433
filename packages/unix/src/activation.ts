// sd_listen_fds(3): adopt the sockets passed by socket activation.
import { setCloexec } from './fd.js';

export const SD_LISTEN_FDS_START = 3;

/**
 * The fds passed by socket activation: [3, ..., 3 + LISTEN_FDS - 1] when
 * LISTEN_PID is this process, otherwise []. LISTEN_PID, LISTEN_FDS and
 * LISTEN_FDNAMES are removed from `env` in every case (as sd_listen_fds(1)
 * does), so children do not inherit them; the fds become close-on-exec.
 */
export function listenFds(env: NodeJS.ProcessEnv = process.env): number[] {
  const pid = env['LISTEN_PID'];
  const count = env['LISTEN_FDS'];
  delete env['LISTEN_PID'];
  delete env['LISTEN_FDS'];
  delete env['LISTEN_FDNAMES'];
  if (pid === undefined || count === undefined) return [];
  if (!/^\d+$/.test(pid) || Number(pid) !== process.pid) return [];
  if (!/^\d+$/.test(count)) return [];
  const n = Number(count);
  const fds = Array.from({ length: n }, (_, i) => SD_LISTEN_FDS_START + i);
  for (const fd of fds) setCloexec(fd, true);
  return fds;
}
