/**
 * The keyring: key text parsing, the sealed format, a random IV per value, the row as additional
 * authenticated data, and which key seals and which open.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Keyring, SecretKeyError, secretContext } from '../../packages/countersign/src/stores/secret-box.js';

const key = () => randomBytes(32);
const here = secretContext('consumers', 'secret', 'k1');

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof SecretKeyError) return error.code;
    throw error;
  }
  return 'none';
}

describe('Keyring.parse', () => {
  it('reads ID KEY lines with base64, base64url or hex keys, skipping blank lines and comments', () => {
    const ring = Keyring.parse(
      `# keys\n\nnew ${key().toString('base64')}\n  old ${key().toString('hex')}  \nolder ${key().toString('base64url')}\n`,
    );
    expect(ring.ids).toEqual(['new', 'old', 'older']);
    expect(ring.current).toBe('new');
  });

  it('gives a bare key an id of its own, the same each time', () => {
    const bare = key().toString('base64');
    expect(Keyring.parse(bare).current).toBe(Keyring.parse(`\n${bare}\n`).current);
    expect(Keyring.parse(bare).current).toMatch(/^[0-9a-f]{12}$/);
  });

  it('refuses key text that is not keys of 32 bytes, one line naming the line, no key in it', () => {
    const short = randomBytes(16).toString('base64');
    for (const text of [
      '',
      '# only a comment',
      short,
      `a b ${key().toString('hex')}`,
      `bad:id ${key().toString('hex')}`,
    ]) {
      expect(codeOf(() => Keyring.parse(text, 'the key file K'))).toBe('keyring_invalid');
    }
    let message = '';
    try {
      Keyring.parse(`k1 ${short}`, 'the key file K');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('the key file K, line 1');
    expect(message).not.toContain(short);
    const line = `k1 ${key().toString('hex')}`;
    expect(codeOf(() => Keyring.parse(`${line}\n${line}`))).toBe('keyring_invalid');
  });

  it('makes a key file line that parses back', () => {
    const line = Keyring.generate();
    expect(Keyring.parse(line).current).toBe(line.split(' ')[0]);
  });
});

describe('Keyring seal and open', () => {
  const ring = Keyring.parse(`k1 ${key().toString('base64')}`);

  it('seals into enc:v1:<keyId>:<base64url>, with a new IV each time, and opens it again', () => {
    const a = ring.seal('the secret', here);
    const b = ring.seal('the secret', here);
    expect(a).toMatch(/^enc:v1:k1:[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(ring.open(a, here)).toBe('the secret');
    expect(ring.open(b, here)).toBe('the secret');
  });

  it('does not open a value for another row, nor an altered one', () => {
    const sealed = ring.seal('the secret', here);
    expect(codeOf(() => ring.open(sealed, secretContext('consumers', 'secret', 'k2')))).toBe(
      'secret_unreadable',
    );
    expect(codeOf(() => ring.open(sealed, secretContext('access_tokens', 'secret', 'k1')))).toBe(
      'secret_unreadable',
    );
    const body = Buffer.from(sealed.slice('enc:v1:k1:'.length), 'base64url');
    body[body.length - 1] = (body[body.length - 1] ?? 0) ^ 1;
    expect(codeOf(() => ring.open(`enc:v1:k1:${body.toString('base64url')}`, here))).toBe(
      'secret_unreadable',
    );
    expect(codeOf(() => ring.open('enc:v1:k1:', here))).toBe('secret_unreadable');
  });

  it('refuses a value in clear and one under a key it does not hold', () => {
    expect(codeOf(() => ring.open('in clear', here))).toBe('secret_not_sealed');
    const other = Keyring.parse(`k9 ${key().toString('base64')}`);
    expect(codeOf(() => ring.open(other.seal('x', here), here))).toBe('key_unknown');
  });

  it('seals with the first key and opens with every key', () => {
    const oldLine = `old ${key().toString('base64')}`;
    const old = Keyring.parse(oldLine);
    const both = Keyring.parse(`new ${key().toString('base64')}\n${oldLine}`);
    expect(both.open(old.seal('from before', here), here)).toBe('from before');
    expect(both.seal('now', here)).toMatch(/^enc:v1:new:/);
  });

  it('draws its IVs from the random source it is given', () => {
    const fixed = Keyring.parse(`k1 ${'00'.repeat(32)}`, 'test', (size) => Buffer.alloc(size, 7));
    expect(fixed.seal('x', here)).toBe(fixed.seal('x', here));
  });
});
