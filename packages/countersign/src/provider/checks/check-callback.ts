/**
 * At initiate: `oauth_callback` is `oob`, or an absolute URL with the origin of the consumer's
 * registered callback and under its path (RFC 5849 §2.1; the registration pins where verifiers go)
 * → `parameter_rejected`. A callback that a browser or the application's router could read as
 * somewhere else — userinfo, a fragment, a backslash, an encoded `/`, `\` or `.`, a dot segment — is
 * refused before it is compared, here and at registration.
 */
import { rejectParameter } from '../../problems/oauth-problem.js';
import type { CheckContext } from '../context.js';

/** Dot segments in a path as written: `/./`, `/../`, or one at the end. */
const DOT_SEGMENT = /\/\.{1,2}(?:\/|$)/;

/** `/`, `\` and `.` percent-encoded: an application that decodes its path could climb out of the prefix. */
const ENCODED_SEPARATOR = /%2f|%5c|%2e/i;

/**
 * Why a callback URL (not `oob`) cannot be taken, or `undefined` when it can: it must be an absolute
 * http(s) URL whose meaning does not depend on who parses it.
 *
 * @example
 * ```ts
 * callbackFault('https://app.example/cb/..%2Fadmin'); // 'must not percent-encode "/", "\\" or "." before its query'
 * callbackFault('https://app.example/cb?x=1');        // undefined
 * ```
 */
export function callbackFault(callback: string): string | undefined {
  let url: URL;
  try {
    url = new URL(callback);
  } catch {
    return 'must be "oob" or an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL';
  if (callback.includes('#')) return 'must not have a fragment';
  if (callback.includes('\\')) return 'must not contain a backslash';
  // Before the query: the scheme, the authority and the path, as written.
  const [beforeQuery = ''] = callback.split('?', 1);
  const authority = beforeQuery.slice(beforeQuery.indexOf('//') + 2).split('/', 1)[0] ?? '';
  if (url.username !== '' || url.password !== '' || authority.includes('@'))
    return 'must not carry a user name or password';
  if (ENCODED_SEPARATOR.test(beforeQuery)) return 'must not percent-encode "/", "\\" or "." before its query';
  if (DOT_SEGMENT.test(beforeQuery.slice(beforeQuery.indexOf('//') + 2)))
    return 'must not have "." or ".." segments';
  return undefined;
}

/**
 * Whether `callback` is allowed for a consumer registered with `registered`: the same origin, and
 * the registered path or one under it, compared on the parsed and normalised URLs.
 */
export function callbackMatches(callback: string, registered: string): boolean {
  if (callback === 'oob') return true;
  if (registered === 'oob' || callbackFault(callback) !== undefined) return false;
  let url: URL;
  let base: URL;
  try {
    url = new URL(callback);
    base = new URL(registered);
  } catch {
    return false;
  }
  if (url.origin !== base.origin) return false;
  const prefix = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  return url.pathname === base.pathname || url.pathname.startsWith(prefix);
}

export function checkCallback({ oauth, consumer }: CheckContext): void {
  const callback = oauth.get('oauth_callback') ?? '';
  if (!consumer || callbackMatches(callback, consumer.callback)) return;
  const fault = callback === 'oob' ? undefined : callbackFault(callback);
  throw rejectParameter(
    'oauth_callback',
    callback,
    consumer.callback === 'oob'
      ? 'This consumer is registered for out-of-band use; send oauth_callback=oob.'
      : fault !== undefined
        ? `oauth_callback ${fault}; send "oob" or a plain URL under the registered callback ${consumer.callback}.`
        : `oauth_callback must be "oob" or a URL under the registered callback ${consumer.callback}.`,
  );
}
