/**
 * A consumer's and a grant's life after registration: changing its settings, rotating the secret
 * (with a grace period for the previous one), suspending, resuming, disabling and deleting a
 * consumer, revoking an access token; and a user's: adding, suspending and resuming one. "A
 * disabled consumer stays disabled" is enforced here, once, for every caller (the developer
 * console, the CLI, an embedding app). Each needs the store's admin part, and rejects with a
 * `TypeError` naming the method a store written for the engine alone lacks; the user operations
 * also reject when the application answers for its users (the `users` option).
 */
import { type ConsumerChanges, changedConsumer } from './consumers.js';
import { newCredential } from './credentials.js';
import { ProviderInputError } from './errors.js';
import type { Consumer, ConsumerStatus, User } from './model.js';
import type { ProviderConfig } from './options.js';
import type { AdminStore } from './store.js';

/** The longest grace period a rotated secret may have: 30 days, in seconds. */
export const MAX_GRACE_PERIOD = 30 * 24 * 3600;

/**
 * The store, for an operation (`doing`, as "changing a consumer") that calls its admin methods
 * `names`; a `TypeError` naming the first one it does not implement.
 */
export function adminStore<K extends keyof AdminStore>(
  config: ProviderConfig,
  doing: string,
  ...names: K[]
): Pick<AdminStore, K> {
  const { store } = config;
  for (const name of names) {
    if (typeof store[name] !== 'function')
      throw new TypeError(
        `${doing} needs store.${name}, which this store does not implement (it has the engine's part of the store contract, EngineStore, but not AdminStore)`,
      );
  }
  return store as Pick<AdminStore, K>;
}

/** The store's users, for an operation on them; a `TypeError` when the users are the application's. */
function storeUsers<K extends keyof AdminStore>(
  config: ProviderConfig,
  doing: string,
  ...names: K[]
): Pick<AdminStore, K> {
  if (config.hostUsers)
    throw new TypeError(
      `${doing} is the application's to do: the users option of createProvider says who is suspended, and the engine keeps no users`,
    );
  return adminStore(config, doing, ...names);
}

async function existing(config: ProviderConfig, key: string): Promise<Consumer> {
  const consumer = await config.store.getConsumer(key);
  if (!consumer) throw new ProviderInputError('unknown_consumer', `no consumer has the key ${key}`);
  return consumer;
}

/**
 * The consumer as it is stored after a change: a previous secret whose grace period is over is
 * dropped, so that a secret nothing accepts any more does not stay in the store.
 */
function withoutEndedSecret(config: ProviderConfig, consumer: Consumer): Consumer {
  const previous = consumer.previousSecret;
  if (previous === undefined || previous.expiresAt > config.clock()) return consumer;
  return { ...consumer, previousSecret: undefined };
}

async function save(config: ProviderConfig, consumer: Consumer): Promise<Consumer> {
  const stored = withoutEndedSecret(config, consumer);
  await adminStore(config, 'changing a consumer', 'putConsumer').putConsumer(stored);
  return stored;
}

/** Checks, before anything is read, that the store can save a changed consumer. */
function canSave(config: ProviderConfig): void {
  adminStore(config, 'changing a consumer', 'putConsumer');
}

/** Applies changes to the consumer's settings (see `ConsumerChanges`); returns it as stored. */
export async function updateConsumer(
  config: ProviderConfig,
  key: string,
  changes: ConsumerChanges,
): Promise<Consumer> {
  canSave(config);
  return save(config, changedConsumer(await existing(config, key), changes));
}

/** What a rotation keeps of the old secret. */
export interface RotateOptions {
  /**
   * How many seconds the previous secret is still accepted (0, the default, for not at all; at
   * most {@link MAX_GRACE_PERIOD}). A secret kept from an earlier rotation is replaced.
   *
   * @defaultValue `0`
   */
  readonly gracePeriod?: number | undefined;
}

/** Replaces the consumer's secret with a fresh one; returns the consumer as stored. */
export async function rotateSecret(
  config: ProviderConfig,
  key: string,
  options: RotateOptions = {},
): Promise<Consumer> {
  canSave(config);
  const grace = options.gracePeriod ?? 0;
  if (!Number.isInteger(grace) || grace < 0 || grace > MAX_GRACE_PERIOD)
    throw new ProviderInputError(
      'invalid_grace_period',
      `the grace period is a whole number of seconds from 0 to ${MAX_GRACE_PERIOD}`,
    );
  const consumer = await existing(config, key);
  const previousSecret =
    grace === 0 ? undefined : { secret: consumer.secret, expiresAt: config.clock() + grace * 1000 };
  return save(config, { ...consumer, secret: newCredential(config.randomBytes), previousSecret });
}

/** Ends the previous secret's grace period now (having none changes nothing). */
export async function endPreviousSecret(config: ProviderConfig, key: string): Promise<Consumer> {
  canSave(config);
  const consumer = await existing(config, key);
  if (consumer.previousSecret === undefined) return consumer;
  return save(config, { ...consumer, previousSecret: undefined });
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
  canSave(config);
  const consumer = await existing(config, key);
  if (consumer.status === 'disabled' && status !== 'disabled')
    throw new ProviderInputError('consumer_disabled', 'a disabled consumer stays disabled');
  if (consumer.status === status) return consumer;
  return save(config, { ...consumer, status });
}

/**
 * Adds an active user named `name`, atomically: of concurrent additions of one name exactly one
 * succeeds, and the others throw `user_exists`.
 */
export async function addUser(config: ProviderConfig, name: string): Promise<User> {
  const store = storeUsers(config, 'adding a user', 'addUser');
  if (typeof name !== 'string' || name === '')
    throw new ProviderInputError('invalid_user', 'a user name is a non-empty string');
  const user: User = { name, status: 'active', createdAt: config.clock() };
  if (!(await store.addUser(user)))
    throw new ProviderInputError('user_exists', `a user named ${name} already exists`);
  return user;
}

/** Sets a user's status (setting the one it has changes nothing); throws `unknown_user`. */
export async function setUserStatus(
  config: ProviderConfig,
  name: string,
  status: User['status'],
): Promise<User> {
  const store = storeUsers(config, 'suspending or resuming a user', 'getUser', 'putUser');
  const user = await store.getUser(name);
  if (!user) throw new ProviderInputError('unknown_user', `no user named ${name}`);
  if (user.status === status) return user;
  const changed = { ...user, status };
  await store.putUser(changed);
  return changed;
}

/** Marks the access token revoked now (revoking it again changes nothing); whether it exists. */
export async function revokeToken(config: ProviderConfig, token: string): Promise<boolean> {
  const store = adminStore(config, 'revoking an access token', 'revokeAccessToken');
  return store.revokeAccessToken(token, config.clock());
}

/** Deletes a consumer and every token issued to it. */
export async function deleteConsumer(config: ProviderConfig, key: string): Promise<void> {
  await adminStore(config, 'deleting a consumer', 'deleteConsumer').deleteConsumer(key);
}
