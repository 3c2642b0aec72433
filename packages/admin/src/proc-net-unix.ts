// Who listens on a unix socket path, from /proc/net/unix (no connect needed,
// so it works for SOCK_SEQPACKET, which node:net cannot open).
const SO_ACCEPTCON = 0x10000;

/** True when some socket bound to path is listening. */
export function isListeningIn(procNetUnix: string, path: string): boolean {
  return boundFlags(procNetUnix, path).some((flags) => (flags & SO_ACCEPTCON) !== 0);
}

/**
 * True when some socket is bound to path, listening or not: a datagram socket
 * (journald's) has no listening state. A socket file nobody holds is not bound.
 */
export function isBoundIn(procNetUnix: string, path: string): boolean {
  return boundFlags(procNetUnix, path).length > 0;
}

function boundFlags(procNetUnix: string, path: string): number[] {
  const flags: number[] = [];
  for (const line of procNetUnix.split('\n').slice(1)) {
    // Num: RefCount Protocol Flags Type St Inode [Path]
    const m =
      /^\s*[0-9a-fA-F]+:\s+[0-9a-fA-F]+\s+[0-9a-fA-F]+\s+([0-9a-fA-F]+)\s+[0-9a-fA-F]+\s+[0-9a-fA-F]+\s+\d+ (.*)$/.exec(
        line,
      );
    if (m?.[1] !== undefined && m[2] === path) flags.push(parseInt(m[1], 16));
  }
  return flags;
}
