/**
 * Signs a GET with the given credentials and verifies it against the SQLite database `db`, as the
 * server would: for the import tests, which show that imported secrets still verify.
 */
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { createProvider } from '../../packages/countersign/src/provider/provider.js';
import { openStore } from '../../packages/server/src/cli/open-store.js';

export interface SignedGet {
  /** The URL signed; its host is sent as the Host header and its path as the target. */
  readonly url: string;
  readonly consumerKey: string;
  readonly consumerSecret: string;
  readonly token: string;
  readonly tokenSecret: string;
  /** The scope the request must have been granted, if any. */
  readonly scope?: string;
}

/** Resolves with what the request proved, or rejects with the provider's problem. */
export async function verifyInStore(
  db: string,
  request: SignedGet,
): Promise<{ user?: string | undefined; scopes: readonly string[] }> {
  const opened = await openStore({ db }, process.env);
  try {
    const { url, scope, ...credentials } = request;
    const signed = signRequest({ method: 'GET', url, ...credentials });
    const { host, pathname, search } = new URL(url);
    return await createProvider({ store: opened.store }).verify(
      {
        method: 'GET',
        target: pathname + search,
        headers: { host, authorization: signed.authorization },
        secure: false,
      },
      scope === undefined ? {} : { scope },
    );
  } finally {
    await opened.close();
  }
}
