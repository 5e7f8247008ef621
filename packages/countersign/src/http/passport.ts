/**
 * Passport strategies that stand in for passport-http-oauth's `TokenStrategy` and `ConsumerStrategy`:
 * the same names, the same `req.user` / `req.authInfo` shape and the same way of failing
 * (`this.fail(challenge, status)`), with the engine's `provider.verify` doing the verification.
 *
 * Passport answers a failure itself with the status and, for a 401 only, the challenge as
 * `WWW-Authenticate`; its body is the status text. So each failure's whole problem response is
 * remembered for the request, and `problemHandler` sends it when the route asks Passport for
 * `failWithError: true`. Passport needs no import: it takes any object with `name` and `authenticate`.
 */
import type { ErrorRequestHandler, Request } from 'express';
import { OAuthProblem } from '../problems/oauth-problem.js';
import type { WireResponse } from '../problems/wire.js';
import type { MaybePromise } from '../provider/maybe-promise.js';
import type { Consumer } from '../provider/model.js';
import type { Provider } from '../provider/provider.js';
import type { OAuthRequest } from '../provider/request.js';
import type { VerifiedRequest, VerifyOptions } from '../provider/verify.js';
import { readExpressRequest, refuseParsedAway } from './express.js';
import { BodyTooLargeError, DEFAULT_BODY_LIMIT, fromNodeRequest, sendWire } from './node.js';

/** A consumer as `req.user` and `req.authInfo` carry it: its secrets left out, since apps log and store these. */
export type ConsumerWithoutSecrets = Omit<Consumer, 'secret' | 'previousSecret'>;

/** `req.authInfo` after either strategy: passport-http-oauth's `scheme`, `consumer` and `client`, and what was verified. */
export interface OAuthAuthInfo {
  readonly scheme: 'OAuth';
  readonly consumer: ConsumerWithoutSecrets;
  /** The same consumer, as passport-http-oauth names it too. */
  readonly client: ConsumerWithoutSecrets;
  /** The resource owner, for a three-legged request. */
  readonly user?: string | undefined;
  /** The access token (its value, never its secret), for a three-legged request. */
  readonly token?: string | undefined;
  /** The scopes the request may use: the token's, or the consumer's for a two-legged request. */
  readonly scopes: readonly string[];
  readonly twoLegged: boolean;
  /** The non-protocol parameters of the request (query and form body), decoded. */
  readonly parameters: VerifiedRequest['parameters'];
}

/**
 * Options of both strategies. `scope` and `bodyHash` apply to every route; a route may name its own
 * scope with `passport.authenticate(name, { scope })`.
 *
 * @example
 * ```ts
 * new TokenStrategy(provider, { scope: 'read_public', user: async ({ user }) => users.find(user) ?? false });
 * ```
 */
export interface PassportStrategyOptions extends VerifyOptions {
  /**
   * The name `passport.authenticate` knows it by.
   *
   * @defaultValue `'oauth'` (TokenStrategy), `'consumer'` (ConsumerStrategy)
   */
  readonly name?: string | undefined;
  /**
   * The largest body read, in bytes; a larger one fails with 413.
   *
   * @defaultValue `1_048_576` (1 MiB)
   */
  readonly bodyLimit?: number | undefined;
  /**
   * The application's user for a verified request, as `req.user`; a falsy answer refuses the
   * request (`user_refused` for TokenStrategy, `consumer_key_invalid` for ConsumerStrategy), and an
   * `OAuthProblem` thrown refuses it with that problem. Default: `{ name }` of the resource owner
   * (TokenStrategy), the consumer without its secrets (ConsumerStrategy).
   *
   * @defaultValue `undefined` (the default user described above)
   */
  readonly user?:
    | ((verified: VerifiedRequest, req: Request) => MaybePromise<object | false | null | undefined>)
    | undefined;
}

/** What Passport adds to the copy of a strategy it makes for each request. */
interface PassportActions {
  success(user: object, info: object): void;
  fail(challenge: string | number, status?: number): void;
  error(error: unknown): void;
}

type Kind = 'token' | 'consumer';

interface Setup {
  readonly kind: Kind;
  readonly provider: Provider;
  readonly options: PassportStrategyOptions;
}

/** The answer of the latest failure of each request, and the error Passport was handed with it, if any. */
const failures = new WeakMap<object, { readonly wire: WireResponse; readonly cause?: unknown }>();

const TOO_LARGE: WireResponse = {
  status: 413,
  headers: { 'content-type': 'text/plain; charset=utf-8', connection: 'close' },
  body: 'Request body too large.',
};

function withoutSecrets(consumer: Consumer): ConsumerWithoutSecrets {
  const { secret: _secret, previousSecret: _previous, ...rest } = consumer;
  return rest;
}

function authInfo(verified: VerifiedRequest): OAuthAuthInfo {
  const consumer = withoutSecrets(verified.consumer);
  return {
    scheme: 'OAuth',
    consumer,
    client: consumer,
    user: verified.user,
    token: verified.accessToken?.token,
    scopes: verified.scopes,
    twoLegged: verified.twoLegged,
    parameters: verified.parameters,
  };
}

/** The strategy's checks, with the route's own `scope` (from `passport.authenticate`) first. */
function verifyOptions(options: PassportStrategyOptions, route: VerifyOptions | undefined): VerifyOptions {
  const scope: unknown = route?.scope ?? options.scope;
  if (scope !== undefined && typeof scope !== 'string')
    throw new TypeError(`scope must be one scope name, not ${JSON.stringify(scope)}`);
  return { scope, bodyHash: route?.bodyHash ?? options.bodyHash };
}

