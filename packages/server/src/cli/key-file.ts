/**
 * Where the CLI finds the keyring that seals the store's secrets: `--key-file FILE`, else
 * `$COUNTERSIGN_KEY_FILE`, else the keys in `$COUNTERSIGN_SECRET_KEY`; else, for SQLite, the key
 * file beside the database, generated (mode 0600) the first time. PostgreSQL, shared by many
 * instances, needs a key given.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, extname } from 'node:path';
import { Keyring, SecretKeyError } from 'countersign/store-kit';
import { CliError } from './cli-error.js';

/** How to give a key, for messages. */
export const HOW_TO_GIVE_A_KEY =
  'give --key-file FILE or set COUNTERSIGN_KEY_FILE or COUNTERSIGN_SECRET_KEY (make a key with "countersign secrets generate")';

/** The key file SQLite's `file` uses when no key is given: `data/countersign.db` → `data/countersign.key`. */
export function keyFileBeside(file: string): string {
  const ext = extname(file);
  return ext === '' || ext === '.key' ? `${file}.key` : `${file.slice(0, -ext.length)}.key`;
}

/** The keyring in `path`, or a one-line `CliError`. */
export function readKeyFile(path: string): Keyring {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read the key file ${path}: ${(error as Error).message}`);
  }
  return parsed(text, `the key file ${path}`);
}

function parsed(text: string, source: string): Keyring {
  try {
    return Keyring.parse(text, source);
  } catch (error) {
    if (error instanceof SecretKeyError) throw new CliError(error.message);
    throw error;
  }
}

/** A keyring given by flag or environment, or `undefined` when none is. */
export function givenKeyring(keyFile: string | undefined, env: NodeJS.ProcessEnv): Keyring | undefined {
  const file = keyFile ?? env.COUNTERSIGN_KEY_FILE;
  if (file !== undefined && file !== '') return readKeyFile(file);
  const text = env.COUNTERSIGN_SECRET_KEY;
  if (text !== undefined && text !== '') return parsed(text, 'COUNTERSIGN_SECRET_KEY');
  return undefined;
}

/**
 * The keyring in the key file beside the SQLite database `file`, created with a new key if there is
 * none. `created` says whether this call wrote it (the caller removes it if the database turns out
 * to need another key). Two processes starting together agree on one file: only one creates it.
 */
export function keyFileFor(file: string): { keyring: Keyring; path: string; created: boolean } {
  const path = keyFileBeside(file);
  if (existsSync(path)) return { keyring: readKeyFile(path), path, created: false };
  const text =
    '# Countersign: the keys that encrypt the secrets in the database beside this file.\n' +
    '# The first key encrypts, every key decrypts; see "Secrets at rest" in docs/deploy.md.\n' +
    `${Keyring.generate()}\n`;
  // Written whole under another name, then linked into place: a process starting at the same
  // moment finds either no key file or a complete one.
  const draft = `${path}.${process.pid}.new`;
  try {
    const fd = openSync(draft, 'wx', 0o600);
    try {
      writeSync(fd, text);
      // On disk before any secret is sealed with it.
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(draft, path);
    } catch (error) {
      if ((error as { code?: string }).code === 'EEXIST')
        return { keyring: readKeyFile(path), path, created: false };
      throw error;
    }
    syncDirectory(dirname(path));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot create the key file ${path}: ${(error as Error).message}`);
  } finally {
    rmSync(draft, { force: true });
  }
  return { keyring: parsed(text, `the key file ${path}`), path, created: true };
}

/** Removes a key file this process created and no secret was sealed with. */
export function removeKeyFile(path: string): void {
  unlinkSync(path);
}

function syncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
