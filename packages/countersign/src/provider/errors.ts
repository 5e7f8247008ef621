/**
 * Errors that are not OAuth problems: misuse of the provider's own API (a bad argument from the
 * consent UI or an admin command), and an unavailable store (answered with 503, never a replay).
 */
import { CountersignError } from '../core/countersign-error.js';

/** One record of an import that cannot be imported: its list and index, its key, and why. */
export interface ImportFault {
  readonly list: 'consumers' | 'accessTokens';
  readonly index: number;
  /** The consumer key or token, when the record has one (never a secret). */
  readonly key?: string | undefined;
  readonly message: string;
}

/** A bad argument to a provider operation, with a stable `code`. */
export class ProviderInputError extends CountersignError<ProviderInputCode> {
  override readonly name = 'ProviderInputError';
  /** For `import_refused`: every record that cannot be imported, in order. */
  readonly faults: readonly ImportFault[];

  constructor(
    code: ProviderInputCode,
    message: string,
    options?: ErrorOptions & {
      /**
       * For `import_refused`: every record that cannot be imported, in order.
       *
       * @defaultValue `[]`
       */
      readonly faults?: readonly ImportFault[] | undefined;
    },
  ) {
    super(code, message, options);
    this.faults = options?.faults ?? [];
  }
}

/** The codes of {@link ProviderInputError}. */
export type ProviderInputCode =
  | 'unknown_user'
  | 'user_exists'
  | 'invalid_user'
  | 'unknown_consumer'
  | 'invalid_consumer'
  | 'key_taken'
  | 'consumer_disabled'
  | 'invalid_scope'
  | 'unknown_token'
  | 'invalid_grace_period'
  | 'import_refused';

/** The store (database, cache) cannot be reached; the request is answered with 503. */
export class StoreUnavailableError extends CountersignError<'store_unavailable'> {
  override readonly name = 'StoreUnavailableError';
  constructor(message: string, options?: ErrorOptions) {
    super('store_unavailable', message, options);
  }
}
