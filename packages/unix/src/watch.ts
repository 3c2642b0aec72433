// Readiness of an fd on Node's event loop (uv_poll, watch.c): a callback each
// time the fd is readable, without a thread blocked on it. Level-triggered:
// the callback keeps coming while data (or a connection) waits, so it should
// drain what it can, or stop() the watcher.
import { type WatchHandle, addon } from './addon.js';

export class FdWatcher {
  readonly fd: number;
  #handle: WatchHandle | undefined;
  #started = false;

  /** `onReadable(errno)`: errno is 0, or why polling failed (the watcher is then stopped). */
  constructor(fd: number, onReadable: (errno: number) => void) {
    this.fd = fd;
    this.#handle = addon.watchFd(fd, (errno) => {
      if (errno !== 0) this.stop();
      onReadable(errno);
    });
  }

  get started(): boolean {
    return this.#started;
  }

  /** Start (or keep) watching; keeps the event loop alive while started. */
  start(): void {
    if (this.#handle === undefined || this.#started) return;
    addon.watchStart(this.#handle);
    this.#started = true;
  }

  stop(): void {
    if (this.#handle === undefined || !this.#started) return;
    addon.watchStop(this.#handle);
    this.#started = false;
  }

  /** Stop for good. The fd itself stays open: it belongs to the caller. */
  close(): void {
    if (this.#handle === undefined) return;
    addon.watchClose(this.#handle);
    this.#handle = undefined;
    this.#started = false;
  }
}
