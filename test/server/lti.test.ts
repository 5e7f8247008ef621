/**
 * The reference server as an LTI 1.1 tool: `POST /lti/launch` from an LMS (no session, no CSRF
 * cookie, framable), the launch page and its grade form sending replaceResult to an LMS stand-in on
 * python3-oauthlib, refused launches (a redirect to the signed return URL, or an HTML problem page),
 * and the console's page for an LTI consumer.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { OutcomesClient } from '../../packages/countersign/src/lti/outcomes.js';
import type { Consumer } from '../../packages/countersign/src/provider/model.js';
import { createProvider } from '../../packages/countersign/src/provider/provider.js';
import type { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';
import { PageClient, serverWithUser, USER_PASSWORD } from './page-client.js';

const python = '/usr/bin/python3';
const hasOauthlib = spawnSync(python, ['-c', 'import oauthlib'], { stdio: 'ignore' }).status === 0;
if (!hasOauthlib && process.env.CI === 'true') throw new Error('CI needs python3-oauthlib');

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

let app: FastifyInstance;
let store: MemoryStore;
let base: string;
let lms: Consumer;
let lmsProcess: ChildProcess | undefined;
let outcomesUrl = 'http://127.0.0.1:9/outcomes';

beforeAll(async () => {
  ({ app, store } = await serverWithUser('alice'));
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  lms = await createProvider({ store }).registerConsumer({
    name: 'Moodle of School A',
    owner: 'alice',
    lti: true,
    key: 'moodle-school-a',
  });
  if (!hasOauthlib) return;
  const script = new URL('../lti/lms_outcomes.py', import.meta.url).pathname;
  const child = spawn(python, [script, lms.key, lms.secret]);
  lmsProcess = child;
  outcomesUrl = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const match = /listening (\d+)/.exec(chunk.toString());
      if (match) resolve(`http://127.0.0.1:${match[1]}/outcomes`);
    });
    child.once('exit', (code) => reject(new Error(`the LMS stand-in exited with ${code}`)));
  });
});
afterAll(async () => {
  lmsProcess?.kill();
  await app.close();
});

function moodleLaunch(extra: [string, string][] = []): [string, string][] {
  return [
    ['lti_message_type', 'basic-lti-launch-request'],
    ['lti_version', 'LTI-1p0'],
    ['resource_link_id', '17'],
    ['resource_link_title', 'Quiz <1>'],
    ['user_id', '42'],
    ['roles', 'Learner,urn:lti:instrole:ims/lis/Student'],
    ['lis_person_name_full', 'Grace Hopper'],
    ['context_id', '8'],
    ['context_title', 'Compilers'],
    ['context_label', 'CS-201'],
    [
      'launch_presentation_return_url',
      'https://moodle.example/mod/lti/return.php?course=8&launch_container=4',
    ],
    ['lis_outcome_service_url', outcomesUrl],
    ['lis_result_sourcedid', '{"data":{"instanceid":"17","userid":"42"},"hash":"abc"}'],
    ['tool_consumer_info_product_family_code', 'moodle'],
    ['oauth_callback', 'about:blank'],
    ...extra,
  ];
}

/** Posts a launch signed as Moodle signs it: every parameter in the form body. */
async function launch(
  fields: [string, string][],
  consumer: Pick<Consumer, 'key' | 'secret'> = lms,
  accept = BROWSER,
): Promise<Response> {
  const protocol = fields.filter(([n]) => n.startsWith('oauth_'));
  const form = fields.filter(([n]) => !n.startsWith('oauth_'));
  const { oauthParameters } = signRequest({
    method: 'POST',
    url: `${base}/lti/launch`,
    form,
    consumerKey: consumer.key,
    consumerSecret: consumer.secret,
    extra: Object.fromEntries(protocol),
  });
  return fetch(`${base}/lti/launch`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept },
    body: new URLSearchParams([...form, ...oauthParameters]).toString(),
    redirect: 'manual',
  });
}

const gradeId = (page: string) => /name="launch" value="([^"]+)"/.exec(page)?.[1] ?? '';

function postGrade(fields: Record<string, string> | [string, string][]): Promise<Response> {
  return fetch(`${base}/lti/grade`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: BROWSER },
    body: new URLSearchParams(fields).toString(),
  });
}

