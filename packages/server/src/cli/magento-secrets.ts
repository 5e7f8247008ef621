/**
 * Secrets that Magento 2.4.3-p2 and later keep encrypted, read back for `countersign import
 * --magento-keys FILE`. Magento's encryptor writes `KEY_VERSION:3:BASE64`, the Base64 of a 12-byte
 * nonce, the ciphertext and a 16-byte tag of ChaCha20-Poly1305 (IETF) whose additional data is the
 * nonce, under the key numbered KEY_VERSION in the deployment's `crypt/key` (keys separated by
 * white space, oldest first; each 32 characters, or `base64` and the Base64 of 32 bytes since
 * 2.4.7). A value not in that form is taken as it is: secrets written before the upgrade may still be
 * plain. A value that does not decrypt is a fault of its record; no message quotes a key or a secret.
 */
import { createDecipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CliError } from './cli-error.js';
import type { ImportFile } from './import-file.js';

/** What Magento's encryptor writes; a plain Magento secret (32 letters and digits) has no colon. */
const ENCRYPTED = /^(\d+):(\d+):(.*)$/s;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** What PHP's trim() removes, which Magento's decrypt applies to what it decrypted. */
const PHP_TRIMMED = new Set([0x20, 0x09, 0x0a, 0x0d, 0x00, 0x0b]);
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const CHACHA20_POLY1305 = 3;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const ENCODED_KEY_PREFIX = 'base64';

/**
 * The keys of `crypt/key`, by version, from `path`: Magento's `app/etc/env.php` itself, or a file
 * holding only the value of `crypt/key`.
 */
