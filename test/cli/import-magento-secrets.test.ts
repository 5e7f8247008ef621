/**
 * `countersign import FILE --magento-keys FILE`: secrets that Magento 2.4.3-p2 and later encrypted,
 * encrypted here by PHP's own libsodium binding exactly as Magento's encryptor does
 * (`KEY:3:base64(nonce . ciphertext)`, the nonce as additional data), read back so that a request
 * signed with the plain secrets verifies; a wrong key refuses the file, naming the line and never a
 * key or a secret.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../packages/server/src/cli/open-store.js';
import { runCli, runCliRefused } from '../support/processes.js';
import { verifyInStore } from '../support/verify-in-store.js';

const hasPhpSodium =
  spawnSync('php', ['-r', 'exit(extension_loaded("sodium") ? 0 : 1);'], { stdio: 'ignore' }).status === 0;
if (!hasPhpSodium) {
  if (process.env.CI === 'true') throw new Error('CI needs php-cli (with its sodium extension)');
  console.warn('NOTICE: php with sodium (php-cli) not found; the Magento secret import test is skipped.');
}

const dir = mkdtempSync(join(tmpdir(), 'countersign-magento-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Key 0 as Magento before 2.4.7 made it (32 characters), key 1 as 2.4.7 does ("base64" + 32 bytes).
const OLD_KEY = '6f1c7a2e9b4d8f3a0c5e7b1d2f4a6c8e';
const NEW_KEY = `base64${Buffer.from('0123456789abcdef0123456789ABCDEF').toString('base64')}`;
const CONSUMER_SECRET = 'k2pd8wq4zr7mxn1c5hv9tj3bg6yl0fse';
const TOKEN_SECRET = 'r8mz2wq5kd9pt1vx4cn7hj0gb3yl6fsa';
const TOKEN = 'n4c8v2xm6q0zk5rt9wp3jd7hb1gyl5fs';

/** `plain` encrypted with `keys[version]` the way Magento's Encryptor::encrypt writes it. */
function magentoEncrypt(plain: string | Buffer, keys: string, version: number): string {
  const php = `
    $keys = preg_split('/\\s+/s', trim($argv[1]));
    $key = $keys[(int)$argv[3]];
    if (str_starts_with($key, 'base64')) $key = base64_decode(substr($key, 6));
    $nonce = random_bytes(SODIUM_CRYPTO_AEAD_CHACHA20POLY1305_IETF_NPUBBYTES);
    $cipher = sodium_crypto_aead_chacha20poly1305_ietf_encrypt(hex2bin($argv[2]), $nonce, $nonce, $key);
    echo $argv[3] . ':3:' . base64_encode($nonce . $cipher);`;
  const hex = Buffer.from(plain).toString('hex');
  const run = spawnSync('php', ['-r', php, keys, hex, String(version)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`php failed: ${run.stderr}`);
  return run.stdout;
}

let files = 0;
const newDb = () => ['--db', join(dir, `${files++}.db`)];
function file(name: string, text: string): string {
  const path = join(dir, `${files++}-${name}`);
  writeFileSync(path, text);
  return path;
}

/** An `app/etc/env.php` as Magento writes it, its two keys on two lines of one value. */
const envPhp = (keys: string) =>
  `<?php\nreturn [\n    'backend' => [\n        'frontName' => 'admin_x1'\n    ],\n    'crypt' => [\n        'key' => '${keys}'\n    ],\n    'db' => [\n        'table_prefix' => ''\n    ]\n];\n`;

/** The export of docs/guides/importing.md's query, for one consumer and its token. */
function exportDocument(consumerSecret: string, tokenSecret: string): string {
  return JSON.stringify(
    {
      consumers: [
        {
          key: 'erp-sync',
          secret: consumerSecret,
          name: 'ERP sync',
          owner: 'magento-admin',
          callback: 'oob',
          createdAt: '2023-03-04T05:06:07Z',
        },
      ],
      accessTokens: [
        {
          token: TOKEN,
          secret: tokenSecret,
          consumerKey: 'erp-sync',
          user: 'integration-1',
          createdAt: '2023-03-04T05:06:07Z',
        },
      ],
    },
    null,
    2,
  );
}

const verifies = async (db: string) =>
  (
    await verifyInStore(db, {
      url: 'http://shop.test/rest/V1/orders',
      consumerKey: 'erp-sync',
      consumerSecret: CONSUMER_SECRET,
      token: TOKEN,
      tokenSecret: TOKEN_SECRET,
    })
  ).user;

describe.skipIf(!hasPhpSodium)('countersign import --magento-keys', () => {
  const keys = `${OLD_KEY}\n${NEW_KEY}`;

  it("reads secrets encrypted with either of the deployment's keys, given its env.php", async () => {
    const json = exportDocument(
      magentoEncrypt(CONSUMER_SECRET, keys, 0),
      magentoEncrypt(TOKEN_SECRET, keys, 1),
    );
    expect(json).not.toContain(CONSUMER_SECRET);
    const db = join(dir, `${files++}.db`);
    const out = runCli([
      'import',
      file('magento.json', json),
      '--magento-keys',
      file('env.php', envPhp(keys)),
      '--db',
      db,
    ]);
    expect(out).toContain('imported 1 consumers and 1 access tokens');
    expect(await verifies(db)).toBe('integration-1');
  });

  it('takes a file holding only the key, and secrets written before the upgrade as they are', async () => {
    // Trimmed as Magento's decrypt trims, with PHP's trim().
    const json = exportDocument(magentoEncrypt(`\0 ${CONSUMER_SECRET}\n\t`, keys, 1), TOKEN_SECRET);
    const db = join(dir, `${files++}.db`);
    runCli([
      'import',
      file('magento.json', json),
      '--magento-keys',
      file('magento.key', `${keys}\n`),
      '--db',
      db,
    ]);
    expect(await verifies(db)).toBe('integration-1');
  });

  it("refuses secrets of another deployment's key, naming their lines, and imports nothing", async () => {
    const other = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';
    const json = exportDocument(
      magentoEncrypt(CONSUMER_SECRET, other, 0),
      magentoEncrypt(TOKEN_SECRET, keys, 1),
    );
    const db = join(dir, `${files++}.db`);
    const path = file('magento.json', json);
    const refused = runCliRefused([
      'import',
      path,
      '--magento-keys',
      file('magento.key', OLD_KEY),
      '--db',
      db,
    ]);
    const lines = refused.stderr.trim().split('\n');
    expect(lines).toEqual([
      `${path}:3: consumer erp-sync: secret does not decrypt with Magento key 0 (another deployment's key, or a damaged value)`,
      `${path}:13: access token ${TOKEN}: secret is encrypted with Magento key 1, and the key file has keys 0 to 0`,
      `countersign import: nothing imported: ${path} has 2 faults`,
    ]);
    for (const secret of [other, OLD_KEY, CONSUMER_SECRET, TOKEN_SECRET])
      expect(refused.stderr).not.toContain(secret);
    const opened = await openStore({ db }, process.env);
    try {
      expect(await opened.store.getConsumer('erp-sync')).toBeUndefined();
    } finally {
      await opened.close();
    }
  });

  it('refuses damaged values, each on its line, and reads an env.php in array() form', () => {
    // Key 0 holds a quote and a backslash, which env.php escapes as PHP writes them.
    const quoted = `${OLD_KEY.slice(0, 30)}'\\`;
    const env = `<?PHP\nreturn array (\n  'crypt' => \n  array (\n    'key' => '${quoted.replace(/[\\']/g, '\\$&')}\n${NEW_KEY}',\n  ),\n);\n`;
    const good = magentoEncrypt(CONSUMER_SECRET, keys, 1);
    const damagedTag = `${good.slice(0, -3)}${good.at(-3) === 'A' ? 'B' : 'A'}${good.slice(-2)}`;
    const secrets: Record<string, string> = {
      'old-cipher': '0:2:c2VjcmV0c2VjcmV0c2VjcmV0',
      'not-base64': '1:3:abc$',
      'too-short': '1:3:AAAA',
      'damaged-tag': damagedTag,
      // Decrypts only if key 0 was read from env.php unescaped.
      'not-utf8': magentoEncrypt(Buffer.from([0x61, 0xa0, 0x62]), `${quoted}\n${NEW_KEY}`, 0),
    };
    const consumers = Object.entries(secrets).map(([key, secret]) => ({
      key,
      secret,
      name: key,
      owner: 'magento-admin',
      callback: 'oob',
    }));
    const text = JSON.stringify({ consumers: [null, ...consumers], accessTokens: [] }, null, 2);
    const path = file('damaged.json', text);
    const refused = runCliRefused(['import', path, '--magento-keys', file('env.php', env), ...newDb()]);
    const lineOf = (key: string) => text.split('\n').findIndex((l) => l.includes(`"key": "${key}"`));
    const said = (key: string, what: string) => `${path}:${lineOf(key)}: consumer ${key}: ${what}`;
    expect(refused.stderr).toContain(`${path}:3: consumer consumers[0]: is not a record`);
    expect(refused.stderr).toContain(
      said(
        'old-cipher',
        "secret is encrypted with Magento's cipher 2; only cipher 3 (ChaCha20-Poly1305) is read",
      ),
    );
    expect(refused.stderr).toContain(
      said('not-base64', 'secret is not the Base64 Magento writes after KEY:3:'),
    );
    expect(refused.stderr).toContain(
      said('too-short', 'secret is too short to be a value Magento encrypted'),
    );
    expect(refused.stderr).toContain(
      said(
        'damaged-tag',
        "secret does not decrypt with Magento key 1 (another deployment's key, or a damaged value)",
      ),
    );
    expect(refused.stderr).toContain(said('not-utf8', 'secret decrypts to bytes that are not UTF-8'));
    expect(refused.stderr).toMatch(/nothing imported: .* has 6 faults\n$/);
    expect(refused.stderr).not.toMatch(/TypeError|\n\s+at /);
  });

  it('reads past crypt blocks left in comments, and refuses an env.php with two in use', async () => {
    const json = exportDocument(magentoEncrypt(CONSUMER_SECRET, keys, 1), TOKEN_SECRET);
    const stale = "'crypt' => ['key' => 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],";
    // Comment markers inside strings are the strings' own, and a quote inside a comment is not one.
    const env = envPhp(keys).replace(
      "    'crypt' => [",
      [
        `    // ${stale}`,
        `    # ${stale} it's stale`,
        `    /* ${stale}\n    ${stale} */`,
        "    'cache' => ['frontend' => ['id_prefix' => 'x//y#z/*']],",
        "    'crypt' => [",
      ].join('\n'),
    );
    const db = join(dir, `${files++}.db`);
    runCli(['import', file('magento.json', json), '--magento-keys', file('env.php', env), '--db', db]);
    expect(await verifies(db)).toBe('integration-1');

    const twice = file('env.php', envPhp(keys).replace('];\n', `    ${stale}\n];\n`));
    expect(
      runCliRefused([
        'import',
        file('magento.json', json),
        '--magento-keys',
        twice,
        ...newDb(),
      ]).stderr.trim(),
    ).toBe(
      `countersign import: ${twice} has 2 crypt/key entries; give the value in use in a file of its own`,
    );
  });

  it('refuses a key file without a Magento key in one line', () => {
    const json = file('magento.json', exportDocument(CONSUMER_SECRET, TOKEN_SECRET));
    const db = ['--db', join(dir, `${files++}.db`)];
    const short = file('short.key', 'abc');
    expect(runCliRefused(['import', json, '--magento-keys', short, ...db]).stderr.trim()).toBe(
      `countersign import: key 0 in ${short} is not a Magento key: 32 characters, or "base64" and 32 bytes in Base64`,
    );
    const env = file('env.php', "<?php\nreturn ['db' => []];\n");
    expect(runCliRefused(['import', json, '--magento-keys', env, ...db]).stderr.trim()).toBe(
      `countersign import: ${env} has no crypt/key (the 'crypt' => ['key' => '…'] of app/etc/env.php)`,
    );
    const missing = join(dir, 'none.key');
    expect(runCliRefused(['import', json, '--magento-keys', missing, ...db]).stderr.trim()).toBe(
      `countersign import: cannot read the Magento key file ${missing}: ENOENT`,
    );
  });
});
