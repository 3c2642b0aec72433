// The metrics verb (issue 18): the exporter's text once (metrics-scrape.ts).
// The exporter and prom-client are ~170 KiB: bundled into coredumpctl they
// cost every `list` ~40 ms of start-up, so metrics-scrape has a bundle of its
// own (dist/bundle/metrics-scrape.cjs, which install copies with main.cjs),
// imported at run time by its URL, which the bundler leaves alone (the
// bundle's import.meta.url is this input's own URL, see scripts/bundle.mjs).
// Without that bundle (a bare tsc build) the unbundled module is used.
import { closeSync, openSync, readdirSync } from 'node:fs';
import type { VerbContext } from './context.js';
import { errnoText, loadErrnoText } from './errno.js';
import { CoredumpctlError } from './errors.js';
import { directoryOpenFailure, filesOpenFailure } from './journal-query.js';
import type { Options } from './options.js';

export async function runMetrics(ctx: VerbContext): Promise<void> {
  const o = ctx.options;
  if (o.root !== undefined || o.all || o.matches.length > 0) {
    throw new CoredumpctlError(
      'ERR_COREDUMPCTL_USAGE',
      'metrics takes no matches, --root= or --all; select the journal with -D or --file.',
    );
  }
  await loadErrnoText();
  checkJournalSelection(o);
  type Scrape = typeof import('./metrics-scrape.js');
  const urls = [
    new URL('./bundle/metrics-scrape.cjs', import.meta.url).href,
    new URL('./metrics-scrape.js', import.meta.url).href,
  ];
  let mod: Pick<Scrape, 'printMetrics'> | undefined;
  let failure: unknown;
  for (const url of urls) {
    try {
      const m = (await import(url)) as Partial<Scrape> & { default?: Partial<Scrape> };
      const printMetrics = m.printMetrics ?? m.default?.printMetrics;
      if (printMetrics !== undefined) {
        mod = { printMetrics };
        break;
      }
    } catch (error) {
      failure = error;
    }
  }
  if (mod === undefined) {
    throw new CoredumpctlError(
      'ERR_COREDUMPCTL_USAGE',
      `metrics is not available in this installation (${String((failure as Error | undefined)?.message)}); run \`coredump-ts exporter\` and scrape it instead.`,
    );
  }
  await mod.printMetrics(ctx);
}

/**
 * A -D directory or --file that cannot be opened fails as systemd's
 * coredumpctl fails for it (coredumpctl.c), before any scrape: the scrape
 * would count nothing, or fail with the reader's own error.
 */
function checkJournalSelection(o: Options): void {
  if (o.directory !== undefined) {
    try {
      readdirSync(o.directory);
    } catch (cause) {
      throw new CoredumpctlError(
        'ERR_JOURNAL',
        directoryOpenFailure(o.directory, errnoText(cause)),
        { cause },
      );
    }
  }
  for (const file of o.files ?? []) {
    try {
      closeSync(openSync(file, 'r'));
    } catch (cause) {
      throw new CoredumpctlError('ERR_JOURNAL', filesOpenFailure(errnoText(cause)), {
        cause,
      });
    }
  }
}
