/**
 * The renderers: header, form body and JSON body, including the double encoding of list values.
 */
import { describe, expect, it } from 'vitest';
import {
  parseAuthorizationHeader,
  parseFormEncoded,
} from '../../packages/countersign/src/core/parameters.js';
import { PROBLEM_LIST, type ProblemName } from '../../packages/countersign/src/problems/catalogue.js';
import { PROBLEM_BOUNDS } from '../../packages/countersign/src/problems/bounds.js';
import { OAuthProblem } from '../../packages/countersign/src/problems/oauth-problem.js';
import {
  preferredFormat,
  prefersJson,
  problemForm,
  problemJson,
  renderProblem,
  wwwAuthenticate,
} from '../../packages/countersign/src/problems/render.js';

const realm = 'http://localhost:3000/';

describe('parameter_absent (the SPEC example)', () => {
  const problem = new OAuthProblem('parameter_absent', {
    parametersAbsent: ['oauth_nonce', 'oauth_timestamp'],
    advice: 'Send oauth_nonce and oauth_timestamp.',
  });

  it('renders the header exactly', () => {
    expect(wwwAuthenticate(problem, realm)).toBe(
      'OAuth realm="http://localhost:3000/", oauth_problem="parameter_absent", oauth_parameters_absent="oauth_nonce%26oauth_timestamp"',
    );
  });

  it('renders the form body exactly', () => {
    expect(problemForm(problem)).toBe(
      'oauth_problem=parameter_absent&oauth_parameters_absent=oauth_nonce%26oauth_timestamp&oauth_problem_advice=Send%20oauth_nonce%20and%20oauth_timestamp.',
    );
  });

  it('renders JSON with the list as an array', () => {
    expect(JSON.stringify(problemJson(problem))).toBe(
      '{"oauth_problem":"parameter_absent","code":2,"status":400,"message":"A required protocol parameter is missing.",' +
        '"oauth_parameters_absent":["oauth_nonce","oauth_timestamp"],"oauth_problem_advice":"Send oauth_nonce and oauth_timestamp."}',
    );
  });
});

describe('double encoding', () => {
  it('encodes rejected name=value pairs, then the whole value', () => {
    const problem = new OAuthProblem('parameter_rejected', {
      parametersRejected: [
        ['oauth_token', 'a&b'],
        ['scope', 'x y'],
      ],
    });
    const header = parseAuthorizationHeader(wwwAuthenticate(problem, realm));
    const value = header?.parameters.find((p) => p.name === 'oauth_parameters_rejected')?.value ?? '';
    expect(value).toBe('oauth_token=a%26b&scope=x%20y');
    expect(parseFormEncoded(value, 'body').map((p) => [p.name, p.value])).toEqual([
      ['oauth_token', 'a&b'],
      ['scope', 'x y'],
    ]);
    const body = parseFormEncoded(problemForm(problem), 'body');
    expect(body.find((p) => p.name === 'oauth_parameters_rejected')?.value).toBe(value);
    expect(problemJson(problem).oauth_parameters_rejected).toEqual([
      { name: 'oauth_token', value: 'a&b' },
      { name: 'scope', value: 'x y' },
    ]);
  });

  it('reports the base string once-encoded in the header and body', () => {
    const base = 'GET&http%3A%2F%2Fexample.com%2F&n%3Dv';
    const problem = new OAuthProblem('signature_invalid', { signatureBaseString: base });
    expect(wwwAuthenticate(problem, realm)).toContain(
      'oauth_signature_base_string="GET%26http%253A%252F%252Fexample.com%252F%26n%253Dv"',
    );
    const body = parseFormEncoded(problemForm(problem), 'body');
    expect(body.find((p) => p.name === 'oauth_signature_base_string')?.value).toBe(base);
    expect(problemJson(problem).oauth_signature_base_string).toBe(base);
  });
});

describe('fixed extras', () => {
  it('version_rejected reports 1.0-1.0', () => {
    expect(wwwAuthenticate(new OAuthProblem('version_rejected'), realm)).toContain(
      'oauth_acceptable_versions="1.0-1.0"',
    );
  });

  it('timestamp_refused reports the window in seconds', () => {
    const problem = new OAuthProblem('timestamp_refused', { acceptableTimestamps: [1700000000, 1700000600] });
    expect(wwwAuthenticate(problem, realm)).toContain('oauth_acceptable_timestamps="1700000000-1700000600"');
    expect(problemJson(problem).oauth_acceptable_timestamps).toBe('1700000000-1700000600');
  });
});

