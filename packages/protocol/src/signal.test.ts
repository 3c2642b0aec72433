import { describe, expect, it } from 'vitest';
import { safeAtoi, signalFromString, signalName, signalToString } from './signal.js';

describe('signalName', () => {
  it.for([
    [1, 'SIGHUP'],
    [2, 'SIGINT'],
    [3, 'SIGQUIT'],
    [4, 'SIGILL'],
    [5, 'SIGTRAP'],
    [6, 'SIGABRT'],
    [7, 'SIGBUS'],
    [8, 'SIGFPE'],
    [9, 'SIGKILL'],
    [10, 'SIGUSR1'],
    [11, 'SIGSEGV'],
    [12, 'SIGUSR2'],
    [13, 'SIGPIPE'],
    [14, 'SIGALRM'],
    [15, 'SIGTERM'],
    [16, 'SIGSTKFLT'],
    [17, 'SIGCHLD'],
    [18, 'SIGCONT'],
    [19, 'SIGSTOP'],
    [20, 'SIGTSTP'],
    [21, 'SIGTTIN'],
    [22, 'SIGTTOU'],
    [23, 'SIGURG'],
    [24, 'SIGXCPU'],
    [25, 'SIGXFSZ'],
    [26, 'SIGVTALRM'],
    [27, 'SIGPROF'],
    [28, 'SIGWINCH'],
    [29, 'SIGIO'],
    [30, 'SIGPWR'],
    [31, 'SIGSYS'],
    [32, 'SIG32'],
    [33, 'SIG33'],
    [34, 'SIGRTMIN+0'],
    [37, 'SIGRTMIN+3'],
    [64, 'SIGRTMIN+30'],
    [0, undefined],
    [65, undefined],
    [-11, undefined],
    [1.5, undefined],
  ] as const)('%d -> %s', ([n, name]) => {
    expect(signalName(n)).toBe(name);
  });
});

describe('signalToString and signalFromString (systemd signal-util.c)', () => {
  it.for([
    [11, 'SEGV'],
    [31, 'SYS'],
    [0, '0'],
    [32, '32'],
    [34, 'RTMIN+0'],
    [64, 'RTMIN+30'],
    [65, '65'],
    [-1, '-1'],
  ] as const)('signalToString(%i) is %s', ([n, text]) => {
    expect(signalToString(n)).toBe(text);
  });

  it.for([
    ['SIGSEGV', 11],
    ['SEGV', 11],
    ['HUP', 1],
    ['11', 11],
    ['64', 64],
    ['RTMIN', 34],
    ['RTMIN+2', 36],
    ['SIGRTMAX-1', 63],
    ['RTMAX', 64],
  ] as const)('signalFromString(%s) is %i', ([text, n]) => {
    expect(signalFromString(text)).toBe(n);
  });

  it.for(['', '0', '65', 'SIG11', 'RTMIN+31', 'RTMAX-31', 'segv', 'SIGFOO', '-1'])(
    'signalFromString(%j) is undefined',
    (text) => {
      expect(signalFromString(text)).toBeUndefined();
    },
  );

  it('round-trips every valid signal', () => {
    for (let n = 1; n <= 64; n++) {
      expect(signalFromString(signalToString(n))).toBe(n);
    }
  });
});

describe('safeAtoi (systemd parse-util.c)', () => {
  // Plain digits take a fast path; these pin it to strtol()'s base-0 rules.
  it.for([
    ['0', 0],
    ['7', 7],
    ['11', 11],
    ['123456789', 123456789],
    ['1234567890', 1234567890],
    ['0013', 11],
    ['0x0b', 11],
    ['0b101', 5],
    ['0o17', 15],
    [' 11', 11],
    ['+5', 5],
    ['-5', -5],
    ['2147483647', 2147483647],
  ] as const)('safeAtoi(%j) is %i', ([text, n]) => {
    expect(safeAtoi(text)).toBe(n);
  });

  it.for(['', '09', '08', '11 ', '1a', '2147483648', '99999999999', '٣'])(
    'safeAtoi(%j) is undefined',
    (text) => {
      expect(safeAtoi(text)).toBeUndefined();
    },
  );
});
