/**
 * Turning SQL rows (snake_case columns) into the provider's records, shared by the SQLite and
 * PostgreSQL stores. The two differ only in how a list is stored (JSON text in SQLite, `TEXT[]` in
 * PostgreSQL). Secrets are opened here, as a row is read: the stores keep the rows signed requests
 * read in their row caches, so a verification does not decrypt anything.
 */
import type { AccessToken, Consumer, PreviousSecret, RequestToken, User } from '../provider/model.js';
import { type SecretBox, secretContext } from './secret-box.js';

/** A row as a SQL driver gives it. */
export type Row = Record<string, unknown>;

const str = (v: unknown) => v as string;
const optStr = (v: unknown) => (v === null || v === undefined ? undefined : (v as string));
const num = (v: unknown) => Number(v);
const optNum = (v: unknown) => (v === null || v === undefined ? undefined : Number(v));

/**
 * The row readers for a database that stores lists with `list` and secrets sealed by `secrets`.
 * Secrets are opened in the context of the row's logical table (`consumers`, …), whatever prefix
 * the table has, so that moving or renaming a table leaves its secrets readable.
 *
 * @example
 * ```ts
 * const read = rowReaders((v) => JSON.parse(v as string) as string[], keyring);
 * const consumer = read.consumer(row);
 * ```
 */
export function rowReaders(list: (value: unknown) => string[], secrets: SecretBox) {
  const secret = (r: Row, table: string, key: string) =>
    secrets.open(str(r.secret), secretContext(table, 'secret', key));
  const previousSecret = (r: Row): PreviousSecret | undefined =>
    r.previous_secret === null || r.previous_secret === undefined
      ? undefined
      : {
          secret: secrets.open(
            str(r.previous_secret),
            secretContext('consumers', 'previous_secret', str(r.key)),
          ),
          expiresAt: num(r.previous_secret_expires_at),
        };
  return {
    consumer: (r: Row): Consumer => ({
      key: str(r.key),
      secret: secret(r, 'consumers', str(r.key)),
      previousSecret: previousSecret(r),
      name: str(r.name),
      description: optStr(r.description),
      owner: str(r.owner),
      callback: str(r.callback),
      scopes: list(r.scopes),
      signatureMethods: list(r.signature_methods) as Consumer['signatureMethods'],
      twoLegged: r.two_legged === 1 || r.two_legged === true,
      rsaPublicKey: optStr(r.rsa_public_key),
      lti: r.lti === 1 || r.lti === true,
      status: str(r.status) as Consumer['status'],
      createdAt: num(r.created_at),
    }),
    user: (r: Row): User => ({
      name: str(r.name),
      status: str(r.status) as User['status'],
      createdAt: num(r.created_at),
    }),
    requestToken: (r: Row): RequestToken => ({
      token: str(r.token),
      secret: secret(r, 'request_tokens', str(r.token)),
      consumerKey: str(r.consumer_key),
      callback: str(r.callback),
      scopes: list(r.scopes),
      state: str(r.state) as RequestToken['state'],
      user: optStr(r.user),
      grantedScopes: r.granted_scopes === null ? undefined : list(r.granted_scopes),
      verifier: optStr(r.verifier),
      verifierFailures: num(r.verifier_failures),
      createdAt: num(r.created_at),
      expiresAt: num(r.expires_at),
    }),
    accessToken: (r: Row): AccessToken => ({
      token: str(r.token),
      secret: secret(r, 'access_tokens', str(r.token)),
      consumerKey: str(r.consumer_key),
      user: str(r.user),
      scopes: list(r.scopes),
      createdAt: num(r.created_at),
      expiresAt: optNum(r.expires_at),
      revokedAt: optNum(r.revoked_at),
      lastUsedAt: optNum(r.last_used_at),
    }),
  };
}