describe('renderProblem', () => {
  it.each(PROBLEM_LIST.map((p) => p.problem as ProblemName))('%s carries status, header and body', (name) => {
    const problem = new OAuthProblem(name, { allow: ['POST'] });
    const form = renderProblem(problem, { realm });
    expect(form.status).toBe(problem.status);
    expect(form.headers['www-authenticate']).toMatch(
      new RegExp(`^OAuth realm="[^"]+", oauth_problem="${name}"`),
    );
    expect(form.headers['cache-control']).toBe('no-store');
    expect(form.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(form.body.startsWith(`oauth_problem=${name}&`)).toBe(true);
    expect(form.body).toContain('oauth_problem_advice=');
    const json = renderProblem(problem, { realm, accept: 'application/json' });
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(json.body)).toMatchObject({
      oauth_problem: name,
      code: problem.code,
      status: problem.status,
    });
  });

  it('sends Allow for method_not_allowed', () => {
    const rendered = renderProblem(new OAuthProblem('method_not_allowed', { allow: ['POST'] }), { realm });
    expect(rendered.status).toBe(405);
    expect(rendered.headers.allow).toBe('POST');
  });

  it('leaves a parameter too long for a header to the body, keeping the problem and the short ones', () => {
    const baseString = `POST&http%3A%2F%2Fexample.com%2F&text%3D${'a'.repeat(20_000)}`;
    const rendered = renderProblem(
      new OAuthProblem('signature_invalid', { signatureBaseString: baseString }),
      {
        realm,
      },
    );
    const header = rendered.headers['www-authenticate'] ?? '';
    expect(header.length).toBeLessThanOrEqual(PROBLEM_BOUNDS.header);
    expect(parseAuthorizationHeader(header)?.parameters).toEqual([
      { name: 'oauth_problem', value: 'signature_invalid', source: 'header' },
    ]);
    const body = parseFormEncoded(rendered.body, 'body');
    // The body has it, cut at its bound with a marker of what is left out.
    expect(body.find((p) => p.name === 'oauth_signature_base_string')?.value).toBe(
      `${baseString.slice(0, PROBLEM_BOUNDS.baseString)}…[${baseString.length - PROBLEM_BOUNDS.baseString} more characters]`,
    );
  });

  it('keeps an ordinary base string in the header', () => {
    const baseString = 'GET&http%3A%2F%2Fexample.com%2Fapi&oauth_nonce%3Dabc';
    const header = wwwAuthenticate(
      new OAuthProblem('signature_invalid', { signatureBaseString: baseString }),
      realm,
    );
    expect(parseAuthorizationHeader(header)?.parameters.at(-1)).toMatchObject({
      name: 'oauth_signature_base_string',
      value: baseString,
    });
  });

  it('never shows the value of a rejected signature (a PLAINTEXT one is the secrets)', () => {
    const problem = new OAuthProblem('parameter_rejected', {
      parametersRejected: [
        ['oauth_signature', 'consumersecret&tokensecret'],
        ['oauth_signature[]', 'consumersecret&'],
        ['oauth_signature_method', 'PLAINTEXT'],
      ],
    });
    const header = wwwAuthenticate(problem, realm);
    const form = problemForm(problem);
    const json = problemJson(problem);
    for (const text of [header, form, JSON.stringify(json)]) expect(text).not.toContain('consumersecret');
    expect(json.oauth_parameters_rejected?.map((p) => p.name)).toEqual([
      'oauth_signature',
      'oauth_signature[]',
      'oauth_signature_method',
    ]);
    expect(json.oauth_parameters_rejected?.[2]?.value).toBe('PLAINTEXT');
  });

  it('never shows the value of a rejected secret, whatever its name says it is', () => {
    const problem = new OAuthProblem('parameter_rejected', {
      parametersRejected: [
        ['oauth_token_secret', 'tokensecret1'],
        ['oauth_consumer_secret', 'consumersecret2'],
        ['oauth_verifier', 'verifier3'],
        ['x_auth_password', 'password4'],
        ['OAuth_Signature', 'signature5'],
        ['oauth_token', 'sometoken'],
      ],
    });
    const json = problemJson(problem);
    for (const text of [wwwAuthenticate(problem, realm), problemForm(problem), JSON.stringify(json)])
      expect(text).not.toMatch(/tokensecret1|consumersecret2|verifier3|password4|signature5/);
    // An identifier stays readable: the client needs to see which one was refused.
    expect(json.oauth_parameters_rejected?.at(-1)).toEqual({ name: 'oauth_token', value: 'sometoken' });
  });

  it('escapes a quote in the realm', () => {
    expect(wwwAuthenticate(new OAuthProblem('nonce_used'), 'a"b')).toBe(
      'OAuth realm="a\\"b", oauth_problem="nonce_used"',
    );
  });
});

