/**
 * The Magento 2 export of docs/guides/importing.md, run as the guide shows it: Magento's
 * `oauth_consumer` and `oauth_token` tables (its column types) in MariaDB, a few rows, the guide's
 * SQL read from the guide, its output imported with `countersign import`, and a request signed with
 * an imported token verified.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { createProvider } from '../../packages/countersign/src/provider/provider.js';
import { openStore } from '../../packages/server/src/cli/open-store.js';
import { createMariadbDatabase, hasMariadb, mariadb } from '../support/mariadb.js';
import { runCli } from '../support/processes.js';

const guide = readFileSync(new URL('../../docs/guides/importing.md', import.meta.url), 'utf8');
/** The guide's one `sql` block. */
const EXPORT_SQL = /^```sql\n([\s\S]*?)^```$/m.exec(guide)?.[1] ?? '';

/** Magento 2.4's two tables, as its db_schema.xml declares them (foreign keys to its other tables left out). */
const MAGENTO_TABLES = `
CREATE TABLE oauth_consumer (
  entity_id int(10) unsigned NOT NULL AUTO_INCREMENT,
  created_at timestamp NOT NULL DEFAULT current_timestamp(),
  updated_at timestamp NULL DEFAULT '0000-00-00 00:00:00' ON UPDATE current_timestamp(),
  name varchar(255) NOT NULL,
  \`key\` varchar(32) NOT NULL,
  secret varchar(32) NOT NULL,
  callback_url text DEFAULT NULL,
  rejected_callback_url text NOT NULL,
  PRIMARY KEY (entity_id),
  UNIQUE KEY OAUTH_CONSUMER_KEY (\`key\`),
  UNIQUE KEY OAUTH_CONSUMER_SECRET (secret)
) ENGINE=InnoDB;
CREATE TABLE oauth_token (
  entity_id int(10) unsigned NOT NULL AUTO_INCREMENT,
  consumer_id int(10) unsigned DEFAULT NULL,
  admin_id int(10) unsigned DEFAULT NULL,
  customer_id int(10) unsigned DEFAULT NULL,
  type varchar(16) NOT NULL,
  token varchar(32) NOT NULL,
  secret varchar(32) NOT NULL,
  verifier varchar(32) DEFAULT NULL,
  callback_url text NOT NULL,
  revoked smallint(5) unsigned NOT NULL DEFAULT 0,
  authorized smallint(5) unsigned NOT NULL DEFAULT 0,
  user_type int(11) DEFAULT NULL,
  created_at timestamp NOT NULL DEFAULT current_timestamp(),
  PRIMARY KEY (entity_id),
  UNIQUE KEY OAUTH_TOKEN_TOKEN (token),
  KEY OAUTH_TOKEN_CONSUMER_ID (consumer_id),
  CONSTRAINT OAUTH_TOKEN_CONSUMER_ID_OAUTH_CONSUMER_ENTITY_ID FOREIGN KEY (consumer_id)
    REFERENCES oauth_consumer (entity_id) ON DELETE CASCADE
) ENGINE=InnoDB;
`;

const c = (n: number) => `c${n}`.padEnd(32, 'q');
const t = (n: number) => `t${n}`.padEnd(32, 'x');
const s = (n: number) => `s${n}`.padEnd(32, 'z');

const MAGENTO_ROWS = `
SET time_zone = '+00:00';
INSERT INTO oauth_consumer (entity_id, created_at, name, \`key\`, secret, callback_url, rejected_callback_url) VALUES
  (1, '2023-03-04 05:06:07', 'ERP sync', '${c(1)}', '${s(1)}', 'https://erp.example/magento/callback', ''),
  (2, '2023-06-01 00:00:00', 'Shipping', '${c(2)}', '${s(2)}', NULL, '');
INSERT INTO oauth_token (consumer_id, admin_id, customer_id, type, token, secret, verifier, callback_url, revoked, authorized, user_type, created_at) VALUES
  (1, NULL, 42, 'access', '${t(1)}', '${s(11)}', 'v1', 'oob', 0, 1, 3, '2024-01-02 03:04:05'),
  (1, 7, NULL, 'access', '${t(2)}', '${s(12)}', 'v2', 'oob', 1, 1, 2, '2024-01-02 03:04:05'),
  (2, NULL, NULL, 'access', '${t(3)}', '${s(13)}', NULL, 'oob', 0, 1, 1, '2024-02-03 04:05:06'),
  (1, NULL, NULL, 'request', '${t(4)}', '${s(14)}', NULL, 'oob', 0, 0, NULL, '2024-03-01 00:00:00'),
  (NULL, NULL, 43, 'access', '${t(5)}', '${s(15)}', NULL, '', 0, 0, 3, '2024-03-01 00:00:00');
`;

describe.skipIf(!hasMariadb)("the guide's Magento 2 export", () => {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-magento-'));
  const db = join(dir, 'countersign.db');
  let database: { name: string; drop(): void } | undefined;
  let printed = '';

  beforeAll(() => {
    database = createMariadbDatabase();
    mariadb(MAGENTO_TABLES + MAGENTO_ROWS, database.name);
    const json = mariadb(EXPORT_SQL, database.name);
    writeFileSync(join(dir, 'magento.json'), json);
    printed = runCli(['import', join(dir, 'magento.json'), '--db', db]);
  });

  afterAll(() => {
    database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is in the guide', () => {
    expect(EXPORT_SQL).toMatch(/FROM oauth_token t JOIN oauth_consumer c/);
  });

  it('imports the consumers and the authorized access tokens, with accounts for their users', () => {
    expect(printed).toContain('imported 2 consumers and 3 access tokens');
    expect(printed).toMatch(/: admin-7, customer-42, integration-2, magento-admin$/);
  });

  async function verify(consumer: number, token: number, tokenSecret: number) {
    const opened = await openStore({ db }, process.env);
    try {
      const { authorization } = signRequest({
        method: 'GET',
        url: 'https://shop.example/rest/V1/orders?searchCriteria=all',
        consumerKey: c(consumer),
        consumerSecret: s(consumer),
        token: t(token),
        tokenSecret: s(tokenSecret),
      });
      const headers = { host: 'shop.example', authorization };
      const request = { method: 'GET', target: '/rest/V1/orders?searchCriteria=all', headers, secure: true };
      return await createProvider({ store: opened.store }).verify(request);
    } finally {
      await opened.close();
    }
  }

  it('verifies a request signed with an imported token as Magento would have', async () => {
    const verified = await verify(1, 1, 11);
    expect(verified.consumer).toMatchObject({
      name: 'ERP sync',
      owner: 'magento-admin',
      callback: 'https://erp.example/magento/callback',
      createdAt: Date.UTC(2023, 2, 4, 5, 6, 7),
    });
    expect(verified.user).toBe('customer-42');
    expect((await verify(2, 3, 13)).user).toBe('integration-2');
  });

  it('keeps a revoked token refused, and leaves request tokens and non-OAuth tokens behind', async () => {
    await expect(verify(1, 2, 12)).rejects.toMatchObject({ problem: 'token_revoked' });
    await expect(verify(1, 4, 14)).rejects.toMatchObject({ problem: 'token_rejected' });
    const opened = await openStore({ db }, process.env);
    try {
      expect(await opened.store.getAccessToken(t(5))).toBeUndefined();
      expect((await opened.store.getConsumer(c(2)))?.callback).toBe('oob');
    } finally {
      await opened.close();
    }
  });
});
