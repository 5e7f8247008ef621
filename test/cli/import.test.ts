/**
 * `countersign import FILE`: consumers and access tokens with their secrets, from CSV or JSON, so a
 * request signed with the old credentials verifies after the import; a file with faults imports
 * nothing and names each fault's line, never printing a secret.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../packages/server/src/cli/open-store.js';
import { runCli, runCliRefused } from '../support/processes.js';
import { verifyInStore } from '../support/verify-in-store.js';

const dir = mkdtempSync(join(tmpdir(), 'countersign-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONSUMER_SECRET = 'b1fmq6ywhn2ktz0vjx9sg3cpo8dlr4ea';
const TOKEN_SECRET = 'u5o9e2kq7zrc1tx8mjv4wh0ybgd3lfsp';
const CSV = [
  'kind,key,token,secret,consumer_key,name,owner,user,callback,scopes,created_at',
  `consumer,warehouse-sync,,${CONSUMER_SECRET},,Warehouse sync,admin-1,,oob,orders catalog,2024-05-01T10:00:00Z`,
  `access_token,,h7x0c2vq9pmd4ryk1wzj8tgs6lbfa3ne,${TOKEN_SECRET},warehouse-sync,,,customer-42,,orders,`,
  '',
].join('\n');

let files = 0;
function file(name: string, text: string): string {
  const path = join(dir, `${files++}-${name}`);
  writeFileSync(path, text);
  return path;
}

const newDb = () => ['--db', join(dir, `${files++}.db`)];

/** Verifies a request signed with the imported credentials against the store `flags` name. */
const verifyImported = (flags: string[]) =>
  verifyInStore(flags[1] as string, {
    url: 'http://provider.test/api/orders',
    consumerKey: 'warehouse-sync',
    consumerSecret: CONSUMER_SECRET,
    token: 'h7x0c2vq9pmd4ryk1wzj8tgs6lbfa3ne',
    tokenSecret: TOKEN_SECRET,
    scope: 'orders',
  });

