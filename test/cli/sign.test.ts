/**
 * `countersign sign` reproduces the wiki's HMAC-SHA1 vector and refuses bad input with a one-line error.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { sign } from '../../src/cli/commands/sign.js';
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
    const run = spawnSync(process.execPath, ['dist/cli/main.js', 'sign', '--url', 'http://x/'], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe('countersign sign: --consumer-key is required');
  });
});
