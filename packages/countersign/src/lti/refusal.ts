/**
 * Answering a refused launch. LTI 1.1 lets a tool send the user back to the LMS's
 * `launch_presentation_return_url` with `lti_errormsg` (shown to the user) and `lti_errorlog` (logged
 * by the LMS); the LMS then shows its own page inside its own frame. That redirect is made only for a
 * launch whose signature verified, whose nonce was new, and that came from a registered LMS: the return
 * URL is then one that LMS signed. Of any other request the URL is whatever its sender wrote, and a
 * redirect to it would make this tool an open redirector (a link to the tool that bounces the user to
 * a phishing page with a message in the tool's name); it is answered with the problem itself, an HTML
 * page for a browser.
 */
import { cutText, PROBLEM_BOUNDS } from '../problems/bounds.js';
import { isOAuthProblem, type OAuthProblem } from '../problems/oauth-problem.js';
import type { WireResponse } from '../problems/wire.js';
import type { Provider } from '../provider/provider.js';
import type { OAuthRequest } from '../provider/request.js';

/** The signed return URL of each refusal made after the launch's signature verified. */
const SIGNED_RETURN_URLS = new WeakMap<OAuthProblem, string>();

/** Whether `url` is an absolute http(s) URL a browser can be sent to as it is. */
function isReturnUrl(url: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\u0000-\u0020\u007f\\]/.test(url) || !/^https?:\/\/[^/?#]/i.test(url)) return false;
  return URL.canParse(url);
}

/** Remembers the return URL of a verified launch's refusal (see the file's header). */
export function rememberReturnUrl(problem: OAuthProblem, returnUrl: string): void {
  if (isReturnUrl(returnUrl)) SIGNED_RETURN_URLS.set(problem, returnUrl);
}

/**
 * `url` with `pairs` added to its query, before any fragment, each name and value percent-encoded
 * and the query it already has kept byte for byte.
 *
 * @example
 * ```ts
 * withQuery('https://lms.example/return?x=1#top', [['lti_errorlog', 'nonce_used']]);
 * // 'https://lms.example/return?x=1&lti_errorlog=nonce_used#top'
 * ```
 */
export function withQuery(url: string, pairs: readonly (readonly [string, string])[]): string {
  const hash = url.indexOf('#');
  const [beforeHash, fragment] = hash < 0 ? [url, ''] : [url.slice(0, hash), url.slice(hash)];
  const added = pairs.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join('&');
  const separator = !beforeHash.includes('?') ? '?' : /[?&]$/.test(beforeHash) ? '' : '&';
  return `${beforeHash}${separator}${added}${fragment}`;
}

/**
 * The answer to a refused launch: a redirect to the launch's signed return URL with `lti_errormsg`
 * and `lti_errorlog` (the problem's name), when the refusal came after its signature verified and
 * it has one; otherwise the provider's problem response (an HTML page for a browser), and 500/503
 * for an error that is not a problem.
 *
 * @example
 * ```ts
 * const wire = launchRefusal(provider, error, request); // { status: 302, headers: { location: … } }
 * ```
 */
export function launchRefusal(provider: Provider, error: unknown, request: OAuthRequest): WireResponse {
  const returnUrl = isOAuthProblem(error) ? SIGNED_RETURN_URLS.get(error) : undefined;
  if (returnUrl === undefined || !isOAuthProblem(error)) return provider.errorResponse(error, request);
  const message = `This tool could not accept the launch: ${cutText(error.advice, PROBLEM_BOUNDS.advice)}`;
  return {
    status: 302,
    headers: {
      location: withQuery(returnUrl, [
        ['lti_errormsg', message],
        ['lti_errorlog', error.problem],
      ]),
      'cache-control': 'no-store',
    },
    body: '',
  };
}
