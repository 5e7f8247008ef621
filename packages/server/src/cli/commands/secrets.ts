/**
 * `countersign secrets`: `generate` prints a new key as a key file line; `rotate` seals every
 * secret in the store again under the key file's first key, so the keys after it can be removed
 * (the procedure is in docs/deploy.md, "Secrets at rest").
 */
import { parseArgs } from 'node:util';
import { Keyring } from 'countersign/store-kit';
import { CliError } from '../cli-error.js';
import { openSqlStore, STORE_OPTIONS } from '../open-store.js';

export const usage =
  'countersign secrets generate   # prints a new key: ID KEY\n' +
  'countersign secrets rotate [--db FILE | --database-url URL] [--key-file FILE]';

export async function secrets(args: string[], out: (line: string) => void): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: STORE_OPTIONS,
  });
  const [action] = positionals;
  if (positionals.length !== 1) throw new CliError(`usage: ${usage}`);
  if (action === 'generate') {
    out(Keyring.generate());
    return;
  }
  if (action !== 'rotate') throw new CliError(`usage: ${usage}`);
  const { store, data, keyring } = await openSqlStore(values);
  try {
    // The server's settings first: the store's key check, rewritten last, names the old keys until
    // everything is sealed under the new one, so a rotation cut short can be run again.
    const count = (await data.reencryptSecrets(keyring)) + (await store.reencryptSecrets());
    out(`${count} secrets encrypted under the first key; the keys after it may now be removed`);
  } finally {
    await store.close();
  }
}
