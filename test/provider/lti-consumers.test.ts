/**
 * The engine's side of LTI 1.1: consumers whose key an administrator chooses, LTI consumers that
 * may send launches and nothing else, and `oauth_callback=about:blank`, taken at launches only.
 */
import { describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { isOAuthProblem } from '../../packages/countersign/src/problems/oauth-problem.js';
import { ProviderInputError } from '../../packages/countersign/src/provider/errors.js';
import type { Consumer } from '../../packages/countersign/src/provider/model.js';
import { createProvider, type Provider } from '../../packages/countersign/src/provider/provider.js';
import type { OAuthRequest } from '../../packages/countersign/src/provider/request.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';

const NOW = 1_800_000_000_000;
const LAUNCH_FORM: [string, string][] = [
  ['lti_message_type', 'basic-lti-launch-request'],
  ['lti_version', 'LTI-1p0'],
  ['resource_link_id', 'rl-1'],
];

function world() {
  const provider = createProvider({ store: new MemoryStore(), clock: () => NOW });
  return { provider };
}

/** A form POST signed with the consumer's credentials alone, as an LMS signs a launch. */
function signed(
  consumer: Pick<Consumer, 'key' | 'secret'>,
  path: string,
  options: { form?: [string, string][]; extra?: Record<string, string>; token?: string } = {},
): OAuthRequest {
  const form = options.form ?? LAUNCH_FORM;
  const { oauthParameters } = signRequest({
    method: 'POST',
    url: `http://tool.test${path}`,
    form,
    consumerKey: consumer.key,
    consumerSecret: consumer.secret,
    timestamp: String(NOW / 1000),
    ...(options.token === undefined ? {} : { token: options.token }),
    ...(options.extra ? { extra: options.extra } : {}),
  });
  // Everything in the body, as an LMS's auto-submitted form sends it.
  return {
    method: 'POST',
    target: path,
    headers: { host: 'tool.test', 'content-type': 'application/x-www-form-urlencoded' },
    secure: false,
    body: new URLSearchParams([...form, ...oauthParameters]).toString(),
  };
}

async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (isOAuthProblem(error)) return { problem: error.problem, advice: error.advice, status: error.status };
    throw error;
  }
  return { problem: 'none' };
}

const launch = (provider: Provider, request: OAuthRequest) =>
  provider.verifyLaunch(request, (verified) => verified);

describe('a consumer key chosen by an administrator', () => {
  it('is taken at registration and in signed requests: printable ASCII without spaces, up to 255', async () => {
    const { provider } = world();
    for (const key of ['moodle-school-a', 'a', 'K'.repeat(255), 'canvas.example.edu:tool/1?x=%41&"y"']) {
      const consumer = await provider.registerConsumer({ name: 'LMS', owner: 'admin', lti: true, key });
      expect(consumer.key).toBe(key);
      const verified = await launch(provider, signed(consumer, '/lti/launch'));
      expect(verified.consumer.key).toBe(key);
    }
  });

  it('is refused at registration when it is empty, too long, or has a space, a control or a non-ASCII character', async () => {
    const { provider } = world();
    for (const key of ['', 'K'.repeat(256), 'school a', 'tab\there', 'école', 'line\n', '\u007f']) {
      const registering = provider.registerConsumer({ name: 'LMS', owner: 'admin', lti: true, key });
      await expect(registering).rejects.toThrow('key must be 1 to 255 printable ASCII characters');
      await expect(registering).rejects.toBeInstanceOf(ProviderInputError);
    }
  });

  it('is refused when another consumer has it, leaving that one as it was', async () => {
    const { provider } = world();
    const first = await provider.registerConsumer({ name: 'A', owner: 'admin', lti: true, key: 'same' });
    const again = provider.registerConsumer({ name: 'B', owner: 'admin', lti: true, key: 'same' });
    await expect(again).rejects.toMatchObject({ code: 'key_taken' });
    expect((await launch(provider, signed(first, '/lti/launch'))).consumer.name).toBe('A');
  });

  it('must also match a consumerKeyPattern the provider narrows', async () => {
    const provider = createProvider({ store: new MemoryStore(), consumerKeyPattern: /^[a-z-]+$/ });
    await expect(
      provider.registerConsumer({ name: 'LMS', owner: 'admin', lti: true, key: 'UPPER' }),
    ).rejects.toThrow("does not match this provider's consumerKeyPattern");
  });

  it('leaves a malformed key in a request consumer_key_rejected, without a store read', async () => {
    const { provider } = world();
    for (const key of ['school a', 'K'.repeat(256), 'é']) {
      const result = await refusal(launch(provider, signed({ key, secret: 'x' }, '/lti/launch')));
      expect(result.problem).toBe('consumer_key_rejected');
    }
    expect(
      (await refusal(launch(provider, signed({ key: 'unknown-key', secret: 'x' }, '/lti/launch')))).problem,
    ).toBe('consumer_key_unknown');
  });
});

