#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS /usr/bin/node
// systemd-coredumpd.service: --manager, --worker, --check-requirements (run.ts),
// bundled when the bundle is fresh (@coredump-ts/unix/entry).
import entry = require('@coredump-ts/unix/entry');

entry.runEntry(__dirname, './run.js');
