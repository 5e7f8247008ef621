/**
 * A user of the reference server as a test sets one up: the engine's `User` in the store and the
 * server's account with the password's hash in its data, as a sign-up makes them.
 */
import type { Store } from '../../packages/countersign/src/provider/store.js';
import type { ServerData } from '../../packages/server/src/data/server-data.js';
import { hashPassword } from '../../packages/server/src/server/passwords.js';

/** An active (or suspended) user `name` who signs in with `password`. */
export async function putAccount(
  where: { readonly store: Pick<Store, 'putUser'>; readonly data: Pick<ServerData, 'addAccount'> },
  name: string,
  password: string,
  status: 'active' | 'suspended' = 'active',
): Promise<void> {
  await where.store.putUser({ name, status, createdAt: 0 });
  await where.data.addAccount(name, await hashPassword(password), 0);
}
