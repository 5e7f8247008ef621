/**
 * A body hash required per route: `protect({ bodyHash: 'required' })` refuses a non-form body
 * without `oauth_body_hash` as `parameter_absent` (check 5, before the signature), through every
 * adapter; form bodies and requests without a body are unaffected. The reference server requires it
 * on the sample API's writes, and Countersign's own client passes.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OAuthClient } from '../../packages/countersign/src/client/oauth-client.js';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { parseAuthorizationHeader } from '../../packages/countersign/src/core/parameters.js';
import { grantedServer } from '../support/granted-server.js';
import { ADAPTERS, type RunningApp } from './apps.js';
import { createWorld, formOf, send, type World } from './world.js';

const JSON_BODY = '{"text":"signed?"}';

/** A JSON POST signed without `oauth_body_hash`: the body is not covered by the signature. */
function postUnhashed(url: string, key: string, secret: string, token?: { token: string; secret: string }) {
  const { authorization } = signRequest({
    method: 'POST',
    url,
    consumerKey: key,
    consumerSecret: secret,
    ...(token ? { token: token.token, tokenSecret: token.secret } : {}),
  });
  return fetch(url, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON_BODY,
  });
}

async function expectBodyHashAbsent(response: Response): Promise<void> {
  expect(response.status).toBe(400);
  const header = parseAuthorizationHeader(response.headers.get('www-authenticate') ?? '');
  const fromHeader = Object.fromEntries((header?.parameters ?? []).map((p) => [p.name, p.value]));
  expect(fromHeader).toMatchObject({
    oauth_problem: 'parameter_absent',
    oauth_parameters_absent: 'oauth_body_hash',
  });
  const body = await formOf(response);
  expect(body).toMatchObject({
    oauth_problem: 'parameter_absent',
    oauth_parameters_absent: 'oauth_body_hash',
  });
  expect(body.oauth_problem_advice).toContain('oauth_body_hash');
}

describe.each(ADAPTERS)('protect({ bodyHash: "required" }) through $name', (adapter) => {
  let world: World;
  let app: RunningApp;
  beforeAll(async () => {
    world = await createWorld();
    app = await adapter.start(world.provider);
  });
  afterAll(() => app.close());

  it('refuses a JSON body without oauth_body_hash', async () => {
    await expectBodyHashAbsent(
      await postUnhashed(`${app.url}/api/signed-body`, world.consumer.key, world.consumer.secret),
    );
  });

  it('reports the missing hash before a bad signature', async () => {
    await expectBodyHashAbsent(await postUnhashed(`${app.url}/api/signed-body`, world.consumer.key, 'wrong'));
  });

  it('takes a JSON body with its hash, a form body, and no body', async () => {
    const rawBody = { type: 'application/json', text: JSON_BODY };
    expect((await send(world, app.url, { path: '/api/signed-body', rawBody })).status).toBe(200);
    const form: [string, string][] = [['text', 'a form']];
    expect((await send(world, app.url, { path: '/api/signed-body', form })).status).toBe(200);
    expect((await send(world, app.url, { path: '/api/signed-body', method: 'GET' })).status).toBe(200);
  });

  it('leaves the hash optional where the route does not require it', async () => {
    const response = await postUnhashed(`${app.url}/api/echo`, world.consumer.key, world.consumer.secret);
    expect(response.status).toBe(200);
  });
});

describe('the provider', () => {
  it('refuses a bodyHash option it does not know', async () => {
    const { provider } = await createWorld();
    const request = { method: 'GET', target: '/api/x', headers: { host: 'localhost' }, secure: false };
    await expect(provider.verify(request, { bodyHash: 'require' as 'required' })).rejects.toThrow(TypeError);
  });
});

describe('the reference server requires a body hash on the API writes', () => {
  let app: FastifyInstance;
  let base: string;
  let client: OAuthClient;
  let access: { token: string; secret: string };

  beforeAll(async () => {
    ({ app, base, client, access } = await grantedServer({
      name: 'Body hash test',
      scopes: ['write_private'],
    }));
  });
  afterAll(() => app.close());

  it('refuses POST /api/v1/notes with a JSON body and no oauth_body_hash', async () => {
    const { consumerKey, consumerSecret } = client.options;
    await expectBodyHashAbsent(
      await postUnhashed(`${base}/api/v1/notes`, consumerKey, consumerSecret, access),
    );
  });

  it("takes the JSON body from Countersign's own client, which hashes it, and a form body", async () => {
    const json = await client.fetch(`${base}/api/v1/notes`, {
      token: access,
      body: { type: 'application/json', data: JSON_BODY },
    });
    expect(json.status).toBe(201);
    const form = await client.fetch(`${base}/api/v1/notes`, { token: access, form: [['text', 'a form']] });
    expect(form.status).toBe(201);
  });
});
