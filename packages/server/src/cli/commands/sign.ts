/**
 * `countersign sign`: prints the base string, the signature and the `Authorization` header of a
 * request, for comparing with what a client computes.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isHttpUrl, signRequest } from 'countersign/client';
import { isSignatureMethodName } from 'countersign';
import { CliError, keyValue } from '../cli-error.js';

export const usage =
  'countersign sign --method GET --url URL [--param k=v ...] [--form k=v ...] --consumer-key K --consumer-secret S\n' +
  '                 [--token T --token-secret TS] [--signature-method M] [--rsa-private-key FILE]\n' +
  '                 [--timestamp T] [--nonce N] [--omit-version] [--json]';

export function sign(args: string[], out: (line: string) => void): void {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      method: { type: 'string', default: 'GET' },
      url: { type: 'string' },
      param: { type: 'string', multiple: true, default: [] },
      form: { type: 'string', multiple: true, default: [] },
      'consumer-key': { type: 'string' },
      'consumer-secret': { type: 'string' },
      token: { type: 'string' },
      'token-secret': { type: 'string' },
      'signature-method': { type: 'string', default: 'HMAC-SHA1' },
      'rsa-private-key': { type: 'string' },
      timestamp: { type: 'string' },
      nonce: { type: 'string' },
      'omit-version': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const url = required(values.url, '--url');
  if (!isHttpUrl(url))
    throw new CliError(
      `--url must be an absolute http or https URL, like http://localhost:3000/api/v1/me, not ${JSON.stringify(url)}`,
    );
  const signatureMethod = values['signature-method'];
  if (!isSignatureMethodName(signatureMethod))
    throw new CliError(`unknown signature method ${signatureMethod}`);
  if (signatureMethod.startsWith('RSA-') && values['rsa-private-key'] === undefined)
    throw new CliError(
      `${signatureMethod} signs with the client's private key: give --rsa-private-key FILE (PEM)`,
    );
  const query = values.param.map((p) => keyValue('--param', p));
  const signed = signRequest({
    method: values.method,
    url: withQuery(url, query),
    form: values.form.map((f) => keyValue('--form', f)),
    consumerKey: required(values['consumer-key'], '--consumer-key'),
    consumerSecret: required(values['consumer-secret'], '--consumer-secret'),
    token: values.token,
    tokenSecret: values['token-secret'],
    signatureMethod,
    privateKey: values['rsa-private-key'] === undefined ? undefined : readKey(values['rsa-private-key']),
    timestamp: values.timestamp,
    nonce: values.nonce,
    version: !values['omit-version'],
  });
  if (values.json) {
    out(
      JSON.stringify({
        base_string: signed.baseString,
        signature: signed.signature,
        authorization: signed.authorization,
      }),
    );
  } else {
    out(`base string:   ${signed.baseString}`);
    out(`signature:     ${signed.signature}`);
    out(`Authorization: ${signed.authorization}`);
  }
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new CliError(`${flag} is required`);
  return value;
}

function withQuery(url: string, query: [string, string][]): string {
  if (query.length === 0) return url;
  const encoded = new URLSearchParams(query).toString();
  return `${url}${url.includes('?') ? '&' : '?'}${encoded}`;
}

function readKey(file: string): KeyObject {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new CliError(`cannot read the RSA private key ${file}`);
  }
  try {
    return createPrivateKey(text);
  } catch (error) {
    throw new CliError(`${file} is not a PEM private key (${(error as Error).message})`);
  }
}
