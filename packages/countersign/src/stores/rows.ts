/**
 * Turning SQL rows into the provider's records, shared by the SQLite and PostgreSQL stores. The two
 * differ only in how a list is stored (JSON text in SQLite, `TEXT[]` in PostgreSQL). Secrets are
 * opened here, as a row is read: the stores keep the rows signed requests read in their row caches,
 * so a verification does not decrypt anything.
 */
import type { AccessToken, Consumer, RequestToken, User } from '../provider/model.js';
import type { Note, ProblemEvent } from './app-data.js';
import { type SecretBox, secretContext } from './secret-box.js';

export type Row = Record<string, unknown>;

const str = (v: unknown) => v as string;
const optStr = (v: unknown) => (v === null || v === undefined ? undefined : (v as string));
const num = (v: unknown) => Number(v);
const optNum = (v: unknown) => (v === null || v === undefined ? undefined : Number(v));

/** The row readers for a database that stores lists with `list` and secrets sealed by `secrets`. */
export function rowReaders(list: (value: unknown) => string[], secrets: SecretBox) {
  const secret = (r: Row, table: string, key: string) =>
    secrets.open(str(r.secret), secretContext(table, 'secret', key));
  return {
    consumer: (r: Row): Consumer => ({
      key: str(r.key),
      secret: secret(r, 'consumers', str(r.key)),
      name: str(r.name),
      description: optStr(r.description),
      owner: str(r.owner),
      callback: str(r.callback),
      scopes: list(r.scopes),
      signatureMethods: list(r.signature_methods) as Consumer['signatureMethods'],
      twoLegged: r.two_legged === 1 || r.two_legged === true,
      rsaPublicKey: optStr(r.rsa_public_key),
      status: str(r.status) as Consumer['status'],
      createdAt: num(r.created_at),
    }),
    user: (r: Row): User => ({
      name: str(r.name),
      status: str(r.status) as User['status'],
      passwordHash: optStr(r.password_hash),
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
    note: (r: Row): Note => ({
      id: num(r.id),
      user: str(r.user),
      text: str(r.text),
      createdAt: num(r.created_at),
    }),
    problemEvent: (r: Row): ProblemEvent => ({
      at: num(r.at),
      consumerKey: str(r.consumer_key),
      endpoint: str(r.endpoint),
      problem: str(r.problem),
      advice: str(r.advice),
      baseString: optStr(r.base_string),
      unrecorded: Number(r.unrecorded ?? 0) > 0 ? Number(r.unrecorded) : undefined,
    }),
  };
}
