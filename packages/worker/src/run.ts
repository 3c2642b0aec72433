// The worker proper (dist/main.js picks it, bundled or not): one crash per connection on fd 3.
import { createLogger } from './log.js';
import { runWorker } from './worker.js';

const log = createLogger();
process.exitCode = await runWorker(process.env, log);
