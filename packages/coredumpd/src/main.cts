#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS /usr/bin/node
// systemd-coredumpd.service: --manager, --worker, --check-requirements (run.ts),
// bundled when the bundle is fresh (@coredump-ts/unix/entry).
//
// The launcher by its path in the checkout's layout (packages/<name>/dist),
// not its package name: resolving the name through node_modules and the
// package's exports map was 7-10 ms of every start (profiled). An installed
// tree never runs this file (its entry requires the bundle).
import entry = require('../../unix/dist/entry.cjs');

entry.runEntry(__dirname, './run.js');
