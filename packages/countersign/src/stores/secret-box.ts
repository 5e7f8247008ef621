/**
 * Secrets at rest: a keyring of AES-256-GCM keys that seals a secret into a versioned text
 * (`enc:v1:<keyId>:<base64url(iv | ciphertext | tag)>`) bound to the row it belongs to, and opens it
 * again. The row's identity is the additional authenticated data, so a ciphertext copied to another
 * row, or altered, does not open. The first key seals; every key opens, which is what lets keys be
 * rotated (docs/deploy.md, "Secrets at rest").
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  type KeyObject,
  randomBytes as cryptoRandomBytes,
} from 'node:crypto';
import { CountersignError } from '../core/countersign-error.js';

/** Why a keyring or a sealed secret was refused. */
export type SecretKeyErrorCode =
  /** The key text is not a list of 32-byte keys. */
  | 'keyring_invalid'
  /** A sealed secret names a key the keyring does not hold. */
  | 'key_unknown'
  /** The keyring holds a key of that id, but not the one the database was sealed with. */
  | 'key_wrong'
  /** A sealed secret does not open: altered, or moved from another row. */
  | 'secret_unreadable'
  /** A secret is stored in clear where the store expects it sealed. */
  | 'secret_not_sealed'
  /** The database's secrets are sealed and the store was given no keyring. */
  | 'keyring_required';

/**
 * A keyring or a sealed secret that cannot be used; `message` is one line, without key material.
 *
 * @example
 * ```ts
 * if (error instanceof SecretKeyError && error.code === 'key_unknown') console.error(error.message);
 * ```
 */
export class SecretKeyError extends CountersignError<SecretKeyErrorCode> {
  override readonly name = 'SecretKeyError';
}

/** What a store needs to keep secrets: seal one for a row, open one read from a row. */
export interface SecretBox {
  /** `context` names the row (see {@link secretContext}). */
  seal(plaintext: string, context: string): string;
  open(stored: string, context: string): string;
}

const PREFIX = 'enc:';
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,40}$/;

/**
 * The additional authenticated data for the secret in `column` of the `table` row keyed `key`.
 *
 * @example
 * ```ts
 * keyring.seal(consumer.secret, secretContext('consumers', 'secret', consumer.key));
 * ```
 */
export function secretContext(table: string, column: string, key: string): string {
  return `countersign:${table}:${column}:${key}`;
}

/**
 * Whether a stored value is sealed (of any version), as opposed to a secret kept in clear.
 *
 * @example
 * ```ts
 * isSealed('enc:v1:k1:…'); // true
 * ```
 */
export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/** The id of the key a sealed value names, or `undefined` for another text. */
export function sealedKeyId(stored: string): string | undefined {
  const [prefix, version, id] = stored.split(':', 3);
  return `${prefix}:` === PREFIX && version === VERSION ? id : undefined;
}

/** 32 bytes from 64 hex digits or from base64 / base64url, or `undefined`. */
function decodeKey(text: string): Buffer | undefined {
  if (/^[0-9a-f]{64}$/i.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const bytes = Buffer.from(text.replaceAll('+', '-').replaceAll('/', '_'), 'base64url');
    if (bytes.length === 32) return bytes;
  }
  return undefined;
}

/** A key's id when its line gives none: a short fingerprint, the same wherever the key is used. */
function fingerprint(key: Buffer): string {
  return createHash('sha256').update('countersign key id').update(key).digest('hex').slice(0, 12);
}

/**
 * The keys secrets are sealed with. Key text holds one key per line, `ID KEY` or just `KEY` (its id
 * is then a fingerprint of the key), the key as 64 hex digits or base64 of 32 bytes; blank lines and
 * `#` comments are skipped. The first key seals, every key opens.
 *
 * @example
 * ```ts
 * const keyring = Keyring.parse(readFileSync('data/countersign.key', 'utf8'));
 * const store = new SqliteStore('data/countersign.db', { secrets: keyring });
 * ```
 */
export class Keyring implements SecretBox {
  readonly #keys: ReadonlyMap<string, KeyObject>;
  readonly #randomBytes: (size: number) => Buffer;
  /** The id of the key that seals. */
  readonly current: string;

