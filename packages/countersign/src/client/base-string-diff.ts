/**
 * Showing two signature base strings one above the other with the first difference marked and
 * explained — the fastest way to see why a signature does not match. The server's copy may be cut
 * (Countersign sends the first few KiB of a long one): then only the part it sent can be compared,
 * and the lines say so. The command line's `countersign request` and the console's signature doctor
 * both show them.
 */
import { explainDifference } from './base-string-explain.js';

export { explainDifference };

/** What identical base strings say about a signature that does not match. */
export const IDENTICAL = 'server and client base strings are identical (so the secrets or the method differ)';

/**
 * The index of the first character where the strings differ, or -1 if they are equal.
 *
 * @example
 * ```ts
 * firstDifference('GET&a', 'GET&b'); // 4
 * ```
 */
export function firstDifference(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : length;
}

/**
 * Lines for a terminal: a window of each string around the first difference, a caret under it, and
 * why they differ. `serverOmitted` is how many characters the server left out of its copy (see
 * `readCut`).
 *
 * @example
 * ```ts
 * compareBaseStrings('GET&http%3A%2F%2Fa.example%2F&', 'get&http%3A%2F%2Fa.example%2F&');
 * // ['server: GET&…', 'client: get&…', '        ^ first difference at character 1',
 * //  'why:    the method is "get"; the base string has it in upper case, "GET" (RFC 5849 §3.4.1.1).']
 * ```
 */
export function compareBaseStrings(server: string, client: string, width = 100, serverOmitted = 0): string[] {
  const at = firstDifference(server, client);
  if (serverOmitted > 0 && (at < 0 || (at === server.length && client.length > at))) {
    return [
      `server and client base strings agree on the ${server.length} characters the server sent;`,
      `its copy was cut there (${serverOmitted} more characters not sent): ${server.length + serverOmitted} in all, yours ${client.length}`,
    ];
  }
  if (at < 0) return [IDENTICAL];
  const start = Math.max(0, at - Math.floor(width / 2));
  const cut = (s: string) =>
    (start > 0 ? '…' : '') + s.slice(start, start + width) + (s.length > start + width ? '…' : '');
  const offset = at - start + (start > 0 ? 1 : 0);
  const why = serverOmitted > 0 ? undefined : explainDifference(server, client);
  return [
    `server: ${cut(server)}`,
    `client: ${cut(client)}`,
    `${' '.repeat(8 + offset)}^ first difference at character ${at + 1}`,
    ...(why === undefined ? [] : [`why:    ${why}`]),
    ...(serverOmitted > 0 ? [`(the server's copy was cut after ${server.length} characters)`] : []),
  ];
}
