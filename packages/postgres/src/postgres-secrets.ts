/**
 * The PostgreSQL store's secrets at rest: the sealed columns (`sealed-columns.ts`) checked against
 * the keyring when an instance connects, sealed in place the first time a keyring opens a database
 * that kept them in clear, and sealed again under the sealing key by `reencryptSecrets` (key
 * rotation). Each runs in the caller's transaction, under the migrations' advisory lock, so
 * instances starting together seal once.
 */
import type pg from 'pg';
import {
  checkKeys,
  currentKeyCheck,
  KEY_CHECK_SETTING,
  refuseSealed,
  reseal,
  SEALED_COLUMNS,
  CLEAR_SECRETS,
  type Keyring,
  type Row,
  type SecretBox,
} from 'countersign/store-kit';
import type { PostgresTables } from './postgres-schema.js';

async function storedCheck(client: pg.PoolClient, t: PostgresTables): Promise<string | undefined> {
  const { rows } = await client.query<Row>(`SELECT value FROM ${t.meta} WHERE name = $1`, [
    KEY_CHECK_SETTING,
  ]);
  return rows[0]?.value as string | undefined;
}

async function saveCheck(client: pg.PoolClient, t: PostgresTables, value: string): Promise<void> {
  await client.query(
    `INSERT INTO ${t.meta} (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = $2`,
    [KEY_CHECK_SETTING, value],
  );
}

/**
 * What seals and opens the database's secrets: `keyring`, after checking that it holds every key
 * they were sealed with (sealing them first if they were in clear); or, without a keyring, secrets
 * in clear, refusing a database whose secrets are sealed.
 */
export async function openSecrets(
  client: pg.PoolClient,
  t: PostgresTables,
  keyring: Keyring | undefined,
): Promise<SecretBox> {
  const stored = await storedCheck(client, t);
  if (!keyring) {
    refuseSealed(stored);
    return CLEAR_SECRETS;
  }
  const check = checkKeys(stored, keyring);
  if (stored === undefined) await resealAll(client, t, keyring);
  if (check !== stored) await saveCheck(client, t, check);
  return keyring;
}

/**
 * Seals every secret again under the keyring's sealing key, and lets the key check name that key
 * alone: the other keys may then be removed. Returns how many were sealed.
 */
export async function reencryptSecrets(
  client: pg.PoolClient,
  t: PostgresTables,
  keyring: Keyring,
): Promise<number> {
  const count = await resealAll(client, t, keyring);
  await saveCheck(client, t, currentKeyCheck(keyring));
  return count;
}

async function resealAll(client: pg.PoolClient, t: PostgresTables, keyring: Keyring): Promise<number> {
  let count = 0;
  for (const column of SEALED_COLUMNS) {
    const { key, column: name } = column;
    const table = t.table(column.table);
    // A column that may be NULL (the previous secret) has nothing to seal in those rows.
    const { rows } = await client.query<Row>(
      `SELECT ${key} AS k, ${name} AS v FROM ${table} WHERE ${name} IS NOT NULL FOR UPDATE`,
    );
    if (rows.length === 0) continue;
    const keys = rows.map((r) => r.k as string);
    const values = rows.map((r) => reseal(r.v as string, column, r.k as string, keyring));
    // One statement for the whole table, the new values paired with their keys.
    await client.query(
      `UPDATE ${table} AS t SET ${name} = s.v FROM unnest($1::text[], $2::text[]) AS s(k, v) WHERE t.${key} = s.k`,
      [keys, values],
    );
    count += rows.length;
  }
  return count;
}
