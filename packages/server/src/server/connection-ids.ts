/**
 * The connections page names a grant by an opaque id, never by its access token: an HMAC of the
 * token under a key of this server, so the page's HTML (a screenshot, a saved page, a browser
 * extension) carries nothing that could sign a request.
 */
import { createHmac } from 'node:crypto';

/**
 * The id function for a server secret: the same on every instance sharing that secret.
 *
 * @example
 * ```ts
 * const connectionId = connectionIds(cookieSecret);
 * connectionId(token.token); // 43 URL-safe characters
 * ```
 */
export function connectionIds(serverSecret: string): (token: string) => string {
  // A key of its own, derived from the server's secret, so that these ids are not cookie signatures.
  const key = createHmac('sha256', serverSecret).update('countersign connection ids').digest();
  return (token) => createHmac('sha256', key).update(token).digest('base64url');
}
