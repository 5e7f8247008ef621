/** The default paths of the two token endpoints, shared by every adapter. */
export interface EndpointPaths {
  readonly initiate: string;
  readonly token: string;
}

export const DEFAULT_PATHS: EndpointPaths = { initiate: '/oauth/initiate', token: '/oauth/token' };

/** Which endpoint a request path (without query) names, if any. */
export function endpointFor(paths: EndpointPaths, path: string): 'initiate' | 'token' | undefined {
  if (path === paths.initiate) return 'initiate';
  if (path === paths.token) return 'token';
  return undefined;
}
