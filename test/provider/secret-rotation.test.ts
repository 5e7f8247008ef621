/**
 * Rotating a consumer's secret with a grace period: the previous secret keeps signing (HMAC and
 * PLAINTEXT, at every endpoint) until its end, or until its owner ends it; each request it signed is
 * reported once answered, and one refused for another reason is not; RSA methods are not affected.
 */
import { generateKeyPairSync } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import type { SignatureMethodName } from '../../packages/countersign/src/core/signature-methods.js';
import { parseFormEncoded } from '../../packages/countersign/src/core/parameters.js';
import { isOAuthProblem } from '../../packages/countersign/src/problems/oauth-problem.js';
import { ProviderInputError } from '../../packages/countersign/src/provider/errors.js';
import type { Consumer } from '../../packages/countersign/src/provider/model.js';
import {
  createProvider,
  type PreviousSecretReport,
  type Provider,
} from '../../packages/countersign/src/provider/provider.js';
import type { OAuthRequest } from '../../packages/countersign/src/provider/request.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';

const START = 1_800_000_000_000;
const HOUR = 3_600_000;

let now: number;
let store: MemoryStore;
let provider: Provider;
let consumer: Consumer;
let reports: PreviousSecretReport[];
let nonce = 0;

beforeEach(async () => {
  now = START;
  reports = [];
  store = new MemoryStore();
  provider = createProvider({
    store,
    clock: () => now,
    signatureMethods: ['HMAC-SHA1', 'HMAC-SHA256', 'PLAINTEXT', 'RSA-SHA1'],
    allowPlaintextOverHttp: true,
    onPreviousSecret: (report) => {
      reports.push(report);
    },
  });
  consumer = await provider.registerConsumer({
    name: 'App',
    owner: 'alice',
    callback: 'oob',
    twoLegged: true,
    signatureMethods: ['HMAC-SHA1', 'HMAC-SHA256', 'PLAINTEXT'],
  });
});

interface Signing {
  readonly secret: string;
  readonly method?: SignatureMethodName;
  readonly nonce?: string;
  readonly path?: string;
  readonly extra?: Record<string, string>;
  readonly privateKey?: string;
}

/** A request signed with `secret`, two-legged to `/api` unless told otherwise. */
function signed({ secret, method = 'HMAC-SHA1', path = '/api', extra = {}, ...rest }: Signing): OAuthRequest {
  const httpMethod = path === '/api' ? 'GET' : 'POST';
  const signature = signRequest({
    method: httpMethod,
    url: `http://provider.test${path}`,
    consumerKey: consumer.key,
    consumerSecret: secret,
    signatureMethod: method,
    timestamp: String(Math.floor(now / 1000)),
    nonce: rest.nonce ?? `n${++nonce}`,
    extra,
    ...(rest.privateKey ? { privateKey: rest.privateKey } : {}),
  });
  return {
    method: httpMethod,
    target: path,
    headers: { host: 'provider.test', authorization: signature.authorization },
    secure: false,
  };
}

async function problemOf(request: OAuthRequest): Promise<string> {
  try {
    await provider.verify(request);
    return 'none';
  } catch (error) {
    if (isOAuthProblem(error)) return error.problem;
    throw error;
  }
}

