/**
 * A consumer's and a grant's life after registration: rotating the secret, suspending, resuming,
 * disabling and deleting a consumer, revoking an access token; and a user's: adding, suspending and
 * resuming one. "A disabled consumer stays disabled" is enforced here, once, for every caller (the
 * developer console, the CLI, an embedding app).
 */
import { newCredential } from './credentials.js';
import { ProviderInputError } from './errors.js';
import type { Consumer, ConsumerStatus, User } from './model.js';
import type { ProviderConfig } from './options.js';

async function existing(config: ProviderConfig, key: string): Promise<Consumer> {
  const consumer = await config.store.getConsumer(key);
  if (!consumer) throw new ProviderInputError('unknown_consumer', `no consumer has the key ${key}`);
  return consumer;
}

/** Replaces the consumer's secret with a fresh one; returns the consumer as stored. */
export async function rotateSecret(config: ProviderConfig, key: string): Promise<Consumer> {
  const rotated = { ...(await existing(config, key)), secret: newCredential(config.randomBytes) };
  await config.store.putConsumer(rotated);
  return rotated;
}

/**
 * Sets the consumer's status. Disabling is final: a disabled consumer is refused any other status
 * (`consumer_disabled`); disabling it again changes nothing.
 */
export async function setStatus(
  config: ProviderConfig,
  key: string,
  status: ConsumerStatus,
): Promise<Consumer> {
  const consumer = await existing(config, key);
  if (consumer.status === 'disabled' && status !== 'disabled')
    throw new ProviderInputError('consumer_disabled', 'a disabled consumer stays disabled');
  if (consumer.status === status) return consumer;
  const changed = { ...consumer, status };
  await config.store.putConsumer(changed);
  return changed;
}

/**
 * Adds an active user named `name`, atomically: of concurrent additions of one name exactly one
 * succeeds, and the others throw `user_exists`.
 */
export async function addUser(config: ProviderConfig, name: string): Promise<User> {
  if (typeof name !== 'string' || name === '')
    throw new ProviderInputError('invalid_user', 'a user name is a non-empty string');
  const user: User = { name, status: 'active', createdAt: config.clock() };
  if (!(await config.store.addUser(user)))
    throw new ProviderInputError('user_exists', `a user named ${name} already exists`);
  return user;
}

/** Sets a user's status (setting the one it has changes nothing); throws `unknown_user`. */
export async function setUserStatus(
  config: ProviderConfig,
  name: string,
  status: User['status'],
): Promise<User> {
  const user = await config.store.getUser(name);
  if (!user) throw new ProviderInputError('unknown_user', `no user named ${name}`);
  if (user.status === status) return user;
  const changed = { ...user, status };
  await config.store.putUser(changed);
  return changed;
}

/** Marks the access token revoked now (revoking it again changes nothing); whether it exists. */
export function revokeToken(config: ProviderConfig, token: string): Promise<boolean> {
  return config.store.revokeAccessToken(token, config.clock());
}
