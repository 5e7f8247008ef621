/**
 * Who is suspended. The users are the application's: `decide` takes any user it authenticated, and
 * the engine asks only whether one is suspended (`user_refused`), of the `users` option when the
 * application gives one, else of the store's users (a store that keeps them, as the built-in ones
 * do), else of nobody. A user the store does not hold is not suspended.
 */
import { andThen, type MaybePromise } from './maybe-promise.js';
import type { User } from './model.js';
import type { EngineStore, ReadOptions } from './store.js';

/**
 * The application's answer to "is this user suspended?", for the `users` option of `createProvider`.
 * A synchronous answer keeps verification from yielding to the event loop (see `MaybePromise`).
 *
 * @example
 * ```ts
 * const provider = createProvider({ store, users: { isSuspended: (id) => bannedIds.has(id) } });
 * ```
 */
export interface UserDirectory {
  /** Whether the user with this id may not authorize consumers, nor use the tokens they granted. */
  isSuspended(userId: string): MaybePromise<boolean>;
}

/** Whether a user is suspended; `options` as for a store read (`sameRequest` during verification). */
export type IsSuspended = (userId: string, options?: ReadOptions) => MaybePromise<boolean>;

const suspended = (user: User | undefined) => user?.status === 'suspended';
const nobody: IsSuspended = () => false;

/** The `users` option checked (a `TypeError` if it is not a directory), or the store's users. */
export function resolveUsers(users: UserDirectory | undefined, store: EngineStore): IsSuspended {
  if (users !== undefined) {
    if (typeof users?.isSuspended !== 'function')
      throw new TypeError('users must have an isSuspended(userId) method');
    return (userId) => users.isSuspended(userId);
  }
  if (typeof store.getUser !== 'function') return nobody;
  return (userId, options) => andThen(store.getUser?.(userId, options), suspended);
}
