/**
 * The lifetimes and limits of `countersign serve`, given as environment variables and as flags,
 * reach the provider: the body limit (413), the parameter limit (parameter_rejected), the timestamp
 * window (timestamp_refused with its bounds), and the access-token lifetime (token_expired once it
 * has passed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthClient } from '../../packages/countersign/src/client/oauth-client.js';
import { readProblem } from '../../packages/countersign/src/client/problem-response.js';
import { registerViaCli, runCli, type ServerProcess, startServer } from '../support/processes.js';

describe('countersign serve lifetimes and limits', () => {
  let dir: string;
  let server: ServerProcess;
  let client: OAuthClient;
  let access: { token: string; secret: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-limits-'));
    const db = join(dir, 'limits.db');
    const consumer = registerViaCli(['--db', db]);
    client = new OAuthClient({ consumerKey: consumer.key, consumerSecret: consumer.secret });
    server = await startServer(['--db', db, '--access-token-ttl', '2', '--parameter-limit', '5'], {
      COUNTERSIGN_BODY_LIMIT: '1k',
      COUNTERSIGN_TIMESTAMP_WINDOW: '60',
      // The flag wins over its variable.
      COUNTERSIGN_PARAMETER_LIMIT: '500',
    });
    const request = await client.initiate(`${server.url}/oauth/initiate`, 'oob');
    const { verifier } = JSON.parse(
      runCli(['approve', '--token', request.token, '--user', 'bob', '--json', '--db', db]),
    ) as { verifier: string };
    access = await client.exchange(`${server.url}/oauth/token`, request, verifier);
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a body over the limit with 413, and takes one under it', async () => {
    const send = (bytes: number) =>
      fetch(`${server.url}/oauth/initiate`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: 'x'.repeat(bytes),
      });
    expect((await send(1025)).status).toBe(413);
    // Under the limit, the request reaches the engine, which wants its OAuth parameters.
    expect((await send(1000)).status).toBe(400);
  });

  it('refuses more parameters than the limit before anything else', async () => {
    const url = (n: number) =>
      `${server.url}/api/v1/me?${Array.from({ length: n }, (_, i) => `p${i}=${i}`).join('&')}`;
    const problem = await readProblem(await client.fetch(url(6), { token: access }));
    expect(problem?.problem).toBe('parameter_rejected');
    expect(problem?.advice).toContain('at most 5');
    expect((await client.fetch(url(5), { token: access })).status).toBe(200);
  });

  it('accepts timestamps within the window only', async () => {
    const stale = String(Math.floor(Date.now() / 1000) - 120);
    const signed = client.sign(`${server.url}/api/v1/me`, { token: access });
    const header = signed.authorization.replace(/oauth_timestamp="\d+"/, `oauth_timestamp="${stale}"`);
    const answer = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: header } });
    const problem = await readProblem(answer);
    expect(problem?.problem).toBe('timestamp_refused');
    const bounds = /oauth_acceptable_timestamps="(\d+)-(\d+)"/.exec(
      answer.headers.get('www-authenticate') ?? '',
    );
    const [low, high] = [Number(bounds?.[1]), Number(bounds?.[2])];
    expect(high - low).toBe(120);
  });

  it('refuses an access token once its lifetime has passed', async () => {
    expect((await client.fetch(`${server.url}/api/v1/me`, { token: access })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const expired = await client.fetch(`${server.url}/api/v1/me`, { token: access });
    expect((await readProblem(expired))?.problem).toBe('token_expired');
  });
});