export function readMagentoKeys(path: string): Buffer[] {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (error) {
    throw new CliError(
      `cannot read the Magento key file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
    );
  }
  // A byte-order mark, as read in Latin-1.
  text = text.replace(/^\xEF\xBB\xBF/, '');
  if (/^\s*<\?php/i.test(text)) {
    const value = cryptKey(text, path);
    if (value === undefined)
      throw new CliError(`${path} has no crypt/key (the 'crypt' => ['key' => '…'] of app/etc/env.php)`);
    text = value;
  }
  const keys = text.trim().split(/\s+/).filter(Boolean);
  if (keys.length === 0) throw new CliError(`${path} holds no Magento key`);
  return keys.map((key, version) => {
    const bytes = key.startsWith(ENCODED_KEY_PREFIX)
      ? Buffer.from(key.slice(ENCODED_KEY_PREFIX.length), 'base64')
      : Buffer.from(key, 'latin1');
    if (bytes.length !== KEY_BYTES)
      throw new CliError(
        `key ${version} in ${path} is not a Magento key: 32 characters, or "base64" and 32 bytes in Base64`,
      );
    return bytes;
  });
}

/** `'crypt' => ['key' => '…']`: PHP's keys are case-sensitive, its `array` is not. */
const CRYPT_KEY =
  /['"]crypt['"]\s*=>\s*(?:\[|[Aa][Rr][Rr][Aa][Yy]\s*\()\s*['"]key['"]\s*=>\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\$]|\\.)*")/g;

/**
 * `php` with its comments (`//`, `#`, `/* … *\/`) blanked out and its quoted strings kept, so that
 * a `crypt` block left in a comment (an old key kept for reference) is not read.
 */
function withoutComments(php: string): string {
  let out = '';
  let i = 0;
  while (i < php.length) {
    const c = php[i] as string;
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < php.length && php[j] !== c) j += php[j] === '\\' ? 2 : 1;
      out += php.slice(i, j + 1);
      i = j + 1;
    } else if (c === '#' || php.startsWith('//', i)) {
      const end = php.indexOf('\n', i);
      i = end < 0 ? php.length : end;
    } else if (php.startsWith('/*', i)) {
      const end = php.indexOf('*/', i + 2);
      i = end < 0 ? php.length : end + 2;
      out += ' ';
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * The value of `'crypt' => ['key' => '…']` in the text of an env.php, as PHP reads the quoted
 * string (Magento writes it single-quoted, with `\\` and `\'` escaped); `undefined` when there is
 * none, and a `CliError` when there is more than one outside comments.
 */
function cryptKey(php: string, path: string): string | undefined {
  const found = [...withoutComments(php).matchAll(CRYPT_KEY)].map((match) => match[1] as string);
  if (found.length > 1)
    throw new CliError(
      `${path} has ${found.length} crypt/key entries; give the value in use in a file of its own`,
    );
  const quoted = found[0];
  if (quoted === undefined) return undefined;
  const body = quoted.slice(1, -1);
  return quoted.startsWith("'") ? body.replace(/\\(['\\])/g, '$1') : body.replace(/\\(["\\$])/g, '$1');
}

/** `bytes` without what PHP's trim() would remove at either end. */
function phpTrimmed(bytes: Buffer): Buffer {
  let start = 0;
  let end = bytes.length;
  while (start < end && PHP_TRIMMED.has(bytes[start] as number)) start++;
  while (end > start && PHP_TRIMMED.has(bytes[end - 1] as number)) end--;
  return bytes.subarray(start, end);
}

/** Why `value` cannot be decrypted, or its plain text. */
function decrypted(value: string, keys: readonly Buffer[]): { plain: string } | { fault: string } {
  const [, version = '', cipher = '', encoded = ''] = ENCRYPTED.exec(value) ?? [];
  const key = keys[Number(version)];
  if (Number(cipher) !== CHACHA20_POLY1305)
    return {
      fault: `secret is encrypted with Magento's cipher ${cipher}; only cipher 3 (ChaCha20-Poly1305) is read`,
    };
  if (!key)
    return {
      fault: `secret is encrypted with Magento key ${version}, and the key file has keys 0 to ${keys.length - 1}`,
    };
  if (!BASE64.test(encoded)) return { fault: 'secret is not the Base64 Magento writes after KEY:3:' };
  const data = Buffer.from(encoded, 'base64');
  if (data.length < NONCE_BYTES + TAG_BYTES)
    return { fault: 'secret is too short to be a value Magento encrypted' };
  const nonce = data.subarray(0, NONCE_BYTES);
  const text = data.subarray(NONCE_BYTES, data.length - TAG_BYTES);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(nonce, { plaintextLength: text.length });
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    plain = Buffer.concat([decipher.update(text), decipher.final()]);
  } catch {
    return {
      fault: `secret does not decrypt with Magento key ${version} (another deployment's key, or a damaged value)`,
    };
  }
  try {
    // Magento's decrypt trims what it decrypted, as PHP's trim() does.
    return { plain: UTF8.decode(phpTrimmed(plain)) };
  } catch {
    return { fault: 'secret decrypts to bytes that are not UTF-8' };
  }
}

/**
 * Replaces every secret of `file` that Magento encrypted with its plain text, in place; a secret
 * that does not decrypt becomes a fault on its record's line.
 */
export function decryptMagentoSecrets(file: ImportFile, keys: readonly Buffer[]): void {
  for (const list of ['consumers', 'accessTokens'] as const) {
    file.credentials[list].forEach((record, index) => {
      if (typeof record !== 'object' || record === null) return;
      const { secret } = record;
      if (typeof secret !== 'string' || !ENCRYPTED.test(secret)) return;
      const result = decrypted(secret, keys);
      if ('plain' in result) {
        record.secret = result.plain;
        return;
      }
      const id = list === 'consumers' ? record.key : record.token;
      const noun = list === 'consumers' ? 'consumer' : 'access token';
      const name = typeof id === 'string' ? `${noun} ${id}` : `${list}[${index}]`;
      file.faults.push({ line: file.lines[list][index] ?? 0, message: `${name}: ${result.fault}` });
    });
  }
}
