#!/usr/bin/node
// Time `list` over 5,000 coredump entries: coredumpctl-ts next to systemd's
// coredumpctl. Injects the entries once (marker CDTS_BENCH=coredumpctl-list-5000,
// COREDUMP_COMM=cdts-bench) so tests can tell them apart; prints, asserts nothing.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const N = 5000;
const MARK = 'CDTS_BENCH=coredumpctl-list-5000';
const OURS = fileURLToPath(new URL('../packages/coredumpctl/dist/main.js', import.meta.url));

const count = () =>
  spawnSync('journalctl', ['-q', '-o', 'cat', '--output-fields=MESSAGE_ID', MARK], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  })
    .stdout.split('\n')
    .filter((l) => l !== '').length;

let have = count();
if (have < N) {
  let text = '';
  for (let i = have; i < N; i++) {
    text +=
      `MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1\nMESSAGE=bench ${i}\nPRIORITY=2\n${MARK}\n` +
      `COREDUMP_PID=${100000 + i}\nCOREDUMP_UID=0\nCOREDUMP_GID=0\nCOREDUMP_SIGNAL=11\nCOREDUMP_COMM=cdts-bench\n` +
      `COREDUMP_EXE=/usr/bin/cdts-bench\nCOREDUMP_FILENAME=/var/lib/systemd/coredump/core.cdts-bench.0.x.${i}.zst\n`;
    // logger --journald sends one entry per invocation.
    spawnSync('logger', ['--journald'], { input: text });
    text = '';
  }
  const deadline = Date.now() + 60_000;
  while ((have = count()) < N && Date.now() < deadline) spawnSync('sleep', ['0.2']);
}

const time = (cmd, args) => {
  const runs = [];
  let rows = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
    runs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    rows = r.stdout.split('\n').filter((l) => l !== '').length;
  }
  return { best: Math.min(...runs), rows };
};

const args = ['--no-pager', '--no-legend', 'list', MARK];
const ours = time(process.execPath, [OURS, ...args]);
const theirs = time('/usr/bin/coredumpctl', args);
console.log(`entries with marker: ${have}`);
console.log(`coredumpctl-ts list:       ${ours.best.toFixed(0)} ms (${ours.rows} rows)`);
console.log(`systemd coredumpctl list:  ${theirs.best.toFixed(0)} ms (${theirs.rows} rows)`);
console.log(`ratio: ${(ours.best / theirs.best).toFixed(2)}x`);