describe('countersign import', () => {
  it('imports a CSV file, after which a request signed with the old credentials verifies', async () => {
    const flags = newDb();
    const path = file('magento.csv', CSV);
    expect(runCli(['import', path, '--dry-run', ...flags])).toContain(
      'would import 1 consumers and 1 access tokens',
    );
    await expect(verifyImported(flags)).rejects.toMatchObject({ problem: 'consumer_key_unknown' });
    const out = runCli(['import', path, ...flags]);
    expect(out).toContain('imported 1 consumers and 1 access tokens');
    expect(out).toContain('accounts added without a password');
    expect(out).toMatch(/admin-1, customer-42$/);
    expect(out).not.toContain(CONSUMER_SECRET);
    const verified = await verifyImported(flags);
    expect(verified.user).toBe('customer-42');
    expect(verified.scopes).toEqual(['orders']);
    // The account has no password until an admin gives it one.
    expect(
      runCli(['user', 'add', 'customer-42', '--password-stdin', ...flags], 'correct horse battery\n'),
    ).toBe('user customer-42 given a password');
    expect(runCliRefused(['user', 'add', 'customer-42', '--password-stdin', ...flags]).stderr).toMatch(
      /already exists/,
    );
  });

  it('imports the same records from JSON, with ISO times or milliseconds', async () => {
    const flags = newDb();
    const json = {
      consumers: [
        {
          key: 'warehouse-sync',
          secret: CONSUMER_SECRET,
          name: 'Warehouse sync',
          owner: 'admin-1',
          scopes: ['orders'],
          createdAt: '2024-05-01T10:00:00+02:00',
        },
      ],
      accessTokens: [
        {
          token: 'h7x0c2vq9pmd4ryk1wzj8tgs6lbfa3ne',
          secret: TOKEN_SECRET,
          consumerKey: 'warehouse-sync',
          user: 'customer-42',
          createdAt: 1_714_557_600_000,
        },
      ],
    };
    runCli(['import', file('export.json', JSON.stringify(json, null, 2)), ...flags]);
    expect((await verifyImported(flags)).user).toBe('customer-42');
  });

  it('refuses a CSV file with faults, naming each line, and imports nothing of it', async () => {
    const flags = newDb();
    const bad = [
      'kind,key,token,secret,consumer_key,name,owner,user,scopes',
      `consumer,good-one,,${CONSUMER_SECRET},,Good,admin-1,,`,
      `consumer,no-name,,${CONSUMER_SECRET}x,,,admin-1,,`,
      '',
      `access_token,,tok-1,${TOKEN_SECRET},nobody,,,customer-42,`,
      `access_token,,tok-2,${TOKEN_SECRET},good-one,,,Not A Name,`,
      `access_token,key-here,tok-3,${TOKEN_SECRET},good-one,,,customer-42,`,
      `machine,,,,,,,,`,
    ].join('\n');
    const refused = runCliRefused(['import', file('bad.csv', bad), ...flags]);
    expect(refused.status).toBe(2);
    const lines = refused.stderr.trim().split('\n');
    expect(lines.slice(0, -1).map((l) => /:(\d+): /.exec(l)?.[1])).toEqual(['3', '5', '6', '7', '8']);
    expect(lines[1]).toContain(
      'access token tok-1: no consumer has the key nobody, in the import or the store',
    );
    expect(lines[2]).toMatch(/user Not A Name: User names are/);
    expect(lines[3]).toContain('key is not a column of access_token rows');
    expect(lines.at(-1)).toMatch(/nothing imported: .*bad\.csv has 5 faults/);
    expect(refused.stderr).not.toContain(CONSUMER_SECRET);
    expect(refused.stderr).not.toContain(TOKEN_SECRET);
    const opened = await openStore({ db: flags[1] }, process.env);
    try {
      expect(await opened.store.getConsumer('good-one')).toBeUndefined();
      expect(await opened.store.getUser('admin-1')).toBeUndefined();
    } finally {
      await opened.close();
    }
  });

  it('imports nothing of a file whose only fault is a row the file format refuses', async () => {
    const flags = newDb();
    const text = `kind,key,secret,name,owner\nconsumer,good-two,${CONSUMER_SECRET},Good,admin-1\nmachine,,,,\n`;
    const refused = runCliRefused(['import', file('row.csv', text), ...flags]);
    expect(refused.stderr).toMatch(/row\.csv:3: kind must be consumer or access_token/);
    const opened = await openStore({ db: flags[1] }, process.env);
    try {
      expect(await opened.store.getConsumer('good-two')).toBeUndefined();
    } finally {
      await opened.close();
    }
  });

  it('refuses unknown columns, unreadable CSV and JSON, without quoting the file', () => {
    const flags = newDb();
    const unknown = runCliRefused(['import', file('x.csv', 'kind,key,secret,colour\n'), ...flags]);
    expect(unknown.stderr).toMatch(/x\.csv:1: unknown columns: colour/);
    const quote = runCliRefused([
      'import',
      file('q.csv', `kind,secret\nconsumer,"${CONSUMER_SECRET}"x\n`),
      ...flags,
    ]);
    expect(quote.stderr).toMatch(/q\.csv:2: not valid CSV \(CSV_INVALID_CLOSING_QUOTE\)/);
    expect(quote.stderr).not.toContain(CONSUMER_SECRET);
    const json = runCliRefused([
      'import',
      file('j.json', `{"consumers": [\n{"secret": "${CONSUMER_SECRET}" x}]}`),
      ...flags,
    ]);
    expect(json.stderr).toMatch(/j\.json:2: not valid JSON/);
    expect(json.stderr).not.toContain(CONSUMER_SECRET);
    expect(runCliRefused(['import', join(dir, 'missing.json'), ...flags]).stderr).toMatch(
      /cannot read .*ENOENT/,
    );
    expect(runCliRefused(['import', 'x', '--format', 'xml', ...flags]).status).toBe(2);
  });

  it('names the line of a JSON object at fault, and refuses a stored key unless --replace', async () => {
    const flags = newDb();
    runCli(['import', file('magento.csv', CSV), ...flags]);
    const again = {
      consumers: [
        { key: 'new-one', secret: 'x'.repeat(32), name: 'New', owner: 'admin-1' },
        {
          key: 'warehouse-sync',
          secret: 'rotated-secret',
          name: 'Warehouse sync',
          owner: 'admin-1',
          scopes: ['orders'],
        },
      ],
    };
    const path = file('again.json', JSON.stringify(again, null, 2));
    const refused = runCliRefused(['import', path, ...flags]);
    expect(refused.stderr).toContain(
      `again.json:9: consumer warehouse-sync: a consumer with the key warehouse-sync is already stored`,
    );
    expect(refused.stderr).not.toContain('rotated-secret');
    expect(runCli(['import', path, '--replace', ...flags])).toContain('imported 2 consumers');
    const opened = await openStore({ db: flags[1] }, process.env);
    try {
      expect((await opened.store.getConsumer('warehouse-sync'))?.secret).toBe('rotated-secret');
    } finally {
      await opened.close();
    }
  });
});