/** Lets the reports made after an answer arrive. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('rotateConsumerSecret with a grace period', () => {
  it('keeps the previous secret signing until the end, and reports each request it signed', async () => {
    const old = consumer.secret;
    const rotated = await provider.rotateConsumerSecret(consumer.key, { gracePeriod: 3600 });
    expect(rotated.secret).not.toBe(old);
    expect(rotated.previousSecret).toEqual({ secret: old, expiresAt: START + HOUR });

    expect(await problemOf(signed({ secret: rotated.secret }))).toBe('none');
    await settle();
    expect(reports).toEqual([]);

    now = START + HOUR - 1000;
    expect(await problemOf(signed({ secret: old }))).toBe('none');
    await settle();
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ endpoint: 'resource', at: now, expiresAt: START + HOUR });
    expect(reports[0]?.consumer.key).toBe(consumer.key);

    now = START + HOUR;
    expect(await problemOf(signed({ secret: old }))).toBe('signature_invalid');
    expect(await problemOf(signed({ secret: rotated.secret }))).toBe('none');
    await settle();
    expect(reports).toHaveLength(1);
  });

  it('accepts the previous secret at initiate and at the token endpoint too', async () => {
    const old = consumer.secret;
    await provider.rotateConsumerSecret(consumer.key, { gracePeriod: 60 });
    const initiated = await provider.initiate(
      signed({ secret: old, path: '/oauth/initiate', extra: { oauth_callback: 'oob' } }),
    );
    expect(initiated.status).toBe(200);
    const form = Object.fromEntries(parseFormEncoded(initiated.body, 'body').map((p) => [p.name, p.value]));
    expect(form.oauth_token).toMatch(/^[a-z0-9]{32}$/);
    await settle();
    expect(reports.map((r) => r.endpoint)).toEqual(['initiate']);
  });

  it('does not report a request signed with the previous secret that is refused later (a replay)', async () => {
    const old = consumer.secret;
    await provider.rotateConsumerSecret(consumer.key, { gracePeriod: 3600 });
    expect(await problemOf(signed({ secret: old, nonce: 'once' }))).toBe('none');
    expect(await problemOf(signed({ secret: old, nonce: 'once' }))).toBe('nonce_used');
    await settle();
    expect(reports).toHaveLength(1);
  });

  it('accepts the previous secret with PLAINTEXT and HMAC-SHA256', async () => {
    const old = consumer.secret;
    await provider.rotateConsumerSecret(consumer.key, { gracePeriod: 3600 });
    expect(await problemOf(signed({ secret: old, method: 'PLAINTEXT' }))).toBe('none');
    expect(await problemOf(signed({ secret: old, method: 'HMAC-SHA256' }))).toBe('none');
    expect(await problemOf(signed({ secret: 'neither-secret', method: 'PLAINTEXT' }))).toBe(
      'signature_invalid',
    );
  });

  it('keeps one previous secret: rotating again in the grace period retires the first', async () => {
    const first = consumer.secret;
    const second = (await provider.rotateConsumerSecret(consumer.key, { gracePeriod: 3600 })).secret;
    const third = await provider.rotateConsumerSecret(consumer.key, { gracePeriod: 3600 });
    expect(third.previousSecret?.secret).toBe(second);
    expect(await problemOf(signed({ secret: first }))).toBe('signature_invalid');
    expect(await problemOf(signed({ secret: second }))).toBe('none');
  });

  it('without a grace period keeps no previous secret', async () => {
    const old = consumer.secret;
    await provider.rotateConsumerSecret(consumer.key, { gracePeriod: 3600 });
    const rotated = await provider.rotateConsumerSecret(consumer.key);
    expect(rotated.previousSecret).toBeUndefined();
    expect(store.getConsumer(consumer.key)?.previousSecret).toBeUndefined();
    expect(await problemOf(signed({ secret: old }))).toBe('signature_invalid');
  });

  it('endPreviousSecret ends the grace period at once', async () => {
    const old = consumer.secret;
    await provider.rotateConsumerSecret(consumer.key, { gracePeriod: 86_400 });
    expect((await provider.endPreviousSecret(consumer.key)).previousSecret).toBeUndefined();
    expect(store.getConsumer(consumer.key)?.previousSecret).toBeUndefined();
    expect(await problemOf(signed({ secret: old }))).toBe('signature_invalid');
    // Ending none changes nothing.
    expect((await provider.endPreviousSecret(consumer.key)).previousSecret).toBeUndefined();
  });

  it('drops a previous secret whose grace period is over at the next change to the consumer', async () => {
    await provider.rotateConsumerSecret(consumer.key, { gracePeriod: 60 });
    now += 61_000;
    await provider.suspendConsumer(consumer.key);
    expect(store.getConsumer(consumer.key)?.previousSecret).toBeUndefined();
  });

  it('refuses a grace period that is not a whole number of seconds from 0 to 30 days', async () => {
    for (const gracePeriod of [-1, 1.5, 30 * 86_400 + 1, Number.NaN]) {
      const error = await provider
        .rotateConsumerSecret(consumer.key, { gracePeriod })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderInputError);
      expect((error as ProviderInputError).code).toBe('invalid_grace_period');
    }
    expect(store.getConsumer(consumer.key)?.secret).toBe(consumer.secret);
  });

  it('never tries the previous secret for an RSA method, which the secret does not sign', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    consumer = await provider.updateConsumer(consumer.key, {
      signatureMethods: ['HMAC-SHA1', 'RSA-SHA1'],
      rsaPublicKey: pem,
    });
    const old = consumer.secret;
    await provider.rotateConsumerSecret(consumer.key, { gracePeriod: 3600 });
    const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(await problemOf(signed({ secret: old, method: 'RSA-SHA1', privateKey: key }))).toBe('none');
    expect(await problemOf(signed({ secret: old, method: 'RSA-SHA1', privateKey: other }))).toBe(
      'signature_invalid',
    );
    await settle();
    expect(reports).toEqual([]);
  });
});
