/**
 * LTI 1.1 launches signed the way real LMSs and tool consumers sign them, against the reference
 * server's `POST /lti/launch`: Ruby's oauth gem (as Canvas signs), PECL oauth (PHP tool consumers),
 * Debian's python3-oauthlib (pylti, the `lti` package), and npm `ims-lti`'s own HMAC-SHA1 signer.
 * Each launch carries `oauth_callback=about:blank`, a key an administrator chose, and awkward
 * values; each is verified and shown, and the same launch with a wrong secret is refused.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { parse as parseUrl } from 'node:url';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvider } from '../../packages/countersign/src/provider/provider.js';
import { buildServer } from '../../packages/server/src/server/app.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';

const python = '/usr/bin/python3';
const available = {
  ruby: spawnSync('ruby', ['-e', 'require "oauth"'], { stdio: 'ignore' }).status === 0,
  php: spawnSync('php', ['-r', 'exit(extension_loaded("oauth") ? 0 : 1);'], { stdio: 'ignore' }).status === 0,
  python: spawnSync(python, ['-c', 'import oauthlib'], { stdio: 'ignore' }).status === 0,
};
for (const [language, found] of Object.entries(available)) {
  if (!found && process.env.CI === 'true') throw new Error(`CI needs the ${language} OAuth library`);
}

/** ims-lti's signer (CommonJS, untyped). */
interface ImsLtiSigner {
  build_signature_raw(
    url: string,
    parsed: ReturnType<typeof parseUrl>,
    method: string,
    params: Record<string, string>,
    secret: string,
  ): string;
}
const HmacSha1 = createRequire(import.meta.url)('ims-lti/lib/hmac-sha1') as new () => ImsLtiSigner;

const KEY = 'canvas.school-a.edu';
const LAUNCH: Record<string, string> = {
  lti_message_type: 'basic-lti-launch-request',
  lti_version: 'LTI-1p0',
  resource_link_id: 'rl-ä1',
  resource_link_title: 'Café & Crème + 100% ~ (draft) *!',
  user_id: 'u 42',
  roles: 'urn:lti:role:ims/lis/Instructor,urn:lti:instrole:ims/lis/Faculty',
  lis_person_name_full: 'Grace Hopper',
  context_id: 'c-1',
  context_title: 'Compilers = fun; 日本',
  custom_query: 'a=1&b=2',
};

let app: FastifyInstance;
let launchUrl: string;
let secret: string;

beforeAll(async () => {
  const store = new MemoryStore();
  app = await buildServer({ store });
  await app.listen({ port: 0, host: '127.0.0.1' });
  launchUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/lti/launch`;
  await store.putUser({ name: 'admin', status: 'active', createdAt: 0 });
  ({ secret } = await createProvider({ store }).registerConsumer({
    name: 'Canvas of School A',
    owner: 'admin',
    lti: true,
    key: KEY,
  }));
});
afterAll(() => app.close());

/** Runs a signing script; the tool's answer. */
async function run(command: string, script: string, withSecret: string) {
  const args = [
    new URL(script, import.meta.url).pathname,
    launchUrl,
    KEY,
    withSecret,
    JSON.stringify(LAUNCH),
  ];
  const { stdout, stderr } = await promisify(execFile)(command, args, { encoding: 'utf8', timeout: 30_000 });
  expect(stderr).toBe('');
  return JSON.parse(stdout) as { status: number; body: string };
}

/** Signs with ims-lti's HMAC_SHA1.build_signature_raw, as its tests sign launches, and posts the form. */
async function imsLti(withSecret: string) {
  const params: Record<string, string> = {
    ...LAUNCH,
    oauth_consumer_key: KEY,
    oauth_nonce: `ims-lti-${Math.random().toString(36).slice(2)}`,
    oauth_timestamp: String(Math.floor(Date.now() / 1000)),
    oauth_signature_method: 'HMAC-SHA1',
    oauth_version: '1.0',
    oauth_callback: 'about:blank',
  };
  const signature = new HmacSha1().build_signature_raw(
    launchUrl,
    parseUrl(launchUrl, true),
    'POST',
    params,
    withSecret,
  );
  const response = await fetch(launchUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    body: new URLSearchParams({ ...params, oauth_signature: signature }).toString(),
  });
  return { status: response.status, body: await response.text() };
}

const SIGNERS = [
  {
    name: "Ruby's oauth gem (as Canvas signs)",
    skip: !available.ruby,
    sign: (s: string) => run('ruby', 'lti_ruby_launch.rb', s),
  },
  {
    name: 'PECL oauth (PHP)',
    skip: !available.php,
    sign: (s: string) => run('php', 'lti_pecl_launch.php', s),
  },
  {
    name: 'python3-oauthlib',
    skip: !available.python,
    sign: (s: string) => run(python, 'lti_python_launch.py', s),
  },
  { name: "npm ims-lti's signer", skip: false, sign: imsLti },
];

describe.each(SIGNERS)('a launch signed by $name', ({ skip, sign }) => {
  it.skipIf(skip)('is verified and shown', async () => {
    const { status, body } = await sign(secret);
    expect(status, body).toBe(200);
    expect(body).toContain('<strong id="lms">Canvas of School A</strong>');
    expect(body).toContain('Café &amp; Crème + 100% ~ (draft) *!');
    expect(body).toContain('<code>u 42</code>');
    expect(body).toContain('Instructor, Faculty, institution');
    expect(body).toContain('Compilers = fun; 日本');
  });

  it.skipIf(skip)('is refused with a wrong secret, as an HTML page naming signature_invalid', async () => {
    const { status, body } = await sign('not-the-secret');
    expect(status).toBe(401);
    expect(body).toContain('401 Unauthorized: signature_invalid');
    expect(body).toContain('Base string the server computed');
  });
});
