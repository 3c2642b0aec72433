#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS /usr/bin/node
// coredumpctl-ts: list, info, dump and debug coredumps from the journal (cli.ts),
// bundled when the bundle is fresh (@coredump-ts/unix/entry).
//
// The launcher by its path in the checkout's layout (packages/<name>/dist),
// not its package name: resolving the name through node_modules and the
// package's exports map is ~4 ms of every start (a listing is ~200 ms). An
// installed tree never runs this file (its entry requires the bundle).
import entry = require('../../unix/dist/entry.cjs');

entry.runEntry(__dirname, './cli.js');
