/**
 * Values that may come at once or later. A store may answer a read synchronously (the memory and
 * SQLite stores do); the engine then runs a request's checks to the end without yielding, where an
 * `await` at each step would cost a promise and a turn of the microtask queue.
 */

/** A value, or a promise of it. */
export type MaybePromise<T> = T | PromiseLike<T>;

/** Whether `value` is a promise (any thenable, as `await` would treat it). */
export function isPromiseLike<T>(value: MaybePromise<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/**
 * Calls `next` with `value`: at once when it is there, once it settles when it is a promise.
 *
 * @example
 * ```ts
 * andThen(store.getConsumer(key), (consumer) => consumer?.name); // a name, or a promise of one
 * ```
 */
export function andThen<T, R>(value: MaybePromise<T>, next: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return isPromiseLike(value) ? value.then(next) : next(value);
}
