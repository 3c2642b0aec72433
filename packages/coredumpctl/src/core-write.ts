// Writing a core's bytes out (dump to -o FILE or stdout, debug to its temp file).
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { errnoText } from './errno.js';
import { CoredumpctlError } from './errors.js';
import { canWriteSparse, writeDense, writeSparse } from './sparse.js';

/** Copy a core stream to fd: sparse to a regular file, plain otherwise. */
export async function writeCore(core: Readable, fd: number, useStdout: boolean): Promise<void> {
  try {
    if (canWriteSparse(fd)) await writeSparse(fd, core);
    else if (useStdout) await pipeline(core, process.stdout, { end: false });
    else await writeDense(fd, core);
  } catch (cause) {
    if (cause instanceof CoredumpctlError) throw cause;
    throw new CoredumpctlError('ERR_OUTPUT', `Failed to write output: ${errnoText(cause)}`, {
      cause,
    });
  }
}
