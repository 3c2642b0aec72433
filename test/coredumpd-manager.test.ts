// The coredumpd manager (packages/coredumpd/src/manager.ts) as a process, with
// the test-only worker of test/fixtures/coredumpd standing in for the
// socket-mode worker, and the test standing in for the kernel: it connects to
// the manager's socket and reads what the worker that got the connection says.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { type ManagerFixture, connectClient, managerFixture } from './support/coredumpd.js';
import { waitFor } from './support/wait.js';

let fx: ManagerFixture;
beforeEach(() => {
  fx = managerFixture();
});
afterEach(async () => {
  await fx.close();
});

/** "served <pid> <acceptedUsec>" -> pid */
const servedBy = (line: string): number => Number(line.split(' ')[1]);

describe('coredumpd --manager', () => {
  it('says READY=1, hands a connection to the idle worker, and starts the replacement later', async () => {
    const m = fx.start({ COREDUMP_TS_IDLE_WORKERS: '1' });
    await fx.notify.waitFor('READY=1');
    await waitFor(() => fx.pids('start').length === 1, { what: 'an idle worker' });
    const [idle] = fx.pids('start');

    const before = Date.now() * 1000;
    const client = connectClient(fx.socketPath);
    const line = await client.firstLine;
    const [, pid, accepted] = line.split(' ');
    expect(Number(pid)).toBe(idle);
    expect(Number(accepted)).toBeGreaterThanOrEqual(before - 1_000_000);
    // Not at once (REFILL_DELAY_MS in pool.ts): the status sent with the
    // hand-off counts no idle worker. The pool is refilled while the first is
    // still busy, at the delay.
    await fx.notify.waitFor('STATUS=Waiting for coredumps (1 running, 0 idle).');
    await waitFor(() => fx.pids('start').length === 2, { what: 'a replacement worker' });
    expect(fx.pids('done')).not.toContain(Number(pid));
    await fx.notify.waitFor('STATUS=Waiting for coredumps (1 running, 1 idle).');
    client.socket.end();
    await waitFor(() => fx.pids('done').includes(Number(pid)), { what: 'the worker to finish' });
    await waitFor(() => m.stderr().includes(`Worker [${pid}] exited with code 0.`), {
      what: 'the exit log line',
    });
  });

  it('at the worker cap stops accepting: further connections wait in the backlog and are all served', async () => {
    const m = fx.start({ COREDUMP_TS_MAX_WORKERS: '2', COREDUMP_TS_IDLE_WORKERS: '1' });
    await fx.notify.waitFor('READY=1');
    const first = [connectClient(fx.socketPath), connectClient(fx.socketPath)];
    await Promise.all(first.map((c) => c.firstLine));
    // Both workers busy: the manager has stopped watching the socket and says so.
    await fx.notify.waitFor(
      'STATUS=At the limit of 2 workers, connections wait (2 running, 0 idle).',
    );
    const waiting = [connectClient(fx.socketPath), connectClient(fx.socketPath)];
    // Nothing accepts while at the cap, so no worker has been given them.
    expect(fx.pids('got')).toHaveLength(2);
    expect(waiting.some((c) => c.hasReply())).toBe(false);

    first[0]?.socket.end();
    const third = await Promise.race(waiting.map((c) => c.firstLine));
    expect(third).toMatch(/^served /);
    first[1]?.socket.end();
    const lines = await Promise.all(waiting.map((c) => c.firstLine));
    expect(lines.every((l) => l.startsWith('served '))).toBe(true);
    expect(new Set(fx.pids('got')).size).toBe(4);
    for (const c of waiting) c.socket.end();
    expect(m.child.exitCode).toBe(null);
  });

  it("SIGKILLs a worker running past the limit with systemd's message", async () => {
    const m = fx.start({
      COREDUMP_TS_WORKER_TIMEOUT_USEC: '300000',
      FAKE_WORKER_MODE: 'hang',
    });
    await fx.notify.waitFor('READY=1');
    const client = connectClient(fx.socketPath);
    // From the manager's log: the worker may be killed before it gets to log anything.
    const pid = await waitFor(() => /Connection handed to worker \[(\d+)\]/.exec(m.stderr())?.[1], {
      what: 'a busy worker',
    });
    await client.closed; // the killed worker's copy of the connection is gone
    await waitFor(
      () =>
        m.stderr().includes(`Worker [${pid}] is running longer than 300ms, killing the worker.`) &&
        m.stderr().includes(`Worker [${pid}] terminated by signal 9 (KILL).`),
      { what: `the kill and exit lines in ${m.stderr()}` },
    );
    expect(m.child.exitCode).toBe(null);
  });

  it('SIGHUP reloads (RELOADING=1, READY=1) and replaces the idle workers', async () => {
    const m = fx.start();
    const ready = await fx.notify.waitFor('READY=1');
    const old = await waitFor(() => fx.pids('start')[0], { what: 'the idle worker' });
    m.child.kill('SIGHUP');
    const reloading = await fx.notify.waitFor('RELOADING=1', ready + 1);
    expect(fx.notify.messages[reloading]).toMatch(/^RELOADING=1\nMONOTONIC_USEC=\d+\n$/);
    await fx.notify.waitFor('READY=1', reloading + 1);
    await waitFor(
      () => fx.pids('eof').includes(old) || m.stderr().includes(`Worker [${String(old)}]`),
      {
        what: 'the old idle worker to go',
      },
    );
    const client = connectClient(fx.socketPath);
    const line = await client.firstLine;
    expect(servedBy(line)).not.toBe(old);
    client.socket.end();
  });

  it('SIGTERM: STOPPING=1, no more accepting, and the exit waits for the running worker', async () => {
    const m = fx.start();
    await fx.notify.waitFor('READY=1');
    const busy = connectClient(fx.socketPath);
    const pid = servedBy(await busy.firstLine);
    m.child.kill('SIGTERM');
    await fx.notify.waitFor('STOPPING=1');
    await fx.notify.waitFor('STATUS=Stopping, waiting for 1 worker(s) (1 running, 0 idle).');
    expect(m.child.exitCode).toBe(null);
    busy.socket.end();
    expect(await m.exited).toEqual({ code: 0, signal: null });
    expect(fx.pids('done')).toContain(pid);
  });

  it('pets the watchdog (WATCHDOG=1) when WATCHDOG_USEC is set', async () => {
    fx.start({ WATCHDOG_USEC: '200000' });
    const ready = await fx.notify.waitFor('READY=1');
    await fx.notify.waitFor('WATCHDOG=1', ready + 1);
  });

  it('stores its new listening socket in the fd store (FDSTORE=1, FDNAME=coredump-socket)', async () => {
    fx.start();
    const i = await fx.notify.waitFor('FDSTORE=1');
    expect(fx.notify.messages[i]).toBe('FDSTORE=1\nFDNAME=coredump-socket\n');
    expect(fx.notify.fds).toHaveLength(1);
  });

  it('loses nothing when SIGKILLed: a connection made while it is down is served after the restart', async () => {
    const listenFd = fx.holdListener();
    const first = fx.start({}, { listenFd });
    await fx.notify.waitFor('READY=1');
    const idle = await waitFor(() => fx.pids('start')[0], { what: 'the idle worker' });
    first.child.kill('SIGKILL');
    await first.exited;
    // The idle worker of the dead manager sees EOF on its channel and goes.
    await waitFor(() => fx.pids('eof').includes(idle), {
      what: 'the orphaned idle worker to exit',
    });

    const client = connectClient(fx.socketPath); // waits in the backlog of the held socket
    expect(client.hasReply()).toBe(false);
    const second = fx.start({}, { listenFd });
    const line = await client.firstLine;
    expect(line).toMatch(/^served /);
    client.socket.end();
    // Adopted, not created: no FDSTORE=1 from a manager that was given the socket.
    expect(fx.notify.messages.some((msg) => msg.startsWith('FDSTORE=1'))).toBe(false);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });
});
