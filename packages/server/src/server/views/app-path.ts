/** An application's page, as a path: its key percent-encoded, since a chosen key may hold `/` or `?`. */
export function appPath(key: string, action?: string): string {
  return `/console/apps/${encodeURIComponent(key)}${action === undefined ? '' : `/${action}`}`;
}
