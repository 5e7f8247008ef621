/**
 * At initiate: `oauth_callback` is `oob`, or an absolute URL with the origin of the consumer's
 * registered callback and under its path (RFC 5849 §2.1; the registration pins where verifiers go)
 * → `parameter_rejected`.
 */
import { rejectParameter } from '../../problems/oauth-problem.js';
import type { CheckContext } from '../context.js';

/** Whether `callback` is allowed for a consumer registered with `registered`. */
export function callbackMatches(callback: string, registered: string): boolean {
  if (callback === 'oob') return true;
  if (registered === 'oob') return false;
  let url: URL;
  let base: URL;
  try {
    url = new URL(callback);
    base = new URL(registered);
  } catch {
    return false;
  }
  if (url.origin !== base.origin || url.username !== '' || url.password !== '') return false;
  const prefix = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  return url.pathname === base.pathname || url.pathname.startsWith(prefix);
}

export function checkCallback({ oauth, consumer }: CheckContext): void {
  const callback = oauth.get('oauth_callback') ?? '';
  if (!consumer || callbackMatches(callback, consumer.callback)) return;
  throw rejectParameter(
    'oauth_callback',
    callback,
    consumer.callback === 'oob'
      ? 'This consumer is registered for out-of-band use; send oauth_callback=oob.'
      : `oauth_callback must be "oob" or a URL under the registered callback ${consumer.callback}.`,
  );
}
