/**
 * The reference server's own data — accounts, settings, sessions, notes, the problem log, LTI
 * launch records — in
 * memory, in SQLite and in PostgreSQL, each on the store's connection in tables of its own
 * (`countersign_server_…`): one suite for the three, and the settings sealed at rest with the
 * store's keyring, sealed in place when they were kept in clear, and sealed again on rotation.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../packages/postgres/src/postgres-store.js';
import { SqliteStore } from '../../packages/sqlite/src/sqlite-store.js';
import { MemoryServerData } from '../../packages/server/src/data/memory-data.js';
import { PostgresServerData } from '../../packages/server/src/data/postgres-data.js';
import { PROBLEMS_KEPT, type ServerData } from '../../packages/server/src/data/server-data.js';
import { SqliteServerData } from '../../packages/server/src/data/sqlite-data.js';
import { keyLine, keyring } from '../stores/secrets-suite.js';
import { createDatabase, hasPostgres } from '../support/services.js';

interface Opened {
  readonly data: ServerData;
  close(): Promise<void>;
}

const KINDS: { name: string; skip: boolean; open: () => Promise<Opened> }[] = [
  {
    name: 'memory',
    skip: false,
    open: () => Promise.resolve({ data: new MemoryServerData(), close: () => Promise.resolve() }),
  },
  {
    name: 'SQLite',
    skip: false,
    open: () => {
      const dir = mkdtempSync(join(tmpdir(), 'countersign-data-'));
      const store = new SqliteStore(join(dir, 'server.db'));
      return Promise.resolve({
        data: new SqliteServerData(store.database, undefined),
        async close() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      });
    },
  },
  {
    name: 'PostgreSQL',
    skip: !hasPostgres,
    open: async () => {
      const database = await createDatabase();
      const store = await PostgresStore.connect(database.url);
      return {
        data: await PostgresServerData.connect(store.pool, undefined),
        async close() {
          await store.close();
          await database.drop();
        },
      };
    },
  },
];

describe.each(KINDS)('the server data in $name', ({ skip, open }) => {
  let opened: Opened;
  let data: ServerData;
  beforeEach(async () => {
    if (skip) return;
    opened = await open();
    data = opened.data;
  });
  afterEach(async () => {
    if (!skip) await opened.close();
  });

  it.skipIf(skip)(
    'gives an account once, also when many sign up at once, and changes its password',
    async () => {
      const added = await Promise.all(
        Array.from({ length: 20 }, (_, i) => data.addAccount('carol', `scrypt$${i}`, 5)),
      );
      expect(added.filter(Boolean)).toHaveLength(1);
      const winner = added.indexOf(true);
      expect(await data.getPasswordHash('carol')).toBe(`scrypt$${winner}`);
      expect(await data.addAccount('carol', 'scrypt$late', 6)).toBe(false);
      await data.setPasswordHash('carol', 'scrypt$new');
      expect(await data.getPasswordHash('carol')).toBe('scrypt$new');
      expect(await data.getPasswordHash('nobody')).toBeUndefined();
    },
  );

  it.skipIf(skip)('keeps the first value of a setting', async () => {
    expect(await data.ensureSetting('cookie', 'one')).toBe('one');
    expect(await data.ensureSetting('cookie', 'two')).toBe('one');
  });

  it.skipIf(skip)('keeps sessions, sweeps ended ones, and ends a user’s others', async () => {
    await data.createSession({ idHash: 'a', user: 'ann', createdAt: 10, expiresAt: 100 });
    await data.createSession({ idHash: 'b', user: 'ann', createdAt: 20, expiresAt: 200 });
    await data.createSession({ idHash: 'c', user: 'bob', createdAt: 30, expiresAt: 300 });
    await data.touchSession('a', 150);
    expect(await data.getSession('a')).toEqual({ idHash: 'a', user: 'ann', createdAt: 10, expiresAt: 150 });
    expect(await data.deleteUserSessions('ann', 'b')).toBe(1);
    expect(await data.getSession('a')).toBeUndefined();
    // A session created after another has ended sweeps it.
    await data.createSession({ idHash: 'd', user: 'dan', createdAt: 250, expiresAt: 900 });
    expect(await data.getSession('b')).toBeUndefined();
    expect(await data.getSession('c')).toMatchObject({ user: 'bob' });
    await data.deleteSession('c');
    expect(await data.getSession('c')).toBeUndefined();
  });

  it.skipIf(skip)('keeps LTI launch records, sweeping those ended when a new one is made', async () => {
    const record = {
      idHash: 'h'.repeat(64),
      consumerKey: 'moodle-school-a',
      serviceUrl: 'https://lms.example/outcomes?x=1',
      sourcedid: 'course:link:user',
      createdAt: 1_000,
      expiresAt: 5_000,
    };
    await data.createLaunchRecord(record);
    expect(await data.getLaunchRecord(record.idHash)).toEqual(record);
    expect(await data.getLaunchRecord('g'.repeat(64))).toBeUndefined();
    await data.createLaunchRecord({ ...record, idHash: 'i'.repeat(64), createdAt: 4_999, expiresAt: 9_000 });
    expect(await data.getLaunchRecord(record.idHash)).toEqual(record);
    await data.createLaunchRecord({ ...record, idHash: 'j'.repeat(64), createdAt: 5_000, expiresAt: 9_000 });
    expect(await data.getLaunchRecord(record.idHash)).toBeUndefined();
    expect(await data.getLaunchRecord('i'.repeat(64))).toMatchObject({ expiresAt: 9_000 });
  });

  it.skipIf(skip)('adds, lists and deletes notes per user', async () => {
    const first = await data.addNote('bob', 'hello', 10);
    const second = await data.addNote('bob', 'world', 20);
    await data.addNote('carol', 'other', 30);
    expect(second.id).toBeGreaterThan(first.id);
    expect((await data.listNotes('bob')).map((n) => n.text)).toEqual(['world', 'hello']);
    expect(await data.deleteNote('carol', first.id)).toBe(false);
    expect(await data.deleteNote('bob', first.id)).toBe(true);
    expect(await data.listNotes('bob')).toEqual([
      { id: second.id, user: 'bob', text: 'world', createdAt: 20 },
    ]);
  });

  it.skipIf(skip)('keeps the newest problems per consumer', async () => {
    const none = new Map<string, number>();
    for (let i = 0; i < PROBLEMS_KEPT + 5; i++) {
      const event = { at: i, consumerKey: 'c1', endpoint: 'resource', problem: 'nonce_used', advice: 'a' };
      await data.recordProblems({ events: [event], unrecorded: none });
    }
    const c2 = {
      at: 1,
      consumerKey: 'c2',
      endpoint: 'token',
      problem: 'signature_invalid',
      advice: 'b',
      baseString: 'GET&x&y',
    };
    await data.recordProblems({ events: [c2], unrecorded: none });
    const listed = await data.listProblems('c1');
    expect(listed).toHaveLength(PROBLEMS_KEPT);
    expect(listed[0]?.at).toBe(PROBLEMS_KEPT + 4);
    expect(await data.listProblems('c2')).toEqual([c2]);
  });

  it.skipIf(skip)('records a batch at once, and counts the unrecorded ones on the newest event', async () => {
    const event = (at: number, consumerKey: string) => ({
      at,
      consumerKey,
      endpoint: 'resource',
      problem: 'signature_invalid',
      advice: 'a',
    });
    const batch = Array.from({ length: PROBLEMS_KEPT + 3 }, (_, i) => event(i, 'b1'));
    await data.recordProblems({ events: [...batch, event(7, 'b2')], unrecorded: new Map([['b1', 4]]) });
    await data.recordProblems({
      events: [],
      unrecorded: new Map([
        ['b1', 6],
        ['b2', 1],
        ['nobody', 9],
      ]),
    });
    const listed = await data.listProblems('b1');
    expect(listed).toHaveLength(PROBLEMS_KEPT);
    expect(listed.map((p) => p.at)).toEqual(
      batch
        .map((p) => p.at)
        .reverse()
        .slice(0, PROBLEMS_KEPT),
    );
    expect(listed[0]?.unrecorded).toBe(10);
    expect(listed.slice(1).every((p) => p.unrecorded === undefined)).toBe(true);
    expect(await data.listProblems('b2')).toEqual([{ ...event(7, 'b2'), unrecorded: 1 }]);
    expect(await data.listProblems('nobody')).toEqual([]);
  });
});

describe('the server settings at rest in SQLite', () => {
  it('are sealed with the keyring, sealed in place when in clear, and sealed again on rotation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'countersign-data-secrets-'));
    const file = join(dir, 'server.db');
    const text = () =>
      [file, `${file}-wal`]
        .filter((path) => existsSync(path))
        .map((path) => readFileSync(path).toString('latin1'))
        .join('');
    try {
      // Without a keyring (a server from before secrets were sealed) the cookie key is in clear.
      let store = new SqliteStore(file);
      await new SqliteServerData(store.database, undefined).ensureSetting(
        'cookie-secret',
        'cookie-key-in-clear',
      );
      await store.close();
      const a = keyLine('a');
      store = new SqliteStore(file, { secrets: keyring(a) });
      let data = new SqliteServerData(store.database, keyring(a));
      expect(await data.ensureSetting('cookie-secret', 'other')).toBe('cookie-key-in-clear');
      const sealed = store.database
        .prepare("SELECT value FROM countersign_server_settings WHERE name = 'cookie-secret'")
        .pluck()
        .get();
      expect(sealed).toMatch(/^enc:v1:a:/);
      await store.close();
      expect(text()).not.toContain('cookie-key-in-clear');
      // Rotated to b: the server's settings, then the store's secrets.
      const b = keyLine('b');
      store = new SqliteStore(file, { secrets: keyring(b, a) });
      data = new SqliteServerData(store.database, keyring(b, a));
      expect(data.reencryptSecrets(keyring(b, a))).toBe(1);
      await store.reencryptSecrets();
      await store.close();
      store = new SqliteStore(file, { secrets: keyring(b) });
      data = new SqliteServerData(store.database, keyring(b));
      expect(await data.ensureSetting('cookie-secret', 'other')).toBe('cookie-key-in-clear');
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
