/**
 * The client library against the reference server: every placement of the protocol parameters,
 * the three-legged helper, and problems read from the header, a form body or a JSON body.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthClient, ProviderAnswerError } from '../../packages/countersign/src/client/oauth-client.js';
import { ProblemResponseError, readProblem } from '../../packages/countersign/src/client/problem-response.js';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import type { SignatureMethodName } from '../../packages/countersign/src/core/signature-methods.js';
import {
  compareBaseStrings,
  firstDifference,
} from '../../packages/countersign/src/client/base-string-diff.js';
import { createProvider } from '../../packages/countersign/src/provider/provider.js';
import { buildServer } from '../../packages/server/src/server/app.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';

describe('OAuthClient against the reference server', () => {
  let app: FastifyInstance;
  let base: string;
  let store: MemoryStore;
  let client: OAuthClient;

  beforeAll(async () => {
    store = new MemoryStore();
    app = await buildServer({ store });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await store.putUser({ name: 'bob', status: 'active', createdAt: 0 });
    const consumer = await createProvider({ store }).registerConsumer({
      name: 'Client test',
      owner: 'bob',
      callback: 'oob',
      scopes: ['read_public', 'write_private', 'read_private'],
      twoLegged: true,
    });
    client = new OAuthClient({ consumerKey: consumer.key, consumerSecret: consumer.secret });
  });
  afterAll(() => app.close());

  it('runs the three-legged dance and calls the API with the parameters in each place', async () => {
    const request = await client.initiate(`${base}/oauth/initiate`, 'oob', ['read_public', 'write_private']);
    expect(request.callbackConfirmed).toBe(true);
    expect(client.authorizationUrl(`${base}/oauth/authorize`, request)).toBe(
      `${base}/oauth/authorize?oauth_token=${request.token}`,
    );
    const { verifier = '' } = await createProvider({ store }).decide(request.token, {
      user: 'bob',
      approve: true,
    });
    const access = await client.exchange(`${base}/oauth/token`, request, verifier);

    for (const placement of ['header', 'query', 'body'] as const) {
      const placed = new OAuthClient({ ...client.options, placement });
      const me = await placed.fetch(`${base}/api/v1/me?x=a%20b`, { token: access });
      expect(me.status).toBe(200);
      const note = await placed.fetch(`${base}/api/v1/notes`, {
        token: access,
        form: [['text', `${placement}: 100% ~`]],
      });
      expect(note.status).toBe(201);
      const json = await placed.fetch(`${base}/api/v1/notes`, {
        token: access,
        body: { type: 'application/json', data: JSON.stringify({ text: `${placement} json` }) },
      });
      expect(json.status).toBe(201);
    }
  });

  it('throws a typed problem from the dance', async () => {
    const wrong = new OAuthClient({ ...client.options, consumerSecret: 'wrong' });
    const error = await wrong.initiate(`${base}/oauth/initiate`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProblemResponseError);
    expect(error).toMatchObject({ problem: 'signature_invalid', status: 401, problemCode: 7 });
    expect((error as ProblemResponseError).baseString).toMatch(/^POST&http%3A%2F%2F127\.0\.0\.1/);
  });

  it('reads problems from the header, a form body and a JSON body', async () => {
    const header = new Response('', {
      status: 400,
      headers: {
        'www-authenticate':
          'OAuth realm="x", oauth_problem="parameter_absent", oauth_parameters_absent="oauth_nonce%26oauth_timestamp"',
      },
    });
    expect((await readProblem(header))?.parametersAbsent).toEqual(['oauth_nonce', 'oauth_timestamp']);
    const form = new Response('oauth_problem=nonce_used&oauth_problem_advice=Fresh%20nonce', {
      status: 401,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(await readProblem(form)).toMatchObject({
      problem: 'nonce_used',
      problemCode: 5,
      advice: 'Fresh nonce',
    });
    const json = new Response(
      JSON.stringify({
        oauth_problem: 'parameter_rejected',
        oauth_parameters_rejected: [{ name: 'a', value: 'b' }],
      }),
      {
        status: 400,
        headers: { 'content-type': 'application/json' },
      },
    );
    expect((await readProblem(json))?.problem).toBe('parameter_rejected');
    expect(
      await readProblem(new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } })),
    ).toBeUndefined();
    expect(await readProblem(new Response('<html>', { status: 500 }))).toBeUndefined();
  });

  it("reads the base string PECL oauth's provider appends as is", async () => {
    const base = 'GET&http%3A%2F%2Fapi.test%2Fr&a%3D1%26oauth_nonce%3Dn%26tag%3Db';
    const pecl = await readProblem(
      new Response(`oauth_problem=signature_invalid&debug_sbs=${base}`, {
        status: 401,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    );
    expect(pecl?.problem).toBe('signature_invalid');
    expect(pecl?.baseString).toBe(base);
    // Nothing of the base string is read as parameters of the form.
    expect(Object.keys(pecl?.parameters ?? {}).sort()).toEqual(['debug_sbs', 'oauth_problem']);
    // A form-encoded value of that name is not taken for one.
    const encoded = await readProblem(
      new Response('oauth_problem=signature_invalid&debug_sbs=GET%26x', {
        status: 401,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    );
    expect(encoded?.baseString).toBe('GET&x');
  });
});

describe('the client refuses what no request could be made of', () => {
  it('without credentials, or with a URL that is not http(s)', () => {
    const untyped = (options: Record<string, unknown>) => () =>
      new OAuthClient(options as unknown as ConstructorParameters<typeof OAuthClient>[0]);
    expect(untyped({ consumerSecret: 's' })).toThrow(TypeError);
    expect(untyped({ consumerKey: '', consumerSecret: 's' })).toThrow('consumerKey is required');
    expect(untyped({ consumerKey: 'k' })).toThrow('consumerSecret is required');
    // An RSA client may have no secret.
    expect(untyped({ consumerKey: 'k', consumerSecret: '' })).not.toThrow();
    const client = new OAuthClient({ consumerKey: 'k', consumerSecret: 's' });
    for (const url of ['notaurl', 'ftp://x/', '/relative', 'http:///nohost'])
      expect(() => client.sign(url), url).toThrow(
        `url must be an absolute http or https URL, not ${JSON.stringify(url)}`,
      );
  });
});

describe('the client against a provider that answers wrongly, or not at all', () => {
  it('says what came instead of credentials, and gives up waiting after its timeout', async () => {
    const answers: Record<string, (res: ServerResponse) => void> = {
      '/html': (res) => res.end('<html>hi</html>'),
      '/partial': (res) =>
        res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded' }).end('oauth_token=abc'),
      '/error': (res) => res.writeHead(500).end('x'.repeat(300)),
      '/hang': () => undefined,
      // Answers at once, then takes longer than the timeout to finish its body.
      '/slow-body': (res) => {
        res.writeHead(200, { 'content-type': 'text/plain' }).write('first ');
        setTimeout(() => res.end('last'), 800);
      },
    };
    const server = createServer((req, res) => answers[req.url ?? '']?.(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new OAuthClient({ consumerKey: 'k', consumerSecret: 's', timeout: 300 });
    try {
      await expect(client.initiate(`${base}/html`)).rejects.toThrow(
        `${base}/html answered 200 (no content type) without oauth_token and oauth_token_secret: "<html>hi</html>"`,
      );
      await expect(client.exchange(`${base}/partial`, { token: 't', secret: 's' }, 'v')).rejects.toThrow(
        ProviderAnswerError,
      );
      // An error page is shown cut short.
      await expect(client.initiate(`${base}/error`)).rejects.toThrow(
        `${base}/error answered 500 Internal Server Error: "${'x'.repeat(200)}…"`,
      );
      await expect(client.initiate(`${base}/hang`)).rejects.toThrow(
        `no answer from ${base}/hang within 0.3 s`,
      );
      // The timeout is for the answer to begin: a body that takes longer is read to its end.
      expect(await (await client.fetch(`${base}/slow-body`)).text()).toBe('first last');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('signRequest', () => {
  it('says which signature methods it knows when given another', () => {
    for (const name of ['FOO', 'constructor', 'hmac-sha1']) {
      expect(() =>
        signRequest({
          method: 'GET',
          url: 'http://api.test/r',
          consumerKey: 'k',
          consumerSecret: 's',
          signatureMethod: name as SignatureMethodName,
        }),
      ).toThrow(
        `unknown signature method ${JSON.stringify(name)}; use one of HMAC-SHA1, HMAC-SHA256, HMAC-SHA512, RSA-SHA1, RSA-SHA256, PLAINTEXT`,
      );
    }
  });
});

describe('base string comparison', () => {
  it('marks the first difference', () => {
    expect(firstDifference('abc', 'abc')).toBe(-1);
    expect(firstDifference('abc', 'abd')).toBe(2);
    expect(firstDifference('ab', 'abc')).toBe(2);
    const lines = compareBaseStrings('GET&a%2520b', 'GET&a%252Bb');
    expect(lines[0]).toBe('server: GET&a%2520b');
    expect(lines[1]).toBe('client: GET&a%252Bb');
    expect(lines[2]?.indexOf('^')).toBe('client: GET&a%252'.length);
  });
});
