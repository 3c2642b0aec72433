// The worker proper (dist/main.cjs picks it, bundled or not): one crash per connection on fd 3.
import { createLogger } from '@coredump-ts/pipeline';

import { runWorker } from './worker.js';

const log = createLogger();
// No top-level await: the bundle is CommonJS (@coredump-ts/unix/entry).
void runWorker(process.env, log).then((status) => {
  process.exitCode = status;
});
