/**
 * `countersign secrets`: `generate` prints a new key as a key file line; `rotate` seals every
 * secret in the store again under the key file's first key, so the keys after it can be removed
 * (the procedure is in docs/deploy.md, "Secrets at rest").
 */
import { Keyring } from 'countersign/store-kit';
import { command, group } from '../command-definition.js';
import { openSqlStore, SECRET_KEY_VARIABLE, STORE_EXCLUSIVE, STORE_OPTIONS } from '../open-store.js';

const generate = command({
  summary: 'Prints a new key, as a key file line: ID KEY',
  options: {},
  prints: 'ID KEY',
  run: (_values, _positionals, io) => io.out(Keyring.generate()),
});

const rotate = command({
  summary: "Encrypts every secret in the store again under the key file's first key",
  options: STORE_OPTIONS,
  exclusive: STORE_EXCLUSIVE,
  environment: [SECRET_KEY_VARIABLE],
  async run(values, _positionals, io) {
    const { store, data, keyring } = await openSqlStore(values, io.env);
    try {
      // The server's settings first: the store's key check, rewritten last, names the old keys until
      // everything is sealed under the new one, so a rotation cut short can be run again.
      const count = (await data.reencryptSecrets(keyring)) + (await store.reencryptSecrets());
      io.out(`${count} secrets encrypted under the first key; the keys after it may now be removed`);
    } finally {
      await store.close();
    }
  },
});

export const secrets = group('The keys that encrypt the secrets in the store', { generate, rotate });
