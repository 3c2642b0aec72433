// The info verb: systemd's detailed block per entry (spec §10.5), or with
// --json one JSON object per entry (systemd 262 behaviour); info-text.ts makes them.
import type { VerbContext } from './context.js';
import { CoredumpctlError } from './errors.js';
import { renderInfo } from './info-text.js';
import { baseQuery } from './journal-query.js';
import { completeEntry, selectEntries } from './select.js';

export async function runInfo(ctx: VerbContext): Promise<void> {
  const o = ctx.options;
  const q = baseQuery(o);
  const focus = (o.rowsMax === 1 && o.reverse) || o.matches.length === 0;
  let n = 0;
  for await (const raw of selectEntries(ctx, q, focus)) {
    const entry = await completeEntry(ctx, q, raw);
    if (n > 0 && o.json === 'off') ctx.stdout.write('\n');
    ctx.stdout.write(renderInfo(ctx, entry));
    n++;
    if (o.rowsMax !== undefined && n >= o.rowsMax) break;
  }
  if (n === 0 && !focus)
    throw new CoredumpctlError('ERR_NOT_FOUND', 'No coredumps found.', {
      silent: o.quiet,
      notice: true,
    });
}
