#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS /usr/bin/node
// systemd-coredump@.service worker: one crash per connection on fd 3 (run.ts),
// bundled when the bundle is fresh (@coredump-ts/unix/entry).
import entry = require('@coredump-ts/unix/entry');

entry.runEntry(__dirname, './run.js');
