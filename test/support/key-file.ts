/**
 * A key file for the tests where servers, the CLI and a store of the test itself share one
 * PostgreSQL database: each must be given the key that seals its secrets.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '../../packages/countersign/src/stores/secret-box.js';

export interface TestKeyFile {
  /** `--key-file PATH`, for `countersign` commands. */
  readonly flags: string[];
  /** The same keys, for a store the test opens. */
  readonly keyring: Keyring;
  remove(): void;
}

/** A key file of one new key, mode 0600, in a directory of its own. */
export function testKeyFile(): TestKeyFile {
  const directory = mkdtempSync(join(tmpdir(), 'countersign-key-'));
  const path = join(directory, 'countersign.key');
  const text = `${Keyring.generate()}\n`;
  writeFileSync(path, text, { mode: 0o600 });
  return {
    flags: ['--key-file', path],
    keyring: Keyring.parse(text),
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}