describe('prefersJson', () => {
  it.each([
    [undefined, false],
    ['*/*', false],
    ['text/html', false],
    ['application/json', true],
    ['application/json, */*;q=0.8', true],
    ['application/x-www-form-urlencoded, application/json;q=0.5', false],
    ['application/x-www-form-urlencoded;q=0.5, application/json', true],
    ['application/json;q=0', false],
  ])('%j → %s', (accept, expected) => {
    expect(prefersJson(accept)).toBe(expected);
  });
});

describe('the HTML page for a browser', () => {
  const chromium =
    'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8';

  it('is chosen when Accept prefers text/html, and only then', () => {
    expect(preferredFormat(chromium)).toBe('text/html');
    expect(preferredFormat('text/html')).toBe('text/html');
    expect(preferredFormat('*/*')).toBe('application/x-www-form-urlencoded');
    expect(preferredFormat(undefined)).toBe('application/x-www-form-urlencoded');
    expect(preferredFormat('application/json, text/html;q=0.5')).toBe('application/json');
    expect(preferredFormat('text/html;q=0.1, application/x-www-form-urlencoded')).toBe(
      'application/x-www-form-urlencoded',
    );
    expect(preferredFormat('image/png')).toBe('application/x-www-form-urlencoded');
  });

  it('keeps the header, and says the status, the problem, its meaning and the advice', () => {
    const problem = new OAuthProblem('parameter_absent', {
      parametersAbsent: ['lti_message_type', 'resource_link_id'],
      advice: 'This launch needs lti_message_type and resource_link_id.',
    });
    const page = renderProblem(problem, { realm, accept: chromium });
    expect(page.status).toBe(400);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['www-authenticate']).toBe(wwwAuthenticate(problem, realm));
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers.vary).toBe('Accept');
    expect(page.body).toMatch(/^<!doctype html>/);
    expect(page.body).toContain('<h1>400 Bad Request: parameter_absent</h1>');
    expect(page.body).toContain(
      'OAuth problem 2, <code>parameter_absent</code>): A required protocol parameter is missing.',
    );
    expect(page.body).toContain('This launch needs lti_message_type and resource_link_id.');
    expect(page.body).toContain(
      '<dt>Missing</dt><dd><code>lti_message_type</code>, <code>resource_link_id</code></dd>',
    );
    expect(page.body).not.toContain('<script');
  });

  it('escapes what the request sent, redacts secrets, and bounds every value', () => {
    const problem = new OAuthProblem('parameter_rejected', {
      parametersRejected: [
        ['oauth_signature', 'consumer-secret&token-secret'],
        ['x<script>', `"><img src=x onerror=alert(1)>${'a'.repeat(1000)}`],
      ],
      advice: 'Do not send <b>this</b> & that.',
    });
    const { body } = renderProblem(problem, { realm, accept: 'text/html' });
    expect(body).not.toContain('consumer-secret');
    expect(body).toContain('oauth_signature=[redacted]');
    expect(body).not.toContain('<script>');
    expect(body).not.toContain('<img');
    expect(body).toContain('x&lt;script&gt;=&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(body).toContain('more characters]');
    expect(body).toContain('Do not send &lt;b&gt;this&lt;/b&gt; &amp; that.');
  });

  it('shows the base string for signature_invalid, where the wire format has it, and for nothing else', () => {
    const signed = renderProblem(
      new OAuthProblem('signature_invalid', { signatureBaseString: 'POST&http%3A%2F%2Ftool%2F&a%3D1' }),
      { realm, accept: 'text/html' },
    );
    expect(signed.body).toContain('<dt>Base string the server computed</dt>');
    expect(signed.body).toContain('<code>POST&amp;http%3A%2F%2Ftool%2F&amp;a%3D1</code>');
    for (const { problem: name } of PROBLEM_LIST.filter((p) => p.problem !== 'signature_invalid')) {
      const other = renderProblem(
        new OAuthProblem(name as ProblemName, { signatureBaseString: 'POST&x&y' }),
        {
          realm,
          accept: 'text/html',
        },
      );
      expect(other.body, name).not.toContain('Base string');
    }
  });
});
