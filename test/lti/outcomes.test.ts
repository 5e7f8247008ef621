/**
 * The outcomes client against an LMS stand-in built on python3-oauthlib (lms_outcomes.py), which
 * verifies each request's signature and its oauth_body_hash and keeps scores: replace, read, delete,
 * the LMS's refusals, and scores refused before anything is sent. Then answers no LMS should give,
 * from a server of our own: not XML, a DOCTYPE, another message's status, too large, too slow.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutcomeError, OutcomesClient } from '../../packages/countersign/src/lti/index.js';

const python = '/usr/bin/python3';
const hasOauthlib = spawnSync(python, ['-c', 'import oauthlib'], { stdio: 'ignore' }).status === 0;
if (!hasOauthlib && process.env.CI === 'true') throw new Error('CI needs python3-oauthlib');

const KEY = 'moodle-school-a';
const SECRET = 'lms-shared-secret';

async function outcomeError(promise: Promise<unknown>): Promise<OutcomeError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OutcomeError) return error;
    throw error;
  }
  throw new Error('no OutcomeError');
}

describe.skipIf(!hasOauthlib)('against an LMS built on python3-oauthlib', () => {
  let lms: ChildProcess;
  let base: string;
  const requests = async () =>
    (await (await fetch(`${base}/requests`)).json()) as {
      valid: boolean;
      body_hash: string;
      computed: string;
      content_type: string;
    }[];

  beforeAll(async () => {
    lms = spawn(python, [new URL('lms_outcomes.py', import.meta.url).pathname, KEY, SECRET]);
    base = await new Promise<string>((resolve, reject) => {
      lms.stdout?.on('data', (chunk: Buffer) => {
        const match = /listening (\d+)/.exec(chunk.toString());
        if (match) resolve(`http://127.0.0.1:${match[1]}`);
      });
      lms.once('exit', (code) => reject(new Error(`the LMS stand-in exited with ${code}`)));
    });
  });
  afterAll(() => {
    lms.kill();
  });

  it('replaces, reads and deletes a result, each signed with a body hash the LMS verified', async () => {
    const outcomes = new OutcomesClient({ key: KEY, secret: SECRET });
    const outcome = { serviceUrl: `${base}/outcomes`, sourcedid: 'course-1:link-2:ada' };
    expect(await outcomes.readResult(outcome)).toBeUndefined();
    await outcomes.replaceResult(outcome, 0.92);
    expect(await outcomes.readResult(outcome)).toBe(0.92);
    await outcomes.replaceResult(outcome, 1);
    expect(await outcomes.readResult(outcome)).toBe(1);
    await outcomes.replaceResult(outcome, 0.0000001);
    expect(await outcomes.readResult(outcome)).toBe(0.0000001);
    await outcomes.deleteResult(outcome);
    expect(await outcomes.readResult(outcome)).toBeUndefined();
    const seen = await requests();
    expect(seen).toHaveLength(9);
    for (const request of seen) {
      expect(request).toMatchObject({ valid: true, content_type: 'application/xml' });
      expect(request.body_hash).toBe(request.computed);
    }
  });

  it('escapes a sourcedid with XML in it', async () => {
    const outcomes = new OutcomesClient({ key: KEY, secret: SECRET });
    const outcome = { serviceUrl: `${base}/outcomes`, sourcedid: `a<b>&"c'</sourcedId>` };
    await outcomes.replaceResult(outcome, 0.5);
    expect(await outcomes.readResult(outcome)).toBe(0.5);
  });

  it('throws what the LMS said when it refuses', async () => {
    const outcomes = new OutcomesClient({ key: KEY, secret: SECRET });
    const error = await outcomeError(
      outcomes.replaceResult({ serviceUrl: `${base}/outcomes`, sourcedid: 'unknown-7' }, 0.5),
    );
    expect(error.code).toBe('outcome_refused');
    expect(error.message).toBe(
      'the LMS refused replaceResult: imsx_codeMajor failure (error: No result for unknown-7.)',
    );
    expect(error.status).toMatchObject({ codeMajor: 'failure', description: 'No result for unknown-7.' });
    expect(error.httpStatus).toBe(200);
  });

  it('says so when the LMS refuses the signature (the wrong secret)', async () => {
    const outcomes = new OutcomesClient({ key: KEY, secret: 'not-the-secret' });
    const error = await outcomeError(outcomes.readResult({ serviceUrl: `${base}/outcomes`, sourcedid: 'x' }));
    expect(error.code).toBe('outcome_unanswered');
    expect(error.httpStatus).toBe(401);
    expect(error.message).toContain('the LMS answered readResult with HTTP 401 that is not a POX status');
  });

  it.each([-0.01, 1.0001, Number.NaN, Number.POSITIVE_INFINITY, '0.5' as unknown as number])(
    'refuses the score %s before sending anything',
    async (score) => {
      const before = (await requests()).length;
      const outcomes = new OutcomesClient({ key: KEY, secret: SECRET });
      const error = await outcomeError(
        outcomes.replaceResult({ serviceUrl: `${base}/outcomes`, sourcedid: 'ada' }, score),
      );
      expect(error.code).toBe('invalid_outcome');
      expect(error.message).toContain('a score is a number from 0.0 to 1.0');
      expect((await requests()).length).toBe(before);
    },
  );
});

describe('answers no LMS should give', () => {
  let server: Server;
  let base: string;
  let answer: (body: string) => { status?: number; text: string; delay?: number };

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const { status = 200, text, delay = 0 } = answer(body);
        setTimeout(() => {
          response.writeHead(status, { 'content-type': 'application/xml' });
          response.end(text);
        }, delay);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const status = (code: string, ref: string) =>
    `<imsx_POXEnvelopeResponse xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0"><imsx_POXHeader><imsx_POXResponseHeaderInfo><imsx_statusInfo><imsx_codeMajor>${code}</imsx_codeMajor><imsx_messageRefIdentifier>${ref}</imsx_messageRefIdentifier></imsx_statusInfo></imsx_POXResponseHeaderInfo></imsx_POXHeader><imsx_POXBody/></imsx_POXEnvelopeResponse>`;
  const sentId = (body: string) => /<imsx_messageIdentifier>([^<]+)</.exec(body)?.[1] ?? '';
  const outcome = () => ({ serviceUrl: `${base}/outcomes`, sourcedid: 'ada' });

  it.each([
    ['HTML', () => ({ text: '<html><body>Sign in</body></html>' }), 'the root element is <html>'],
    [
      'text',
      () => ({ status: 500, text: 'Internal error' }),
      'HTTP 500 that is not a POX status: text outside the root',
    ],
    [
      'a DOCTYPE',
      () => ({ text: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>' }),
      'a DOCTYPE or other declaration, which is refused',
    ],
    ['no status', () => ({ text: '<imsx_POXEnvelopeResponse/>' }), 'has no imsx_POXHeader'],
    [
      'an unknown code',
      (body: string) => ({ text: status('great', sentId(body)) }),
      'imsx_codeMajor is "great"',
    ],
    [
      'another message’s status',
      () => ({ text: status('success', 'someone-else') }),
      'answered message someone-else',
    ],
  ])('refuses %s', async (_what, reply, message) => {
    answer = reply;
    const error = await outcomeError(
      new OutcomesClient({ key: KEY, secret: SECRET }).deleteResult(outcome()),
    );
    expect(error.code).toBe('outcome_unanswered');
    expect(error.message).toContain(message);
  });

  it('takes a success with a namespace prefix and the message it was sent', async () => {
    answer = (body) => ({
      text: status('success', sentId(body))
        .replaceAll('<imsx_', '<x:imsx_')
        .replaceAll('</imsx_', '</x:imsx_')
        .replace('xmlns=', 'xmlns:x='),
    });
    await new OutcomesClient({ key: KEY, secret: SECRET }).deleteResult(outcome());
  });

  it('gives up on an answer that is too large or too slow', async () => {
    answer = () => ({ text: `<a>${'x'.repeat(300 * 1024)}</a>` });
    const large = await outcomeError(
      new OutcomesClient({ key: KEY, secret: SECRET }).deleteResult(outcome()),
    );
    expect(large.message).toContain('an answer of more than 262144 bytes');
    answer = (body) => ({ text: status('success', sentId(body)), delay: 2000 });
    const client = new OutcomesClient({ key: KEY, secret: SECRET, timeout: 200 });
    const slow = await outcomeError(client.deleteResult(outcome()));
    expect(slow.message).toContain('no answer within 200 ms');
  });

  it('refuses an outcome without a service URL or sourcedid, and a client without credentials', async () => {
    const client = new OutcomesClient({ key: KEY, secret: SECRET });
    for (const bad of [
      { serviceUrl: 'javascript:alert(1)', sourcedid: 'a' },
      { serviceUrl: '/relative', sourcedid: 'a' },
      { serviceUrl: `${base}/outcomes`, sourcedid: '' },
    ]) {
      expect((await outcomeError(client.readResult(bad))).code).toBe('invalid_outcome');
    }
    expect(() => new OutcomesClient({ key: '', secret: SECRET })).toThrow(TypeError);
  });
});
