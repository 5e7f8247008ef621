/**
 * The gateway's and forward-auth's log lines name the consumer of a verified request, as the
 * server's own protected routes do (and, for a refused one, the problem), and nothing secret.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { collectLog } from '../support/log-lines.js';
import { type Gateway, rawRequest, startGateway } from './harness.js';

describe('the log lines of the gateway and of forward-auth', () => {
  const collected = collectLog();
  const { lines, lineFor } = collected;
  const log = { stream: collected.stream };
  let upstream: Server;
  let gw: Gateway;
  let auth: Gateway;

  beforeAll(async () => {
    upstream = createServer((_request, response) => response.end('ok\n'));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const { port } = upstream.address() as AddressInfo;
    gw = await startGateway(`http://127.0.0.1:${port}`, { log });
    auth = await startGateway(undefined, { log, trustProxy: '127.0.0.1' });
  });
  afterAll(async () => {
    await gw?.app.close();
    await auth?.app.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  const sign = (server: Gateway, url: string, tokenSecret = server.access.secret) =>
    signRequest({
      method: 'GET',
      url,
      consumerKey: server.consumer.key,
      consumerSecret: server.consumer.secret,
      token: server.access.token,
      tokenSecret,
    }).authorization;

  it('names the consumer of a forwarded request, and of a refused one with its problem', async () => {
    const path = '/v1/echo?mark=logged';
    const accepted = await rawRequest(gw.base + path, {
      headers: { authorization: sign(gw, gw.base + path) },
    });
    expect(accepted.status).toBe(200);
    expect(await lineFor(path)).toMatchObject({ status: 200, consumer: gw.consumer.key });
    const refusedPath = '/v1/echo?mark=logged-refused';
    const refused = await rawRequest(gw.base + refusedPath, {
      headers: { authorization: sign(gw, gw.base + refusedPath, 'not-the-secret') },
    });
    expect(refused.status).toBe(401);
    expect(await lineFor(refusedPath)).toMatchObject({
      status: 401,
      consumer: gw.consumer.key,
      problem: 'signature_invalid',
    });
    for (const line of lines) expect(line).not.toContain(gw.access.secret);
  });

  it('names the consumer of a request forward-auth let through', async () => {
    const uri = '/v1/echo?mark=asked';
    const response = await rawRequest(`${auth.base}/oauth/forward-auth`, {
      headers: {
        authorization: sign(auth, `https://api.example.com${uri}`),
        'x-forwarded-method': 'GET',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'api.example.com',
        'x-forwarded-uri': uri,
      },
    });
    expect(response.status, response.body).toBe(200);
    expect(await lineFor('/oauth/forward-auth')).toMatchObject({ status: 200, consumer: auth.consumer.key });
  });
});
