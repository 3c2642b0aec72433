// The built launchers start without NODE_EXTRA_CA_CERTS (packages/protocol
// node-env.ts): with it, Node parses the whole CA store before our first line,
// 50-60 ms of every `coredumpctl-ts` on a machine whose shell sets it. Node
// warns at start-up when the file it names cannot be read; run directly (the
// shebang), the launchers never see the variable, so never warn.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { launcherShebang } from '@coredump-ts/protocol';

const path = (rel: string): string => fileURLToPath(new URL(`../${rel}`, import.meta.url));
const LAUNCHERS = [
  { rel: 'packages/coredumpctl/dist/main.cjs', node: '/usr/bin/node' },
  { rel: 'packages/admin/dist/main.js', node: 'node' },
];
const WARNING = /Ignoring extra certs from `\/nonexistent\/ca\.pem`/;
const env = { ...process.env, NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' };

describe.each(LAUNCHERS)('$rel', ({ rel, node }) => {
  const file = path(rel);
  it.skipIf(!existsSync(file))('starts without NODE_EXTRA_CA_CERTS when run by its shebang', () => {
    const direct = spawnSync(file, ['--version'], { env, encoding: 'utf8' });
    expect(direct.status, direct.stderr).toBe(0);
    expect(direct.stdout).toMatch(/^coredump-ts /);
    expect(direct.stderr).not.toMatch(WARNING);
    // The same file under node itself does read the variable: the check above can fail.
    const underNode = spawnSync(process.execPath, [file, '--version'], { env, encoding: 'utf8' });
    expect(underNode.stderr).toMatch(WARNING);
  });

  it.skipIf(!existsSync(file))('has the shebang launcherShebang makes', () => {
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe(launcherShebang(node));
  });
});