describe('POST /lti/launch', () => {
  it('shows who launched, from which course and link, in a page the LMS may frame, without a session', async () => {
    const response = await launch(moodleLaunch());
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('<strong id="lms">Moodle of School A</strong>');
    expect(page).toMatch(/<p id="who">\s*Grace Hopper <span class="hint">user id <code>42<\/code>/);
    expect(page).toContain('<p id="roles">Learner, Student, institution</p>');
    expect(page).toMatch(/Compilers\s+\(CS-201\)/);
    expect(page).toContain('Quiz &lt;1&gt;');
    expect(page).toContain(
      'href="https://moodle.example/mod/lti/return.php?course=8&amp;launch_container=4"',
    );
    expect(response.headers.get('x-frame-options')).toBeNull();
    expect(response.headers.get('content-security-policy')).toContain('frame-ancestors *');
    expect(response.headers.get('content-security-policy')).toContain("form-action 'self'");
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('leaves the rest of the site unframable', async () => {
    const login = await fetch(`${base}/login`);
    expect(login.headers.get('x-frame-options')).toBe('DENY');
    expect(login.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it.skipIf(!hasOauthlib)(
    'sends the grade of its form to the outcome service the launch signed',
    async () => {
      const page = await (await launch(moodleLaunch())).text();
      const id = gradeId(page);
      expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
      // A service URL sent by the browser is not even read: the grade goes where the LMS said.
      const sent = await postGrade([
        ['launch', id],
        ['score', '0.85'],
        ['lis_outcome_service_url', 'http://127.0.0.1:9/elsewhere'],
      ]);
      expect(sent.status).toBe(200);
      expect(await sent.text()).toContain('Moodle of School A recorded the score 0.85.');
      const outcomes = new OutcomesClient(lms);
      const sourcedid = '{"data":{"instanceid":"17","userid":"42"},"hash":"abc"}';
      expect(await outcomes.readResult({ serviceUrl: outcomesUrl, sourcedid })).toBe(0.85);
      // The same page may grade again (a teacher corrects a mark).
      expect((await postGrade({ launch: id, score: '1' })).status).toBe(200);
      expect(await outcomes.readResult({ serviceUrl: outcomesUrl, sourcedid })).toBe(1);
    },
  );

  it.skipIf(!hasOauthlib)('says what the LMS answered when it refuses the grade', async () => {
    const id = gradeId(
      await (
        await launch(moodleLaunch().map(([n, v]) => [n, n === 'lis_result_sourcedid' ? 'unknown-1' : v]))
      ).text(),
    );
    const refused = await postGrade({ launch: id, score: '0.5' });
    expect(refused.status).toBe(502);
    expect(await refused.text()).toContain('imsx_codeMajor failure (error: No result for unknown-1.)');
  });

  it('refuses a grade without a live launch record or with a score out of range', async () => {
    const id = gradeId(await (await launch(moodleLaunch())).text());
    expect((await postGrade({ launch: 'A'.repeat(43), score: '0.5' })).status).toBe(410);
    expect((await postGrade({ launch: 'short', score: '0.5' })).status).toBe(400);
    expect((await postGrade({ score: '0.5' })).status).toBe(400);
    for (const score of ['2', '-0.1', 'abc', '', '1e-3']) {
      const response = await postGrade({ launch: id, score });
      expect(response.status, score).toBe(400);
    }
  });

  it('has no grade form for a launch without an outcome service', async () => {
    const page = await (await launch(moodleLaunch().filter(([n]) => n !== 'lis_outcome_service_url'))).text();
    expect(page).not.toContain('grade-form');
    expect(page).toContain('carries no outcome service');
  });

  it('sends a refused launch back to the LMS with lti_errormsg and lti_errorlog', async () => {
    const response = await launch(moodleLaunch().filter(([n]) => n !== 'resource_link_id'));
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe('https://moodle.example/mod/lti/return.php');
    expect(location.searchParams.get('course')).toBe('8');
    expect(location.searchParams.get('lti_errorlog')).toBe('parameter_absent');
    expect(location.searchParams.get('lti_errormsg')).toContain('This launch has no resource_link_id');
  });

  it('answers an HTML problem page, never a redirect, when the signature does not verify', async () => {
    const response = await launch(moodleLaunch(), { key: lms.key, secret: 'guessed' });
    expect(response.status).toBe(401);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('www-authenticate')).toContain('oauth_problem="signature_invalid"');
    const page = await response.text();
    expect(page).toContain('401 Unauthorized: signature_invalid');
    expect(page).not.toContain(lms.secret);
  });

  it('answers an HTML problem page to a browser when there is no return URL', async () => {
    const fields = moodleLaunch().filter(
      ([n]) => n !== 'launch_presentation_return_url' && n !== 'lti_version',
    );
    const response = await launch(fields);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await response.text()).toContain('This launch has no lti_version');
    const form = await launch(fields, lms, '*/*');
    expect(form.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
  });

  it('refuses a launch from a consumer that is not an LMS, and a GET', async () => {
    const app2 = await createProvider({ store }).registerConsumer({
      name: 'Printer',
      owner: 'alice',
      callback: 'oob',
      twoLegged: true,
    });
    const response = await launch(
      moodleLaunch().filter(([n]) => n !== 'launch_presentation_return_url'),
      app2,
    );
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('consumer_key_invalid');
    const get = await fetch(`${base}/lti/launch`, { headers: { accept: BROWSER } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await get.text()).toContain('405 Method Not Allowed: method_not_allowed');
  });
});

describe('the console for an LTI consumer', () => {
  it('shows the launch URL, the key, the secret on request, the Canvas XML, and the launch refusals', async () => {
    await launch(moodleLaunch().filter(([n]) => n !== 'context_id' && n !== 'lti_version'));
    const client = new PageClient(app);
    await client.signIn('alice', USER_PASSWORD);
    const list = await client.get('/console');
    expect(list.body).toContain('href="/console/apps/moodle-school-a"');
    expect(list.body).toContain('LTI consumer (launches)');
    const page = await client.get('/console/apps/moodle-school-a');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<code id="launch-url">http://localhost:80/lti/launch</code>');
    expect(page.body).toContain('<code id="consumer-key">moodle-school-a</code>');
    expect(page.body).not.toContain(lms.secret);
    expect(page.body).toContain(
      '&lt;blti:launch_url&gt;http://localhost:80/lti/launch&lt;/blti:launch_url&gt;',
    );
    expect(page.body).toContain('<td>launch</td>');
    expect(page.body).toContain('This launch has no lti_version');
    const revealed = await client.post('/console/apps/moodle-school-a/secret');
    expect(revealed.body).toContain(`<code id="consumer-secret">${lms.secret}</code>`);
  });

  it('registers an LMS from the console, under a chosen key or a drawn one, refusing a bad or taken key', async () => {
    const client = new PageClient(app);
    await client.signIn('alice', USER_PASSWORD);
    expect((await client.get('/console')).body).toContain('href="/console/new-lms"');
    const form = await client.get('/console/new-lms');
    expect(form.body).toContain('action="/console/lms"');
    const chosen = await client.post('/console/lms', [
      ['name', 'Canvas of School B'],
      ['key', 'canvas-school-b'],
      ['methods', 'HMAC-SHA1'],
      ['methods', 'HMAC-SHA256'],
    ]);
    expect(chosen.statusCode).toBe(303);
    expect(chosen.headers.location).toBe('/console/apps/canvas-school-b?registered=1');
    expect(store.getConsumer('canvas-school-b')).toMatchObject({
      lti: true,
      owner: 'alice',
      signatureMethods: ['HMAC-SHA1', 'HMAC-SHA256'],
    });
    await client.get('/console/new-lms');
    const drawn = await client.post('/console/lms', [
      ['name', 'Sakai'],
      ['methods', 'HMAC-SHA1'],
    ]);
    expect(drawn.headers.location).toMatch(/^\/console\/apps\/[a-z0-9]{32}\?registered=1$/);
    for (const [key, message] of [
      ['canvas-school-b', 'already exists'],
      ['two words', 'key must be 1 to 255 printable ASCII characters'],
    ]) {
      await client.get('/console/new-lms');
      const refused = await client.post('/console/lms', [
        ['name', 'Again'],
        ['key', key as string],
        ['methods', 'HMAC-SHA1'],
      ]);
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toContain(message);
    }
    const forged = await new PageClient(app).post('/console/lms', [
      ['name', 'x'],
      ['_csrf', 'forged'],
    ]);
    expect(forged.statusCode).not.toBe(303);
  });

  it('links a key with / ? and % in it, percent-encoded', async () => {
    const odd = await createProvider({ store }).registerConsumer({
      name: 'Odd',
      owner: 'alice',
      lti: true,
      key: 'lms/a?b=%1',
    });
    const client = new PageClient(app);
    await client.signIn('alice', USER_PASSWORD);
    const list = await client.get('/console');
    expect(list.body).toContain('href="/console/apps/lms%2Fa%3Fb%3D%251"');
    const page = await client.get('/console/apps/lms%2Fa%3Fb%3D%251');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`<code id="consumer-key">${odd.key}</code>`);
    const suspended = await client.post('/console/apps/lms%2Fa%3Fb%3D%251/suspend');
    expect(suspended.statusCode).toBe(303);
    expect(suspended.headers.location).toMatch(/^\/console\/apps\/lms%2Fa%3Fb%3D%251\?done=/);
    expect(store.getConsumer(odd.key)?.status).toBe('suspended');
  });
});
