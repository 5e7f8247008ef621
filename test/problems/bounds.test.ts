/**
 * Bounded problems: whatever a request sent, the `WWW-Authenticate` header stays under 8 KiB and
 * the body quotes at most a few KiB of it, with a marker saying how much was left out.
 */
import { describe, expect, it } from 'vitest';
import {
  parseAuthorizationHeader,
  parseFormEncoded,
} from '../../packages/countersign/src/core/parameters.js';
import { cutText, PROBLEM_BOUNDS, readCut } from '../../packages/countersign/src/problems/bounds.js';
import { OAuthProblem } from '../../packages/countersign/src/problems/oauth-problem.js';
import {
  problemForm,
  problemJson,
  renderProblem,
  wwwAuthenticate,
} from '../../packages/countersign/src/problems/render.js';

const realm = 'http://localhost:3000/';
const MIB = 1024 * 1024;

function headerParameters(problem: OAuthProblem, realmOf = realm): Record<string, string> {
  const parsed = parseAuthorizationHeader(wwwAuthenticate(problem, realmOf));
  return Object.fromEntries((parsed?.parameters ?? []).map((p) => [p.name, p.value]));
}

function formParameters(problem: OAuthProblem): Record<string, string> {
  return Object.fromEntries(parseFormEncoded(problemForm(problem), 'body').map((p) => [p.name, p.value]));
}

describe('cutText and readCut', () => {
  it('cut with a marker and read it back', () => {
    expect(cutText('abcdef', 4)).toBe('abcd…[2 more characters]');
    expect(readCut('abcd…[2 more characters]')).toEqual({ kept: 'abcd', omitted: 2 });
    expect(cutText('abc', 4)).toBe('abc');
    expect(readCut('abc')).toEqual({ kept: 'abc', omitted: 0 });
  });

  it('never keeps half a surrogate pair', () => {
    expect(readCut(cutText('ab😀cd', 3)).kept).toBe('ab');
  });
});

describe('a 1 MiB base string', () => {
  const base = `POST&http%3A%2F%2Flocalhost%2F&text%3D${'a'.repeat(MIB)}`;
  const problem = new OAuthProblem('signature_invalid', { signatureBaseString: base });

  it('is left out of the header, which stays small', () => {
    const header = wwwAuthenticate(problem, realm);
    expect(header.length).toBeLessThan(8 * 1024);
    expect(headerParameters(problem)).toEqual({ oauth_problem: 'signature_invalid' });
  });

  it('is cut in the body, with a marker of how much was left out', () => {
    for (const sent of [
      formParameters(problem).oauth_signature_base_string,
      problemJson(problem).oauth_signature_base_string,
    ]) {
      const { kept, omitted } = readCut(sent ?? '');
      expect(kept).toBe(base.slice(0, PROBLEM_BOUNDS.baseString));
      expect(omitted).toBe(base.length - PROBLEM_BOUNDS.baseString);
    }
    expect(renderProblem(problem, { realm }).body.length).toBeLessThan(16 * 1024);
    expect(renderProblem(problem, { realm, accept: 'application/json' }).body.length).toBeLessThan(16 * 1024);
  });

  it('a short base string is still in the header and whole in the body', () => {
    const short = new OAuthProblem('signature_invalid', { signatureBaseString: 'GET&http%3A%2F%2Fx%2F&' });
    expect(headerParameters(short).oauth_signature_base_string).toBe('GET&http%3A%2F%2Fx%2F&');
    expect(formParameters(short).oauth_signature_base_string).toBe('GET&http%3A%2F%2Fx%2F&');
  });
});

describe('long rejected values, many of them, and long advice', () => {
  const rejected = Array.from({ length: 1000 }, (_, i): [string, string] => [
    `oauth_x${i}`,
    'v'.repeat(1000),
  ]);
  const problem = new OAuthProblem('parameter_rejected', {
    parametersRejected: rejected,
    advice: `Do not send ${'q'.repeat(MIB)}.`,
  });

  it('keep the header under 8 KiB', () => {
    expect(wwwAuthenticate(problem, realm).length).toBeLessThan(8 * 1024);
    expect(headerParameters(problem).oauth_problem).toBe('parameter_rejected');
  });

  it('keep the body bounded: the first values cut, a count of the rest, the advice cut', () => {
    const { body } = renderProblem(problem, { realm });
    expect(body.length).toBeLessThan(32 * 1024);
    const form = formParameters(problem);
    const pairs = parseFormEncoded(form.oauth_parameters_rejected ?? '', 'body');
    expect(pairs).toHaveLength(PROBLEM_BOUNDS.listItems + 1);
    expect(pairs[0]?.name).toBe('oauth_x0');
    expect(readCut(pairs[0]?.value ?? '')).toEqual({
      kept: 'v'.repeat(PROBLEM_BOUNDS.listValue),
      omitted: 1000 - PROBLEM_BOUNDS.listValue,
    });
    expect(pairs.at(-1)?.value).toContain(String(1000 - PROBLEM_BOUNDS.listItems));
    expect(readCut(form.oauth_problem_advice ?? '').omitted).toBeGreaterThan(0);
    const json = problemJson(problem);
    expect(json.oauth_parameters_rejected).toHaveLength(PROBLEM_BOUNDS.listItems + 1);
    expect(JSON.stringify(json).length).toBeLessThan(32 * 1024);
  });
});

it('a huge realm (from a Host header) still leaves the header under 8 KiB', () => {
  const problem = new OAuthProblem('nonce_used');
  const header = wwwAuthenticate(problem, `http://${'h'.repeat(15000)}/`);
  expect(header.length).toBeLessThan(8 * 1024);
  expect(headerParameters(problem, `http://${'h'.repeat(15000)}/`).oauth_problem).toBe('nonce_used');
});
