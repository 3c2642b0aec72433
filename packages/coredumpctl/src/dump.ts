// The dump verb: the most recent match's core to -o FILE or stdout (never a
// terminal), decompressed, and sparse when the output is a regular file.
import { closeSync, openSync } from 'node:fs';
import { isatty } from 'node:tty';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { VerbContext } from './context.js';
import { findCore, openCore, errnoText } from './core-source.js';
import { CoredumpctlError } from './errors.js';
import { completeEntry, renderInfo } from './info.js';
import { baseQuery, queryEntries, withFileNotices, withoutTimes } from './journal-query.js';
import { canWriteSparse, writeDense, writeSparse } from './sparse.js';
import type { CoredumpEntry } from './entry.js';

/** The most recent match, and whether more than one matched. */
export async function focusEntry(
  ctx: VerbContext,
): Promise<{ entry: CoredumpEntry; more: boolean }> {
  const q = withoutTimes(baseQuery(ctx.options));
  const found: CoredumpEntry[] = [];
  const two = queryEntries({ ...q, reverse: true, lines: 2 }, ctx.journalctl);
  for await (const e of withFileNotices(ctx, q, two)) found.push(e);
  const entry = found[0];
  if (entry === undefined) throw new CoredumpctlError('ERR_NOT_FOUND', 'No match found.');
  return { entry: await completeEntry(ctx, q, entry), more: found.length > 1 };
}

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

export async function runDump(ctx: VerbContext): Promise<void> {
  const o = ctx.options;
  if (o.field !== undefined)
    throw new CoredumpctlError(
      'ERR_COREDUMPCTL_USAGE',
      'Option --field/-F only makes sense with list',
    );
  const { entry, more } = await focusEntry(ctx);
  let fd = 1;
  if (o.output !== undefined) {
    try {
      fd = openSync(o.output, 'w');
    } catch (cause) {
      throw new CoredumpctlError(
        'ERR_OUTPUT',
        `Failed to open "${o.output}" for writing: ${errnoText(cause)}`,
        { cause },
      );
    }
  }
  try {
    (o.output !== undefined ? ctx.stdout : ctx.stderr).write(renderInfo(ctx, entry));
    const source = findCore(entry, o.root);
    if (o.output === undefined && isatty(1)) {
      throw new CoredumpctlError(
        'ERR_TTY',
        'Refusing to dump core to tty (use shell redirection or specify --output).',
      );
    }
    const q = baseQuery(o, { withTimes: false });
    const core = await openCore(ctx, q, entry, source);
    await writeCore(core, fd, o.output === undefined);
  } finally {
    if (fd !== 1) closeSync(fd);
  }
  if (more && !o.quiet) ctx.log('More than one entry matches, ignoring rest.');
}