describe('an LTI consumer', () => {
  it('is registered launches-only: no callback, scopes or two-legged resource requests', async () => {
    const { provider } = world();
    const lms = await provider.registerConsumer({ name: 'LMS', owner: 'admin', lti: true });
    expect(lms).toMatchObject({ lti: true, callback: 'oob', scopes: [], twoLegged: false });
    expect(lms.key).toMatch(/^[a-z0-9]{32}$/);
    for (const extra of [{ callback: 'https://x.example/cb' }, { scopes: ['read'] }, { twoLegged: true }]) {
      await expect(
        provider.registerConsumer({ name: 'LMS', owner: 'admin', lti: true, ...extra }),
      ).rejects.toThrow('an LTI consumer sends launches only');
    }
  });

  it('is refused everywhere but at launches, as consumer_key_invalid', async () => {
    const { provider } = world();
    const lms = await provider.registerConsumer({ name: 'LMS', owner: 'admin', lti: true });
    const initiate = await provider.initiate(
      signed(lms, '/oauth/initiate', { extra: { oauth_callback: 'oob' } }),
    );
    expect(initiate.status).toBe(403);
    expect(initiate.body).toContain('oauth_problem=consumer_key_invalid');
    expect(decodeURIComponent(initiate.body)).toContain('registered for LTI launches');
    const resource = await refusal(provider.verify(signed(lms, '/api/me')));
    expect(resource).toMatchObject({ problem: 'consumer_key_invalid', status: 403 });
    expect(resource.advice).toContain('registered for LTI launches');
  });

  it('stays refused at resources when stored with twoLegged by hand', async () => {
    const store = new MemoryStore();
    const provider = createProvider({ store, clock: () => NOW });
    const lms = await provider.registerConsumer({ name: 'LMS', owner: 'admin', lti: true });
    await store.putConsumer({ ...lms, twoLegged: true });
    expect((await refusal(provider.verify(signed(lms, '/api/me')))).problem).toBe('consumer_key_invalid');
  });

  it('is the only kind a launch is taken from', async () => {
    const { provider } = world();
    const app = await provider.registerConsumer({
      name: 'App',
      owner: 'a',
      callback: 'oob',
      twoLegged: true,
    });
    const result = await refusal(launch(provider, signed(app, '/lti/launch')));
    expect(result).toMatchObject({ problem: 'consumer_key_invalid', status: 403 });
    expect(result.advice).toContain('not registered for LTI launches');
  });
});

describe('oauth_callback=about:blank', () => {
  it('is taken at a launch, as LTI 1.1 has the LMS send it, and a launch without one too', async () => {
    const { provider } = world();
    const lms = await provider.registerConsumer({ name: 'LMS', owner: 'admin', lti: true });
    const withIt = await launch(
      provider,
      signed(lms, '/lti/launch', { extra: { oauth_callback: 'about:blank' } }),
    );
    expect(withIt.parameters.map((p) => p.name)).toEqual([
      'lti_message_type',
      'lti_version',
      'resource_link_id',
    ]);
    expect(withIt.twoLegged).toBe(true);
    expect((await launch(provider, signed(lms, '/lti/launch'))).consumer.key).toBe(lms.key);
  });

  it('is the only callback a launch takes, and a launch takes no token', async () => {
    const { provider } = world();
    const lms = await provider.registerConsumer({ name: 'LMS', owner: 'admin', lti: true });
    const other = await refusal(
      launch(provider, signed(lms, '/lti/launch', { extra: { oauth_callback: 'https://evil.example/' } })),
    );
    expect(other.problem).toBe('parameter_rejected');
    expect(other.advice).toContain('only as about:blank');
    const token = await refusal(launch(provider, signed(lms, '/lti/launch', { token: 'x'.repeat(32) })));
    expect(token.problem).toBe('parameter_rejected');
    expect(token.advice).toContain('does not take oauth_token');
  });

  it('is still refused at a protected resource', async () => {
    const { provider } = world();
    const app = await provider.registerConsumer({
      name: 'App',
      owner: 'a',
      callback: 'oob',
      twoLegged: true,
    });
    const result = await refusal(
      provider.verify(
        signed(app, '/api/me', { form: [['a', '1']], extra: { oauth_callback: 'about:blank' } }),
      ),
    );
    expect(result.problem).toBe('parameter_rejected');
    expect(result.advice).toBe('The resource endpoint does not take oauth_callback; leave it out.');
    expect((await refusal(provider.verify(signed(app, '/api/me', { form: [['a', '1']] })))).problem).toBe(
      'none',
    );
  });

  it('is still refused where a launch is replayed or signed wrongly', async () => {
    const { provider } = world();
    const lms = await provider.registerConsumer({ name: 'LMS', owner: 'admin', lti: true });
    const once = signed(lms, '/lti/launch', { extra: { oauth_callback: 'about:blank' } });
    await launch(provider, once);
    expect((await refusal(launch(provider, once))).problem).toBe('nonce_used');
    const forged = signed({ key: lms.key, secret: 'not-the-secret' }, '/lti/launch');
    expect((await refusal(launch(provider, forged))).problem).toBe('signature_invalid');
    const get = { ...signed(lms, '/lti/launch'), method: 'GET' };
    expect((await refusal(launch(provider, get))).problem).toBe('method_not_allowed');
  });
});
