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
