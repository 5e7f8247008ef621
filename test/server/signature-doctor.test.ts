/**
 * The signature doctor on an application's page: a pasted request (HTTP text or curl) gets the
 * base string the engine computes for it and whether its signature matches the app's secret; a
 * pasted base string is compared with the server's copy of the same refused request from the problem
 * log (found by nonce and timestamp), or with its own parts put together by the rules; the first
 * difference is marked and explained; and no secret, nor the pasted request, comes back.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import type { Consumer } from '../../packages/countersign/src/provider/model.js';
import { createProvider } from '../../packages/countersign/src/provider/provider.js';
import type { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';
import { PageClient, serverWithUser, USER_PASSWORD } from './page-client.js';

describe('the signature doctor', () => {
  let app: FastifyInstance;
  let store: MemoryStore;
  let ann: PageClient;
  let consumer: Consumer;

  beforeAll(async () => {
    ({ app, store } = await serverWithUser('ann'));
    consumer = await createProvider({ store }).registerConsumer({
      name: 'Printer',
      owner: 'ann',
      callback: 'oob',
      scopes: ['read_public'],
      signatureMethods: ['HMAC-SHA1', 'PLAINTEXT'],
      twoLegged: true,
    });
    ann = new PageClient(app);
    await ann.signIn('ann', USER_PASSWORD);
    await ann.get(`/console/apps/${consumer.key}`);
  });
  afterAll(() => app.close());

  const sign = (secret: string, url = 'http://localhost/api/v1/me?size=big%20one', method = 'GET') =>
    signRequest({
      method,
      url,
      consumerKey: consumer.key,
      consumerSecret: secret,
      signatureMethod: 'HMAC-SHA1',
    });

  const doctor = (request: string, baseString = '') =>
    ann.post(`/console/apps/${consumer.key}/doctor`, { request, base_string: baseString });

  /** The text of the element with `id` in the page, tags and entities aside. */
  const text = (response: LightMyRequestResponse, id: string) => {
    const match = new RegExp(`id="${id}"[^>]*>([\\s\\S]*?)</(?:code|p|div)>`).exec(response.body);
    return (match?.[1] ?? '')
      .replace(/<[^>]+>/g, '')
      .replace(/&amp;/g, '&')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/\s+/g, ' ')
      .trim();
  };

  it('computes the base string of a pasted HTTP request as the engine does, and checks its signature', async () => {
    const signed = sign(consumer.secret);
    const response = await doctor(
      `GET /api/v1/me?size=big%20one HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${signed.authorization}\r\n\r\n`,
    );
    expect(response.statusCode).toBe(200);
    expect(text(response, 'doctor-server')).toBe(signed.baseString);
    expect(text(response, 'doctor-signature')).toMatch(/matches .* current secret/);
  });

  it('reads a curl command, and says when the signature was made with another key', async () => {
    const signed = sign('not-the-secret', 'http://localhost/api/v1/notes', 'POST');
    const response = await doctor(
      `curl -X POST http://localhost/api/v1/notes -H 'Authorization: ${signed.authorization}' -d 'text=hello world'`,
    );
    const server = text(response, 'doctor-server');
    expect(server).toContain('text%3Dhello%2520world');
    expect(text(response, 'doctor-signature')).toMatch(/does not match/);
  });

  it('marks and explains the first difference from the base string the client signed', async () => {
    const signed = sign(consumer.secret);
    const wrong = signed.baseString.replace('big%2520one', 'big%252Bone');
    const response = await doctor(
      `GET /api/v1/me?size=big%20one HTTP/1.1\nHost: localhost\nAuthorization: ${signed.authorization}\n`,
      wrong,
    );
    expect(text(response, 'doctor-verdict')).toMatch(
      /^First difference at character \d+: the value of size has a "\+" signed as a plus sign/,
    );
    expect(response.body).toMatch(/<code class="base-string" id="doctor-client">[^<]*<mark>B<\/mark>/);
    // The base string is kept in its field for another try; the request is not.
    expect(response.body).toContain(wrong.replaceAll('&', '&amp;'));
    expect(response.body).not.toContain(signed.authorization.slice(0, 40));
  });

  it('finds the server’s copy of a refused request in the problem log by its nonce', async () => {
    // The client signs https (a TLS proxy in front); the server, not told, sees http.
    const signed = signRequest({
      method: 'GET',
      url: 'https://localhost/api/v1/me',
      consumerKey: consumer.key,
      consumerSecret: consumer.secret,
    });
    const refused = await app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { host: 'localhost', authorization: signed.authorization },
    });
    expect(refused.statusCode).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const response = await doctor('', signed.baseString);
    expect(response.body).toContain('the one the server computed when it refused this request');
    expect(text(response, 'doctor-server')).toMatch(/^GET&http%3A%2F%2Flocalhost%2Fapi%2Fv1%2Fme&/);
    expect(text(response, 'doctor-verdict')).toMatch(
      /signed an https URL, the server took the request for http /,
    );
  });

  it('without a request or a logged twin, compares the base string with its own parts put together by the rules', async () => {
    const response = await doctor('', 'get&http%3A%2F%2FLocalhost%3A80%2Fx&b%3D2%26a%3D1');
    expect(response.body).toContain('put together again by RFC 5849');
    expect(text(response, 'doctor-server')).toBe('GET&http%3A%2F%2Flocalhost%2Fx&a%3D1%26b%3D2');
    expect(text(response, 'doctor-verdict')).toMatch(/the method is "get"/);
  });

  it('answers what it cannot read with a message, never a 500', async () => {
    for (const [request, baseString, message] of [
      ['', '', /Paste the base string your client computed/],
      ['', 'not a base string', /not a signature base string/],
      ['hello', '', /could not be read: The first line is not a request line/],
      ['curl -d @secret.txt http://localhost/', '', /reads a file/],
      [
        'GET /api?oauth_nonce=1&oauth_nonce=2 HTTP/1.1\nHost: localhost',
        '',
        /would refuse this request as parameter_rejected/,
      ],
      ['GET /api HTTP/1.1\n', '', /would refuse this request as parameter_rejected/],
      ['x'.repeat(20_000), '', /at most 16,384 characters/],
    ] as const) {
      const response = await doctor(request, baseString);
      expect(response.statusCode, request.slice(0, 30)).toBe(200);
      expect(text(response, 'doctor-error'), request.slice(0, 30)).toMatch(message);
    }
  });

  it('does not check a request signed for another consumer, nor with a token that is not the app’s', async () => {
    const other = signRequest({
      method: 'GET',
      url: 'http://localhost/x',
      consumerKey: 'o'.repeat(32),
      consumerSecret: consumer.secret,
    });
    const response = await doctor(`GET /x HTTP/1.1\nHost: localhost\nAuthorization: ${other.authorization}`);
    expect(response.body).toContain(
      'The signature was not checked: the request names another consumer key than this application&#39;s.',
    );
    const token = signRequest({
      method: 'GET',
      url: 'http://localhost/x',
      consumerKey: consumer.key,
      consumerSecret: consumer.secret,
      token: 't'.repeat(32),
      tokenSecret: 'whatever',
    });
    const unknown = await doctor(`GET /x HTTP/1.1\nHost: localhost\nAuthorization: ${token.authorization}`);
    expect(unknown.body).toContain('its oauth_token is none of this application&#39;s tokens.');
  });

  it('never shows the secret, even for a PLAINTEXT request whose signature is the secret', async () => {
    const signed = signRequest({
      method: 'GET',
      url: 'https://localhost/api/v1/me',
      consumerKey: consumer.key,
      consumerSecret: consumer.secret,
      signatureMethod: 'PLAINTEXT',
    });
    const response = await doctor(
      `GET https://localhost/api/v1/me HTTP/1.1\nAuthorization: ${signed.authorization}`,
    );
    expect(text(response, 'doctor-signature')).toMatch(/matches .* current secret/);
    expect(response.body).not.toContain(consumer.secret);
  });

  it("is the owner's only: another user's app is not found, and the form is CSRF-protected", async () => {
    const bobs = await createProvider({ store }).registerConsumer({
      name: 'Bob',
      owner: 'bob',
      callback: 'oob',
    });
    expect((await ann.post(`/console/apps/${bobs.key}/doctor`, { base_string: 'GET&x&' })).statusCode).toBe(
      404,
    );
    expect(
      (await ann.post(`/console/apps/${consumer.key}/doctor`, { _csrf: 'forged', base_string: 'x' }))
        .statusCode,
    ).toBe(403);
  });
});
