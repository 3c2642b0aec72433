#!/usr/bin/node
// systemd-coredump@.service worker: one crash per connection on fd 3.
import { createLogger } from './log.js';
import { runWorker } from './worker.js';

const log = createLogger();
process.exitCode = await runWorker(process.env, log);
