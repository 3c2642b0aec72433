// The metrics verb (issue 18): the exporter's text once (metrics-scrape.ts).
// The exporter and prom-client are ~170 KiB: bundled into coredumpctl they
// cost every `list` ~40 ms of start-up, so metrics-scrape.js is imported at
// run time by its URL, which the bundler leaves alone (the bundle's
// import.meta.url is this input's own URL, see scripts/bundle.mjs).
import type { VerbContext } from './context.js';
import { CoredumpctlError } from './errors.js';

export async function runMetrics(ctx: VerbContext): Promise<void> {
  const o = ctx.options;
  if (o.root !== undefined || o.all || o.matches.length > 0) {
    throw new CoredumpctlError(
      'ERR_COREDUMPCTL_USAGE',
      'metrics takes no matches, --root= or --all; select the journal with -D or --file.',
    );
  }
  const impl = new URL('./metrics-scrape.js', import.meta.url).href;
  let mod: typeof import('./metrics-scrape.js');
  try {
    mod = (await import(impl)) as typeof import('./metrics-scrape.js');
  } catch (error) {
    throw new CoredumpctlError(
      'ERR_COREDUMPCTL_USAGE',
      `metrics is not available in this installation (${impl}: ${(error as Error).message}); run \`coredump-ts exporter\` and scrape it instead.`,
    );
  }
  await mod.printMetrics(ctx);
}
