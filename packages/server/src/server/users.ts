/**
 * A user of the reference server is two records: the engine's `User` (its name and status, which
 * the provider checks on every signed request) and the server's account (the password hash). The
 * engine's insert-only `addUser` decides who gets a name, so that two sign-ups of one name at once
 * cannot both succeed, and no account is ever given to a user someone else holds.
 */
import { errors, type Provider } from 'countersign';
import type { ServerData } from '../data/server-data.js';

/**
 * Adds the user and their account; `false` if a user of that name exists.
 *
 * @example
 * ```ts
 * if (!(await addUser(provider, data, 'alice', await hashPassword(password), Date.now()))) taken();
 * ```
 */
export async function addUser(
  provider: Provider,
  data: ServerData,
  name: string,
  passwordHash: string,
  at: number,
): Promise<boolean> {
  try {
    await provider.addUser(name);
  } catch (error) {
    if (error instanceof errors.ProviderInputError && error.code === 'user_exists') return false;
    throw error;
  }
  // An account left from a user deleted by hand is the new user's now.
  if (!(await data.addAccount(name, passwordHash, at))) await data.setPasswordHash(name, passwordHash);
  return true;
}
