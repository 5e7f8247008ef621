/**
 * `countersign sign`: prints the base string, the signature and the `Authorization` header of a
 * request, for comparing with what a client computes.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isHttpUrl, signRequest } from 'countersign/client';
import { isSignatureMethodName, SIGNATURE_METHOD_NAMES, type SignatureMethodName } from 'countersign';
import { CliError, InvalidValueError, keyValue } from '../cli-error.js';
import { command } from '../command-definition.js';
import { anyText, flag, option, repeated } from '../option-types.js';

const httpUrl = (text: string) => {
  if (!isHttpUrl(text))
    throw new InvalidValueError(
      `must be an absolute http or https URL, like http://localhost:3000/api/v1/me, not ${JSON.stringify(text)}`,
    );
  return text;
};

const signatureMethodName = (text: string): SignatureMethodName => {
  if (!isSignatureMethodName(text))
    throw new InvalidValueError(`must be one of ${SIGNATURE_METHOD_NAMES.join(', ')}`);
  return text;
};

export const sign = command({
  summary: "Prints a request's signature base string, signature and Authorization header, without sending it",
  description:
    "For comparing with what a client computes. --omit-version leaves out oauth_version, as RFC 5849's\n" +
    'own examples do, so that they are reproduced exactly.',
  options: {
    method: option({ value: 'METHOD', help: 'the HTTP method', parse: anyText, default: 'GET' }),
    url: option({
      value: 'URL',
      help: 'the request URL; its query is signed',
      parse: httpUrl,
      required: true,
    }),
    param: repeated({ value: 'k=v', help: 'a query parameter added to the URL', parse: anyText }),
    form: repeated({ value: 'k=v', help: 'a form body parameter', parse: anyText }),
    'consumer-key': option({ value: 'K', help: 'the consumer key', parse: anyText, required: true }),
    'consumer-secret': option({
      value: 'S',
      help: 'the consumer secret',
      parse: (text) => text,
      required: true,
    }),
    token: option({ value: 'T', help: 'the token (none for a two-legged request)', parse: anyText }),
    'token-secret': option({ value: 'TS', help: "the token's secret", parse: (text) => text }),
    'signature-method': option<SignatureMethodName>({
      value: 'M',
      help: `one of ${SIGNATURE_METHOD_NAMES.join(', ')}`,
      parse: signatureMethodName,
      default: 'HMAC-SHA1',
    }),
    'rsa-private-key': option({
      value: 'FILE',
      help: 'the PEM private key, for the RSA methods',
      parse: anyText,
    }),
    timestamp: option({ value: 'T', help: 'oauth_timestamp (default now)', parse: anyText }),
    nonce: option({ value: 'N', help: 'oauth_nonce (default random)', parse: anyText }),
    'omit-version': flag({ help: 'leave out oauth_version' }),
    json: flag({ help: 'print one JSON object' }),
  },
  prints: '{"base_string": "...", "signature": "...", "authorization": "OAuth ..."}',
  run(values, _positionals, io) {
    const signatureMethod = values['signature-method'];
    if (signatureMethod.startsWith('RSA-') && values['rsa-private-key'] === undefined)
      throw new CliError(
        `${signatureMethod} signs with the client's private key: give --rsa-private-key FILE (PEM)`,
      );
    const query = values.param.map((p) => keyValue('--param', p));
    const signed = signRequest({
      method: values.method,
      url: withQuery(values.url, query),
      form: values.form.map((f) => keyValue('--form', f)),
      consumerKey: values['consumer-key'],
      consumerSecret: values['consumer-secret'],
      token: values.token,
      tokenSecret: values['token-secret'],
      signatureMethod,
      privateKey: values['rsa-private-key'] === undefined ? undefined : readKey(values['rsa-private-key']),
      timestamp: values.timestamp,
      nonce: values.nonce,
      version: !values['omit-version'],
    });
    if (values.json) {
      io.out(
        JSON.stringify({
          base_string: signed.baseString,
          signature: signed.signature,
          authorization: signed.authorization,
        }),
      );
    } else {
      io.out(`base string:   ${signed.baseString}`);
      io.out(`signature:     ${signed.signature}`);
      io.out(`Authorization: ${signed.authorization}`);
    }
  },
});

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
