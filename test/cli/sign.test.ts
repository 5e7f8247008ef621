/**
 * `countersign sign` reproduces the wiki's HMAC-SHA1 vector, signs with an RSA key file, and refuses
 * bad input with a one-line error.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sign } from '../../packages/server/src/cli/commands/sign.js';
import { SIGNATURE_METHODS } from '../../packages/countersign/src/core/signature-methods.js';
import { vectors } from '../fixtures/vectors.js';

const args = [
  '--url',
  'http://photos.example.net/photos?file=vacation.jpg',
  '--param',
  'size=original',
  '--consumer-key',
  'dpf43f3p2l4k3l03',
  '--consumer-secret',
  'kd94hf93k423kf44',
  '--token',
  'nnch734d00sl2jdk',
  '--token-secret',
  'pfkkdhi9sl3r4s00',
  '--timestamp',
  '1191242096',
  '--nonce',
  'kllo9940pd9333jh',
  '--json',
];

describe('countersign sign', () => {
  it('reproduces RFC 5849 §3.4.1 exactly with --omit-version (the RFC sends no oauth_version)', () => {
    const rfc = vectors.rfc5849_3_4_1;
    const lines: string[] = [];
    sign(
      [
        '--method',
        'POST',
        '--url',
        `http://example.com/request?${rfc.uri_query}`,
        '--form',
        'c2=',
        '--form',
        'a3=2 q',
        '--consumer-key',
        '9djdj82h48djs9d2',
        '--consumer-secret',
        rfc.client_secret,
        '--token',
        'kkk9d7dh3k39sjv7',
        '--token-secret',
        rfc.token_secret,
        '--timestamp',
        '137131201',
        '--nonce',
        '7d8f3e4a',
        '--omit-version',
        '--json',
      ],
      (line) => lines.push(line),
    );
    const printed = JSON.parse(lines[0] ?? '') as Record<string, string>;
    expect(printed.base_string).toBe(rfc.expected_base_string);
    expect(printed.signature).toBe(rfc.expected_signature);
    expect(printed.authorization).not.toContain('oauth_version');
  });

  it('prints the base string, signature and header of the wiki example', () => {
    const lines: string[] = [];
    sign(args, (line) => lines.push(line));
    const printed = JSON.parse(lines[0] ?? '') as Record<string, string>;
    const expected = vectors.hmac_sha1.cases[2];
    expect(printed.base_string).toBe(expected?.base_string);
    expect(printed.signature).toBe(expected?.expected);
    expect(printed.authorization).toContain('oauth_signature="tR3%2BTy81lMeYAr%2FFid0kMTYa%2FWM%3D"');
  });

  it('fails with one line and exit code 2 on bad input', () => {
    const keyless = ['--consumer-key', 'k', '--consumer-secret', 's'];
    const notAKey = join(mkdtempSync(join(tmpdir(), 'countersign-sign-')), 'not-a-key.pem');
    writeFileSync(notAKey, 'hello\n');
    for (const [argv, message] of [
      [['--url', 'http://x/'], 'countersign sign: --consumer-key is required'],
      [
        ['--url', 'notaurl', ...keyless],
        'countersign sign: --url must be an absolute http or https URL, like http://localhost:3000/api/v1/me, not "notaurl"',
      ],
      [
        ['--url', 'http://x/', ...keyless, '--signature-method', 'RSA-SHA1'],
        "countersign sign: RSA-SHA1 signs with the client's private key: give --rsa-private-key FILE (PEM)",
      ],
      [
        ['--url', 'http://x/', ...keyless, '--signature-method', 'RSA-SHA256', '--rsa-private-key', notAKey],
        `countersign sign: ${notAKey} is not a PEM private key (`,
      ],
    ] as const) {
      const run = spawnSync(process.execPath, ['packages/server/dist/cli/main.js', 'sign', ...argv], {
        encoding: 'utf8',
      });
      expect(run.status, argv.join(' ')).toBe(2);
      expect(run.stderr.trim().split('\n'), argv.join(' ')).toHaveLength(1);
      expect(run.stderr.trim().startsWith(message), run.stderr).toBe(true);
    }
    rmSync(dirname(notAKey), { recursive: true, force: true });
  });

  it('signs with RSA-SHA1 from a PEM key file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'countersign-sign-'));
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const file = join(dir, 'key.pem');
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const lines: string[] = [];
    sign(
      [
        '--url',
        'http://x/r',
        '--consumer-key',
        'k',
        '--consumer-secret',
        's',
        '--signature-method',
        'RSA-SHA1',
        '--rsa-private-key',
        file,
        '--json',
      ],
      (line) => lines.push(line),
    );
    const printed = JSON.parse(lines[0] ?? '') as Record<string, string>;
    expect(
      SIGNATURE_METHODS['RSA-SHA1'].verify(printed.base_string ?? '', printed.signature ?? '', {
        consumerSecret: 's',
        tokenSecret: '',
        publicKey,
      }),
    ).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });
});
