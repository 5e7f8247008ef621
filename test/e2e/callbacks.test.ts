/**
 * Callback rules: at initiate, an `oauth_callback` that a browser or the application could read as
 * somewhere other than under the registered callback is `parameter_rejected`; registering such a
 * callback is refused too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFormEncoded } from '../../packages/countersign/src/core/parameters.js';
import { ADAPTERS, type RunningApp } from './apps.js';
import { CALLBACK, createWorld, formOf, send, type World } from './world.js';

/** Under the registered `http://client.example/cb`, as written, but not as meant. */
const REFUSED = [
  'http://user:pw@client.example/cb',
  'http://user@client.example/cb',
  'http://@client.example/cb',
  'http://client.example/cb#frag',
  'http://client.example/cb/x#',
  'http://client.example/cb/..%2Fadmin',
  'http://client.example/cb/..%2fadmin',
  'http://client.example/cb/%2e%2e/admin',
  'http://client.example/cb/.%2E/admin',
  'http://client.example/cb/..\\admin',
  'http://client.example/cb\\..\\admin',
  'http://client.example/cb/..%5Cadmin',
  'http://client.example/cb/../admin',
  'http://client.example/cb/./x',
  'http://client.example/cb/x/..',
];

const TAKEN = [CALLBACK, `${CALLBACK}/x`, `${CALLBACK}?next=%2Fhome%2E`, `${CALLBACK}/a.b/c..d`, 'oob'];

describe('oauth_callback at initiate', () => {
  let world: World;
  let app: RunningApp;
  beforeAll(async () => {
    world = await createWorld();
    app = await (ADAPTERS[0] as (typeof ADAPTERS)[number]).start(world.provider);
  });
  afterAll(() => app.close());

  it.each(REFUSED)('refuses %s', async (callback) => {
    const response = await send(world, app.url, {
      path: '/oauth/initiate',
      extra: { oauth_callback: callback },
    });
    expect(response.status).toBe(400);
    const body = await formOf(response);
    expect(body.oauth_problem).toBe('parameter_rejected');
    const rejected = parseFormEncoded(body.oauth_parameters_rejected ?? '', 'body');
    expect(rejected.map((p) => [p.name, p.value])).toEqual([['oauth_callback', callback]]);
    expect(body.oauth_problem_advice).toMatch(/\S/);
  });

  it.each(TAKEN)('takes %s', async (callback) => {
    const response = await send(world, app.url, {
      path: '/oauth/initiate',
      extra: { oauth_callback: callback },
    });
    expect(response.status).toBe(200);
  });
});

describe('registering a callback', () => {
  it.each(REFUSED)('refuses %s', async (callback) => {
    const { provider } = await createWorld();
    await expect(provider.registerConsumer({ name: 'App', owner: 'alice', callback })).rejects.toMatchObject({
      name: 'ProviderInputError',
      code: 'invalid_consumer',
    });
  });

  it.each(TAKEN)('takes %s', async (callback) => {
    const { provider } = await createWorld();
    await expect(provider.registerConsumer({ name: 'App', owner: 'alice', callback })).resolves.toMatchObject(
      {
        callback,
      },
    );
  });
});
