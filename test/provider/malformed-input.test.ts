/**
 * Core reports unreadable input as a `MalformedInputError`; the engine answers it as the
 * `parameter_rejected` problem naming the same parameter, value and advice — the very response core's
 * old `rejectParameter` produced — and reports it to `onProblem`, never as a 500.
 */
import { describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { MalformedInputError } from '../../packages/countersign/src/core/malformed-input.js';
import {
  parseAuthorizationHeader,
  parseFormEncoded,
} from '../../packages/countersign/src/core/parameters.js';
import { baseStringUri } from '../../packages/countersign/src/core/base-string.js';
import { isOAuthProblem, rejectParameter } from '../../packages/countersign/src/problems/oauth-problem.js';
import { renderProblem } from '../../packages/countersign/src/problems/render.js';
import { createProvider, type ProblemReport } from '../../packages/countersign/src/provider/provider.js';
import type { OAuthRequest } from '../../packages/countersign/src/provider/request.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';

const NOW = 1_800_000_000_000;

/** What core throws for `run`. */
function malformedOf(run: () => unknown): MalformedInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof MalformedInputError) return error;
    throw error;
  }
  throw new Error('expected a MalformedInputError');
}

async function setup() {
  const reports: ProblemReport[] = [];
  const store = new MemoryStore();
  const provider = createProvider({ store, clock: () => NOW, onProblem: (r) => void reports.push(r) });
  const consumer = await provider.registerConsumer({ name: 'App', owner: 'alice', callback: 'oob' });
  // Signed without the query: the query's own malformed escape is what is under test.
  const signed = (host: string, target = '/oauth/initiate'): OAuthRequest => ({
    method: 'POST',
    target,
    headers: {
      host,
      authorization: signRequest({
        method: 'POST',
        url: `http://provider.test${target.split('?')[0] ?? ''}`,
        consumerKey: consumer.key,
        consumerSecret: consumer.secret,
        timestamp: String(NOW / 1000),
        extra: { oauth_callback: 'oob' },
      }).authorization,
    },
    secure: false,
  });
  return { provider, reports, signed };
}

const CASES: {
  what: string;
  request: (signed: (host: string, target?: string) => OAuthRequest) => OAuthRequest;
  core: () => unknown;
}[] = [
  {
    what: 'a malformed percent escape in the query',
    request: (signed) => signed('provider.test', '/oauth/initiate?q=%zz'),
    core: () => parseFormEncoded('q=%zz', 'query'),
  },
  {
    what: 'a malformed Authorization header',
    request: (signed) => ({
      ...signed('provider.test'),
      headers: { host: 'provider.test', authorization: 'OAuth oauth_nonce="n",' },
    }),
    core: () => parseAuthorizationHeader('OAuth oauth_nonce="n",'),
  },
  {
    what: 'a Host that is not host[:port]',
    request: (signed) => signed('provider test'),
    core: () => baseStringUri({ scheme: 'http', host: 'provider test', path: '/oauth/initiate' }),
  },
];

describe('malformed input', () => {
  it.each(CASES)('answers $what as parameter_rejected, as core reported it', async ({ request, core }) => {
    const { provider, reports, signed } = await setup();
    const malformed = malformedOf(core);
    const response = await provider.initiate(request(signed));
    const problem = rejectParameter(malformed.parameter, malformed.value, malformed.advice);
    const realm = `http://${String(request(signed).headers.host)}/`;
    expect(response).toEqual(renderProblem(problem, { realm }));
    expect(reports.map((r) => r.problem.problem)).toEqual(['parameter_rejected']);
  });

  it('rejects verify with the OAuthProblem, not the core error', async () => {
    const { provider, signed } = await setup();
    const refused = await provider.verify(signed('provider.test', '/api?q=%zz')).catch((e: unknown) => e);
    expect(isOAuthProblem(refused, 'parameter_rejected')).toBe(true);
    expect(provider.errorResponse(malformedOf(CASES[0]!.core), signed('provider.test')).status).toBe(400);
  });
});
