/**
 * The engine's part of the store contract over maps, as an application writes it for the engine
 * alone: the engine-only store's test runs it as it is, and the third-party store's test extends it
 * with the admin part. It imports nothing of the library at run time, only its types.
 */
/* eslint-disable @typescript-eslint/require-await -- the contract's writes return promises, and these maps have the answer at once */
import type {
  AccessToken,
  Consumer,
  Decision,
  EngineStore,
  RedeemAttempt,
  Redemption,
  RequestToken,
} from 'countersign';

/** The engine's part of the contract in maps; synchronous from read to write, so atomic. */
export class EngineMapStore implements EngineStore {
  readonly consumers = new Map<string, Consumer>();
  readonly requestTokens = new Map<string, RequestToken>();
  readonly accessTokens = new Map<string, AccessToken>();
  readonly nonces = new Map<string, number>();

  getConsumer(key: string) {
    return this.consumers.get(key);
  }
  async createRequestToken(token: RequestToken) {
    this.requestTokens.set(token.token, token);
  }
  getRequestToken(token: string) {
    return this.requestTokens.get(token);
  }
  async decideRequestToken(token: string, decision: Decision) {
    const current = this.requestTokens.get(token);
    if (current?.state !== 'pending') return false;
    this.requestTokens.set(token, { ...current, ...decision });
    return true;
  }
  async redeemRequestToken(token: string, attempt: RedeemAttempt): Promise<Redemption> {
    const current = this.requestTokens.get(token);
    if (current?.state !== 'authorized') return { outcome: 'used' };
    if (current.verifierFailures >= attempt.limit) return { outcome: 'dead' };
    if (current.verifier !== undefined && attempt.matches(current.verifier)) {
      this.requestTokens.set(token, { ...current, state: 'exchanged' });
      this.accessTokens.set(attempt.accessToken.token, attempt.accessToken);
      return { outcome: 'exchanged' };
    }
    const failures = current.verifierFailures + 1;
    this.requestTokens.set(token, { ...current, verifierFailures: failures });
    return { outcome: 'wrong', failures };
  }
  getAccessToken(token: string) {
    return this.accessTokens.get(token);
  }
  touchAccessToken(token: string, at: number) {
    const current = this.accessTokens.get(token);
    if (current) this.accessTokens.set(token, { ...current, lastUsedAt: at });
  }
  recordNonce(key: string, now: number, expiresAt: number) {
    if (expiresAt <= now) return false;
    const held = this.nonces.get(key);
    if (held !== undefined && held > now) return false;
    this.nonces.set(key, expiresAt);
    return true;
  }
}
