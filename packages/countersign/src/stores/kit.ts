/**
 * `countersign/store-kit`: the pieces a store is built from, shared by the SQL stores of
 * `@countersign/sqlite` and `@countersign/postgres` and open to anyone writing a store of their own:
 * the redemption rule of `Store.redeemRequestToken`, the nonce and row caches, and secrets at rest
 * (a keyring sealing each secret to its row, and the key check a database keeps).
 */
export { redemptionOf } from '../provider/store.js';
export { NonceCache } from './nonce-cache.js';
export { CachedRows, ReadCache } from './read-cache.js';
export { type Row, rowReaders } from './rows.js';
export {
  checkKeys,
  currentKeyCheck,
  KEY_CHECK_SETTING,
  refuseSealed,
  reseal,
  type SealedColumn,
  SEALED_COLUMNS,
} from './sealed-columns.js';
export {
  CLEAR_SECRETS,
  isSealed,
  Keyring,
  type SecretBox,
  SecretKeyError,
  type SecretKeyErrorCode,
  secretContext,
} from './secret-box.js';
