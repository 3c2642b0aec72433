// One registry of synchronous cleanup actions (restore kernel settings, stop
// socket activators this bench started, remove sockets and temp files), run
// in reverse order on process exit and on SIGINT/SIGTERM/SIGHUP, after which
// the signal is re-raised with its default action.
const actions = [];
let installed = false;

function runAll() {
  while (actions.length > 0) {
    const action = actions.pop();
    try {
      action();
    } catch (error) {
      process.stderr.write(`bench cleanup: ${error?.message ?? String(error)}\n`);
    }
  }
}

function install() {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}, cleaning up\n`);
      runAll();
      process.kill(process.pid, signal);
    });
  }
}

/** Register fn; returns a function that unregisters it (without running it). */
export function onCleanup(fn) {
  install();
  actions.push(fn);
  return () => {
    const i = actions.lastIndexOf(fn);
    if (i >= 0) actions.splice(i, 1);
  };
}
