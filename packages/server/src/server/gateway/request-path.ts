/**
 * A request path as the gateway matches it: split into segments, each percent-decoded once. Paths
 * that servers read in different ways are refused rather than matched, so that the route chosen
 * here is the one the upstream serves: a dot segment (`/public/../admin`), an empty segment
 * (`//admin`, which many servers merge), an encoded slash or backslash (`%2F`, `%5C`), a raw
 * backslash, a semicolon (Java servlet containers drop `;…` from a segment before routing), a
 * control character, or an escape that is not UTF-8. A single trailing slash is ignored, as most
 * frameworks do.
 */

/** Why a path is refused, in words for the client. */
export const AMBIGUOUS_PATH =
  'The path has a dot segment, an empty segment, an encoded slash or backslash, a backslash, a ' +
  'semicolon or a control character. Servers read such paths differently, so it is not forwarded.';

// eslint-disable-next-line no-control-regex -- control characters are what this refuses
const UNSAFE_DECODED = /[\u0000-\u001f\u007f/\\]/;

/** One segment decoded, or `undefined` when it is refused. */
function decodeSegment(raw: string): string | undefined {
  if (raw.includes(';') || raw.includes('\\')) return undefined;
  let decoded = raw;
  if (raw.includes('%')) {
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
  }
  if (decoded === '' || decoded === '.' || decoded === '..' || UNSAFE_DECODED.test(decoded)) return undefined;
  return decoded;
}

/**
 * The decoded segments of a path (no query), or `undefined` when it is refused. `/` is no segment.
 *
 * @example
 * ```ts
 * pathSegments('/v1/caf%C3%A9/'); // ['v1', 'café']
 * pathSegments('/v1/../admin'); // undefined
 * ```
 */
export function pathSegments(path: string): string[] | undefined {
  if (!path.startsWith('/')) return undefined;
  if (path === '/') return [];
  const segments = (path.endsWith('/') ? path.slice(1, -1) : path.slice(1)).split('/');
  for (let i = 0; i < segments.length; i++) {
    const decoded = decodeSegment(segments[i] as string);
    if (decoded === undefined) return undefined;
    segments[i] = decoded;
  }
  return segments;
}
