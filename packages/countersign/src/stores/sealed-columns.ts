/**
 * Which columns of the SQL stores hold sealed secrets, and the key check both stores keep in a
 * table of their own: one sealed constant per key that may have sealed something in the database.
 * It lets a store opened with the wrong key, or without a key the rows need, stop at once with one
 * line, instead of failing on the first row a request reads.
 */
import { isSealed, type Keyring, SecretKeyError, sealedKeyId, secretContext } from './secret-box.js';

/**
 * A column holding a secret, in a table whose rows are keyed by `key`. `table` is the logical name
 * (`consumers`), which the secret's context names; the table itself may carry a prefix.
 */
export interface SealedColumn {
  readonly table: string;
  readonly key: string;
  readonly column: string;
}

/** The name of the row holding the key check, in the store's own table of such values. */
export const KEY_CHECK_SETTING = 'secret-keys';

/**
 * The engine's secrets: consumer secrets (the current one, and the previous one in a rotation's
 * grace period, which may be NULL), request- and access-token secrets.
 */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  { table: 'consumers', key: 'key', column: 'secret' },
  { table: 'consumers', key: 'key', column: 'previous_secret' },
  { table: 'request_tokens', key: 'token', column: 'secret' },
  { table: 'access_tokens', key: 'token', column: 'secret' },
];

const CHECK_PLAINTEXT = 'countersign key check';
const CHECK_CONTEXT = secretContext('settings', 'value', KEY_CHECK_SETTING);

/**
 * The key check's value once `keyring` has opened the database: every key named in `stored` must
 * be in the keyring and be the same key, else this throws; the sealing key is added when missing.
 * `stored` is `undefined` for a database not yet sealed.
 *
 * @example
 * ```ts
 * const check = checkKeys(readKeyCheck(), keyring); // throws SecretKeyError on a wrong keyring
 * if (check !== readKeyCheck()) saveKeyCheck(check);
 * ```
 */
export function checkKeys(stored: string | undefined, keyring: Keyring): string {
  const checks = stored === undefined ? [] : stored.split(' ');
  for (const check of checks) {
    const id = sealedKeyId(check) ?? '?';
    if (!keyring.ids.includes(id))
      throw new SecretKeyError(
        'key_unknown',
        `the database's secrets are encrypted under key ${id}, which the keyring does not hold`,
      );
    let opened: string | undefined;
    try {
      opened = keyring.open(check, CHECK_CONTEXT);
    } catch {
      opened = undefined;
    }
    if (opened !== CHECK_PLAINTEXT)
      throw new SecretKeyError(
        'key_wrong',
        `key ${id} of the keyring is not the key ${id} the database's secrets were encrypted with`,
      );
  }
  if (checks.some((check) => sealedKeyId(check) === keyring.current)) return stored as string;
  return [...checks, keyring.seal(CHECK_PLAINTEXT, CHECK_CONTEXT)].join(' ');
}

/**
 * The key check after every secret has been sealed again under the sealing key alone.
 *
 * @example
 * ```ts
 * saveKeyCheck(currentKeyCheck(keyring)); // once every secret is sealed again
 * ```
 */
export function currentKeyCheck(keyring: Keyring): string {
  return keyring.seal(CHECK_PLAINTEXT, CHECK_CONTEXT);
}

/**
 * For a store without a keyring: a database whose secrets are sealed is refused at once.
 *
 * @example
 * ```ts
 * if (!keyring) refuseSealed(readKeyCheck());
 * ```
 */
export function refuseSealed(stored: string | undefined): void {
  if (stored !== undefined)
    throw new SecretKeyError(
      'keyring_required',
      "the database's secrets are encrypted: open the store with its keyring (the secrets option)",
    );
}

/**
 * A stored value sealed again under the sealing key: one in clear (a database from before secrets
 * were sealed) is sealed as it is, one sealed under any key of the keyring is opened first.
 *
 * @example
 * ```ts
 * const value = reseal(row.secret, SEALED_COLUMNS[0], row.key, keyring);
 * ```
 */
export function reseal(stored: string, column: SealedColumn, rowKey: string, keyring: Keyring): string {
  const context = secretContext(column.table, column.column, rowKey);
  return keyring.seal(isSealed(stored) ? keyring.open(stored, context) : stored, context);
}
