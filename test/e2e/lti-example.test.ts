/**
 * docs/lti.md's "A tool provider in 30 lines", run as written against the built package: a
 * student's launch signed as Moodle signs it is greeted and gets full marks at an LMS outcome
 * service built on python3-oauthlib; a teacher's is greeted and not graded; a launch without
 * `resource_link_id` is sent back to the LMS; a forged one gets an HTML problem page.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { OutcomesClient } from '../../packages/countersign/src/lti/outcomes.js';

const root = new URL('../../', import.meta.url);
const python = '/usr/bin/python3';
const hasOauthlib = spawnSync(python, ['-c', 'import oauthlib'], { stdio: 'ignore' }).status === 0;
if (!hasOauthlib && process.env.CI === 'true') throw new Error('CI needs python3-oauthlib');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts a process and waits for its first line of output that matches `pattern`. */
function started(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) resolve(match);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
}

describe.skipIf(!hasOauthlib)('the tool provider of docs/lti.md', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) child.kill();
  });

  it('greets launches, grades the student, and refuses what it must', async () => {
    const docs = readFileSync(new URL('docs/lti.md', root), 'utf8');
    const code = /```js lti-example\n([\s\S]*?)```/.exec(docs)?.[1] ?? '';
    expect(code.trim().split('\n').length).toBeLessThanOrEqual(30);
    mkdirSync(new URL('.artifacts/', root), { recursive: true });
    const file = new URL('.artifacts/lti-example.mjs', root);
    writeFileSync(file, code);
    const port = await freePort();
    const tool = spawn(process.execPath, [file.pathname], { env: { ...process.env, PORT: String(port) } });
    children.push(tool);
    const lms = JSON.parse((await started(tool, /^(\{.*\})\n/))[1] ?? '{}') as {
      key: string;
      secret: string;
    };
    expect(lms.key).toBe('moodle-a');
    const standIn = spawn(python, [
      new URL('../lti/lms_outcomes.py', import.meta.url).pathname,
      lms.key,
      lms.secret,
    ]);
    children.push(standIn);
    const serviceUrl = `http://127.0.0.1:${(await started(standIn, /listening (\d+)/))[1]}/outcomes`;
    const launchUrl = `http://127.0.0.1:${port}/lti/launch`;

    const launch = (fields: Record<string, string>, secret = lms.secret) => {
      const form = Object.entries({
        lti_message_type: 'basic-lti-launch-request',
        lti_version: 'LTI-1p0',
        resource_link_id: 'quiz-1',
        context_id: 'cs-201',
        context_title: 'Compilers',
        lis_person_name_full: 'Grace Hopper',
        launch_presentation_return_url: 'https://moodle.example/return',
        lis_outcome_service_url: serviceUrl,
        ...fields,
      }).filter(([, v]) => v !== '');
      const { oauthParameters } = signRequest({
        method: 'POST',
        url: launchUrl,
        form,
        consumerKey: lms.key,
        consumerSecret: secret,
        extra: { oauth_callback: 'about:blank' },
      });
      return fetch(launchUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        body: new URLSearchParams([...form, ...oauthParameters]).toString(),
        redirect: 'manual',
      });
    };

    const student = await launch({ roles: 'Learner', lis_result_sourcedid: 'grace-quiz-1' });
    expect(await student.text()).toBe('Hello Grace Hopper, student of Compilers');
    const outcomes = new OutcomesClient(lms);
    expect(await outcomes.readResult({ serviceUrl, sourcedid: 'grace-quiz-1' })).toBe(1);

    const teacher = await launch({
      roles: 'urn:lti:role:ims/lis/Instructor',
      lis_result_sourcedid: 'ada-quiz-1',
    });
    expect(await teacher.text()).toBe('Hello Grace Hopper, teacher of Compilers');
    expect(await outcomes.readResult({ serviceUrl, sourcedid: 'ada-quiz-1' })).toBeUndefined();

    const incomplete = await launch({ resource_link_id: '' });
    expect(incomplete.status).toBe(302);
    expect(incomplete.headers.get('location')).toMatch(
      /^https:\/\/moodle\.example\/return\?lti_errormsg=.+&lti_errorlog=parameter_absent$/,
    );

    const forged = await launch({}, 'guessed');
    expect(forged.status).toBe(401);
    expect(forged.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await forged.text()).toContain('signature_invalid');
  });
});
