#!/usr/bin/node
// systemd-coredump@.service worker: one crash per connection on fd 3 (run.ts),
// bundled when the bundle is fresh (@coredump-ts/protocol/entry).
import { runEntry } from '@coredump-ts/protocol/entry';

await runEntry(import.meta.url, './run.js');
