/** A successful `application/x-www-form-urlencoded` response, as initiate and token send them. */
import { percentEncode } from '../core/percent-encoding.js';
import type { WireResponse } from '../problems/wire.js';

export function formResponse(pairs: readonly (readonly [string, string])[]): WireResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'cache-control': 'no-store' },
    body: pairs.map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`).join('&'),
  };
}
