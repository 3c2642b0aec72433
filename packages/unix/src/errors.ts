/** A failed system call, as thrown by every function of this package. */
export interface SysError extends Error {
  /** errno name, e.g. 'EMSGSIZE', 'ETIMEDOUT', 'ECONNREFUSED'. */
  code: string;
  /** errno number. */
  errno: number;
  /** The failing call, e.g. 'sendmsg', 'recvmsg', 'connect'. */
  syscall: string;
  /** The socket or file path involved, when there is one (connect, bind, ...). */
  path?: string;
}

/** True when `e` is a SysError (optionally with the given errno name). */
export function isSysError(e: unknown, code?: string): e is SysError {
  if (!(e instanceof Error)) return false;
  const { code: c, errno, syscall } = e as Partial<SysError>;
  if (typeof c !== 'string' || typeof errno !== 'number' || typeof syscall !== 'string') {
    return false;
  }
  return code === undefined || c === code;
}
