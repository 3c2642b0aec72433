// The dump verb: the most recent match's core to -o FILE or stdout (never a
// terminal), decompressed, and sparse when the output is a regular file.
import { closeSync, openSync } from 'node:fs';
import { isatty } from 'node:tty';
import type { VerbContext } from './context.js';
import { findCore, openCore } from './core-source.js';
import { writeCore } from './core-write.js';
import { errnoText } from './errno.js';
import { CoredumpctlError } from './errors.js';
import { renderInfo } from './info-text.js';
import { baseQuery } from './journal-query.js';
import { focusEntry } from './select.js';

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