function defaultUser(kind: Kind, verified: VerifiedRequest): object | undefined {
  if (kind === 'consumer') return withoutSecrets(verified.consumer);
  return verified.user === undefined ? undefined : { name: verified.user };
}

function refusal(kind: Kind): OAuthProblem {
  return kind === 'token'
    ? new OAuthProblem('user_refused', {
        advice: 'The application does not accept the user who granted this token.',
      })
    : new OAuthProblem('consumer_key_invalid', {
        advice: 'The application does not accept this consumer here.',
      });
}

/** The user and auth info of an accepted request; throws what refuses it. */
async function accept(setup: Setup, req: Request, request: OAuthRequest, route: VerifyOptions | undefined) {
  const options = verifyOptions(setup.options, route);
  refuseParsedAway(setup.provider, req, request, options);
  const verified = await setup.provider.verify(request, options);
  if (setup.kind === 'token' && verified.twoLegged) {
    throw new OAuthProblem('parameter_absent', {
      parametersAbsent: ['oauth_token'],
      advice: 'This resource needs an access token: sign the request with oauth_token (three-legged).',
    });
  }
  const user = await (setup.options.user ?? ((v: VerifiedRequest) => defaultUser(setup.kind, v)))(
    verified,
    req,
  );
  if (!user) throw refusal(setup.kind);
  return { user, info: authInfo(verified) };
}

async function authenticateRequest(
  actions: PassportActions,
  setup: Setup,
  req: Request,
  route: VerifyOptions | undefined,
): Promise<void> {
  let request: OAuthRequest = { ...fromNodeRequest(req, undefined), target: req.originalUrl };
  let accepted: Awaited<ReturnType<typeof accept>>;
  try {
    request = await readExpressRequest(req, setup.options.bodyLimit ?? DEFAULT_BODY_LIMIT);
    accepted = await accept(setup, req, request, route);
  } catch (error) {
    const wire =
      error instanceof BodyTooLargeError ? TOO_LARGE : setup.provider.errorResponse(error, request);
    const challenge = wire.headers['www-authenticate'];
    if (wire.status >= 500) {
      failures.set(req, { wire, cause: error });
      actions.error(error);
    } else {
      failures.set(req, { wire });
      if (challenge === undefined) actions.fail(wire.status);
      else actions.fail(challenge, wire.status);
    }
    return;
  }
  failures.delete(req);
  // As the Express adapter's `protect` does: the body read here is gone from the stream.
  if (req.res) req.res.locals.rawBody = request.body;
  try {
    actions.success(accepted.user, accepted.info);
  } catch (error) {
    // Passport logs the user in synchronously (an older Passport loaded beside it may throw there):
    // out of this promise the error would be lost and the request left hanging.
    actions.error(error);
  }
}

/**
 * Authenticates a three-legged request to a protected resource: `req.user` is the resource owner
 * (`{ name }`, or what the `user` option maps it to), `req.authInfo` an {@link OAuthAuthInfo}. A
 * consumer-only request fails as `parameter_absent` (`oauth_token`). Registered as `oauth`.
 *
 * @example
 * ```ts
 * passport.use(new TokenStrategy(provider));
 * app.get('/api/me', passport.authenticate('oauth', { session: false, scope: 'read_public' }), (req, res) => res.json(req.user));
 * ```
 */
export class TokenStrategy {
  readonly name: string;
  private readonly setup: Setup;

  constructor(provider: Provider, options: PassportStrategyOptions = {}) {
    this.name = options.name ?? 'oauth';
    this.setup = { kind: 'token', provider, options };
  }

  /** Called by Passport, on its own copy of the strategy, for each request. */
  authenticate(req: Request, options?: VerifyOptions): void {
    void authenticateRequest(this as unknown as PassportActions, this.setup, req, options);
  }
}

/**
 * Authenticates the consumer of a signed request, two-legged (consumer-only) or three-legged:
 * `req.user` is the consumer without its secrets (or what the `user` option maps it to),
 * `req.authInfo` an {@link OAuthAuthInfo}. Registered as `consumer`.
 *
 * @example
 * ```ts
 * passport.use(new ConsumerStrategy(provider));
 * app.get('/api/status', passport.authenticate('consumer', { session: false }), (req, res) => res.json(req.user));
 * ```
 */
export class ConsumerStrategy {
  readonly name: string;
  private readonly setup: Setup;

  constructor(provider: Provider, options: PassportStrategyOptions = {}) {
    this.name = options.name ?? 'consumer';
    this.setup = { kind: 'consumer', provider, options };
  }

  /** Called by Passport, on its own copy of the strategy, for each request. */
  authenticate(req: Request, options?: VerifyOptions): void {
    void authenticateRequest(this as unknown as PassportActions, this.setup, req, options);
  }
}

/**
 * Error middleware that sends a failed strategy's whole problem response (status, `WWW-Authenticate`,
 * and a form, JSON or HTML body as the client's `Accept` asks) where Passport alone would answer with
 * the status text; for routes authenticated with `failWithError: true`. Other errors pass on.
 *
 * @example
 * ```ts
 * app.get('/api/me', passport.authenticate('oauth', { session: false, failWithError: true }), route);
 * app.use(problemHandler());
 * ```
 */
export function problemHandler(): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    const failure = failures.get(req);
    const fromPassport = error instanceof Error && error.name === 'AuthenticationError';
    if (!failure || res.headersSent || !(fromPassport || failure.cause === error)) {
      next(error);
      return;
    }
    failures.delete(req);
    sendWire(res, failure.wire);
  };
}
