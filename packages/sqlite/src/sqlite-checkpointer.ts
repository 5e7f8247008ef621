/**
 * The SQLite checkpointer: a thread with its own connection that copies the WAL back into the
 * database (a passive checkpoint, with an fsync) every second, so that no request of the server's
 * main thread waits for one.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the checkpointer thread copies the WAL into the database. */
const CHECKPOINT_EVERY_MS = 1000;

/**
 * The checkpointer thread: its own connection, a passive checkpoint every second; at "stop" it
 * closes its connection and ends.
 */
const CHECKPOINTER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or failing now: the next round tries again, and the WAL only grows meanwhile.
  }
}, workerData.everyMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Starts the thread for the database `file`; it does not keep the process alive.
 *
 * @example
 * ```ts
 * const checkpointer = startCheckpointer('./data/countersign.db');
 * db.pragma('wal_autocheckpoint = 0');
 * // … at shutdown:
 * await stopCheckpointer(checkpointer);
 * ```
 */
export function startCheckpointer(file: string): Worker {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(CHECKPOINTER, {
    eval: true,
    workerData: { driver, file, everyMs: CHECKPOINT_EVERY_MS },
  });
  worker.unref();
  return worker;
}

/**
 * Stops the thread once its connection is closed, so that nothing holds the file afterwards (even
 * a thread still starting, which would otherwise open the file after its store had closed).
 */
export function stopCheckpointer(worker: Worker): Promise<void> {
  // A thread that has ended (it could not run) has no id any more.
  if (worker.threadId === -1) return Promise.resolve();
  return new Promise((resolve) => {
    worker.once('exit', () => resolve());
    // Held from here on, so that this thread's event loop waits for the end.
    worker.ref();
    worker.postMessage('stop');
  });
}
