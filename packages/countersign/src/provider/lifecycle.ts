/**
 * A consumer's and a grant's life after registration: rotating the secret, suspending, resuming,
 * disabling and deleting a consumer, revoking an access token. "A disabled consumer stays disabled"
 * is enforced here, once, for every caller (the developer console, the CLI, an embedding app).
 */
import { newCredential } from './credentials.js';
import { ProviderInputError } from './errors.js';
import type { Consumer, ConsumerStatus } from './model.js';
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

/** Marks the access token revoked now (revoking it again changes nothing); whether it exists. */
export function revokeToken(config: ProviderConfig, token: string): Promise<boolean> {
  return config.store.revokeAccessToken(token, config.clock());
}