  private constructor(keys: Map<string, KeyObject>, randomBytes: (size: number) => Buffer) {
    this.#keys = keys;
    this.#randomBytes = randomBytes;
    this.current = [...keys.keys()][0] as string;
  }

  /**
   * Parses key text (a key file's content, or `COUNTERSIGN_SECRET_KEY`); `source` names it in errors.
   * `randomBytes` draws the IVs (injected for tests).
   */
  static parse(
    text: string,
    source = 'the key text',
    randomBytes: (size: number) => Buffer = cryptoRandomBytes,
  ): Keyring {
    const keys = new Map<string, KeyObject>();
    text.split(/\r?\n/).forEach((raw, index) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const fields = line.split(/\s+/);
      const bytes = decodeKey(fields[fields.length - 1] as string);
      const id = fields.length === 2 ? fields[0] : bytes && fingerprint(bytes);
      const where = `${source}, line ${index + 1}`;
      if (fields.length > 2 || !bytes)
        throw new SecretKeyError(
          'keyring_invalid',
          `${where}: expected "ID KEY" or "KEY", the key as base64 or hex of 32 bytes`,
        );
      if (id === undefined || !KEY_ID.test(id))
        throw new SecretKeyError('keyring_invalid', `${where}: a key id is letters, digits, - and _`);
      if (keys.has(id)) throw new SecretKeyError('keyring_invalid', `${where}: key id ${id} given twice`);
      keys.set(id, createSecretKey(bytes));
    });
    if (keys.size === 0) throw new SecretKeyError('keyring_invalid', `${source} holds no key`);
    return new Keyring(keys, randomBytes);
  }

  /**
   * A new key as a key file line, `ID KEY` (base64url), ready to be put first in a key file.
   *
   * @example
   * ```ts
   * writeFileSync('countersign.key', Keyring.generate() + '\n', { mode: 0o600, flag: 'wx' });
   * ```
   */
  static generate(randomBytes: (size: number) => Buffer = cryptoRandomBytes): string {
    const key = randomBytes(32);
    return `${fingerprint(key)} ${key.toString('base64url')}`;
  }

  /** The ids of every key, the sealing one first. */
  get ids(): string[] {
    return [...this.#keys.keys()];
  }

  seal(plaintext: string, context: string): string {
    const iv = this.#randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(this.current) as KeyObject, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${VERSION}:${this.current}:${body.toString('base64url')}`;
  }

  /** Opens a sealed value; a value in clear, under an unknown key, or that does not open, throws. */
  open(stored: string, context: string): string {
    const id = sealedKeyId(stored);
    if (id === undefined)
      throw new SecretKeyError('secret_not_sealed', `the secret of ${describe(context)} is not encrypted`);
    const key = this.#keys.get(id);
    if (!key)
      throw new SecretKeyError(
        'key_unknown',
        `the secret of ${describe(context)} is encrypted under key ${id}, which the keyring does not hold`,
      );
    const body = Buffer.from(stored.slice(`${PREFIX}${VERSION}:${id}:`.length), 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      const plain = decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES));
      return Buffer.concat([plain, decipher.final()]).toString('utf8');
    } catch {
      throw new SecretKeyError(
        'secret_unreadable',
        `the secret of ${describe(context)} does not decrypt with key ${id}: wrong key, or altered or moved`,
      );
    }
  }
}

/**
 * For a store given no keyring: secrets are kept in clear, and a sealed one (the database was
 * opened with a keyring before) is refused rather than used as a secret.
 *
 * @example
 * ```ts
 * const secrets: SecretBox = keyring ?? CLEAR_SECRETS;
 * ```
 */
export const CLEAR_SECRETS: SecretBox = {
  seal: (plaintext) => plaintext,
  open(stored, context) {
    if (isSealed(stored))
      throw new SecretKeyError(
        'keyring_required',
        `the secret of ${describe(context)} is encrypted; open the store with its keyring`,
      );
    return stored;
  },
};

/** A row named for messages: its table and column, never its key (a token is a credential). */
function describe(context: string): string {
  const [, table = '?', column = '?'] = context.split(':', 3);
  return `a ${table} row (${column})`;
}
