/**
 * Errors that are not OAuth problems: misuse of the provider's own API (a bad argument from the
 * consent UI or an admin command), and an unavailable store (answered with 503, never a replay).
 */

/** A bad argument to a provider operation, with a stable `code`. */
export class ProviderInputError extends Error {
  override readonly name = 'ProviderInputError';
  constructor(
    readonly code:
      'unknown_user' | 'unknown_consumer' | 'invalid_consumer' | 'invalid_scope' | 'unknown_token',
    message: string,
  ) {
    super(message);
  }
}

/** The store (database, cache) cannot be reached; the request is answered with 503. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}
