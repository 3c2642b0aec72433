#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS /usr/bin/node
// core_pattern helper (run.ts: kernel pipe mode and --backtrace),
// bundled when the bundle is fresh (@coredump-ts/unix/entry).
import entry = require('@coredump-ts/unix/entry');

entry.runEntry(__dirname, './run.js');
