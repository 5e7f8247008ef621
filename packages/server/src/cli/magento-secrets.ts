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

const ENCRYPTED = /^(\d+):(\d+):([A-Za-z0-9+/]+={0,2})$/;
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
  if (text.trimStart().startsWith('<?php')) {
    const value = /['"]crypt['"]\s*=>\s*(?:\[|array\s*\()\s*['"]key['"]\s*=>\s*'([^']*)'/.exec(text)?.[1];
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
  const data = Buffer.from(encoded, 'base64');
  if (data.length < NONCE_BYTES + TAG_BYTES)
    return { fault: 'secret is too short to be a value Magento encrypted' };
  const nonce = data.subarray(0, NONCE_BYTES);
  const text = data.subarray(NONCE_BYTES, data.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(nonce, { plaintextLength: text.length });
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(text), decipher.final()]);
    // Magento's decrypt trims what it decrypted.
    return { plain: plain.toString('utf8').trim() };
  } catch {
    return {
      fault: `secret does not decrypt with Magento key ${version} (another deployment's key, or a damaged value)`,
    };
  }
}

/**
 * Replaces every secret of `file` that Magento encrypted with its plain text, in place; a secret
 * that does not decrypt becomes a fault on its record's line.
 */
export function decryptMagentoSecrets(file: ImportFile, keys: readonly Buffer[]): void {
  for (const list of ['consumers', 'accessTokens'] as const) {
    file.credentials[list].forEach((record, index) => {
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
