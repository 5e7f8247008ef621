/** The default paths of the two token endpoints, and the options every adapter takes. */

/** Where the two token endpoints are served (default `/oauth/initiate` and `/oauth/token`). */
export interface EndpointPaths {
  readonly initiate: string;
  readonly token: string;
}

/**
 * What every adapter takes besides the provider.
 *
 * @example
 * ```ts
 * const oauth = expressAdapter(provider, { paths: { initiate: '/1/initiate', token: '/1/token' } });
 * ```
 */
export interface AdapterOptions {
  /**
   * Where the token endpoints are.
   *
   * @defaultValue `{ initiate: '/oauth/initiate', token: '/oauth/token' }`
   */
  readonly paths?: EndpointPaths | undefined;
  /**
   * The largest body read, in bytes (default 1 MiB); a larger one is answered with 413.
   *
   * @defaultValue `1048576` (1 MiB)
   */
  readonly bodyLimit?: number | undefined;
}

export const DEFAULT_PATHS: EndpointPaths = { initiate: '/oauth/initiate', token: '/oauth/token' };

/** Which endpoint a request path (without query) names, if any. */
export function endpointFor(paths: EndpointPaths, path: string): 'initiate' | 'token' | undefined {
  if (path === paths.initiate) return 'initiate';
  if (path === paths.token) return 'token';
  return undefined;
}
