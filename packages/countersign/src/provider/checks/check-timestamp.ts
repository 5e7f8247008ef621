/**
 * Check 8: `oauth_timestamp` is a positive decimal integer of at most 10 digits (RFC 5849 §3.3:
 * "expressed in the number of seconds since January 1, 1970 00:00:00 GMT") within now ± the window
 * → `timestamp_refused` with `oauth_acceptable_timestamps`. Absent only for PLAINTEXT.
 */
import { OAuthProblem } from '../../problems/oauth-problem.js';
import type { CheckContext } from '../context.js';

const TIMESTAMP = /^[1-9][0-9]{0,9}$/;

/**
 * The first millisecond at which `timestamp` (in seconds) is too old for a window of `window`
 * seconds. The window is counted in whole seconds of the server clock, so the timestamp is still
 * accepted throughout the second `timestamp + window`. The timestamp check refuses from here, and
 * the nonce check keeps the nonce until here: one function, so that the two cannot drift apart.
 *
 * @example
 * ```ts
 * timestampAcceptedUntil(1_800_000_000, 300); // 1_800_000_301_000
 * ```
 */
export function timestampAcceptedUntil(timestamp: number, window: number): number {
  return (timestamp + window + 1) * 1000;
}

export function checkTimestamp({ oauth, now, config }: CheckContext): void {
  const timestamp = oauth.get('oauth_timestamp');
  if (timestamp === undefined) return;
  const seconds = Math.floor(now / 1000);
  const high = seconds + config.timestampWindow;
  const value = TIMESTAMP.test(timestamp) ? Number(timestamp) : Number.NaN;
  if (value <= high && now < timestampAcceptedUntil(value, config.timestampWindow)) return;
  const advice = Number.isNaN(value)
    ? `oauth_timestamp ${JSON.stringify(timestamp)} is not a whole number of seconds since the epoch.`
    : `oauth_timestamp ${timestamp} is ${Math.abs(value - seconds)} s ${value < seconds ? 'behind' : 'ahead of'} the server clock; the window is ±${config.timestampWindow} s.`;
  throw new OAuthProblem('timestamp_refused', {
    acceptableTimestamps: [seconds - config.timestampWindow, high],
    advice,
  });
}
