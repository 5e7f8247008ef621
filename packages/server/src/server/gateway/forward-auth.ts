/**
 * `GET /oauth/forward-auth`: a proxy asks whether to let a request through. nginx `auth_request`
 * names the original request in `X-Original-Method` and `X-Original-URI`; Traefik ForwardAuth in
 * `X-Forwarded-Method` and `X-Forwarded-Uri`; either passes the client's `Authorization` as it is.
 * The answer is 200 with the identity headers, or the problem's own status with its
 * `WWW-Authenticate` header and body; 404 when no route serves the request.
 *
 * Only a trusted proxy (`--trust-proxy…`) is answered: the verdict is about the request the proxy
 * describes, so the description must be the proxy's. For the same reason the two families of
 * headers are never mixed: the proxy always sets its own pair, so a request that carries both
 * pairs carries one the client wrote, and is refused. The base string URI is the public URL's (or,
 * without one, the trusted proxy's `X-Forwarded-Proto` and `-Host`) with the original URI's path.
 *
 * A proxy asking does not pass the request body (nginx cannot), so a body is never verified here:
 * the parameters of a form body are not in the base string, and `oauth_body_hash` is checked
 * against an empty body; the problem's advice then says so.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TLSSocket } from 'node:tls';
import { type Headers, isOAuthProblem, type OAuthRequest, OAuthProblem } from 'countersign';
import type { GatewayContext } from './gateway.js';
import { identityOf, type PeerTrust } from './forward-headers.js';
import { TOKEN } from './http-grammar.js';
import { AMBIGUOUS_PATH, pathSegments } from './request-path.js';
import { type GatewayRoute, matchRoute } from './routes.js';

const NOT_A_PROXY =
  'Forward-auth answers only a trusted proxy: start the server with --trust-proxy-from and the ' +
  "proxy's address.";
const NO_ORIGINAL =
  'Send the original method and URI once each: X-Original-Method and X-Original-URI (nginx), or ' +
  'X-Forwarded-Method and X-Forwarded-Uri (Traefik).';
const BOTH =
  'Both X-Original-Method/-URI and X-Forwarded-Method/-Uri were sent: a proxy sets one pair, so ' +
  'the other came from the client.';
const NO_BODY_FORM =
  ' Forward-auth does not see the request body (nginx auth_request cannot pass it), so the ' +
  'parameters of a form body are not in the base string it computed: send them in the query, or ' +
  'put the gateway (countersign serve --upstream) in front instead.';
const NO_BODY_HASH =
  ' Forward-auth does not see the request body (nginx auth_request cannot pass it), so it cannot ' +
  'check oauth_body_hash against it: put the gateway (countersign serve --upstream) in front instead.';

// eslint-disable-next-line no-control-regex -- control characters are what this refuses
const URI = /^\/[^\u0000-\u0020\u007f]*$/;

/** The original method and URI the proxy names, or why they cannot be read. */
function original(headers: Headers): { method: string; uri: string } | string {
  const nginx = [headers['x-original-method'], headers['x-original-uri']];
  const traefik = [headers['x-forwarded-method'], headers['x-forwarded-uri']];
  const named = (pair: unknown[]) => pair.some((value) => value !== undefined);
  if (named(nginx) && named(traefik)) return BOTH;
  const [method, uri] = named(nginx) ? nginx : traefik;
  // Node joins a repeated header with ", ", which neither pattern admits.
  if (typeof method !== 'string' || typeof uri !== 'string' || !TOKEN.test(method) || !URI.test(uri))
    return NO_ORIGINAL;
  return { method, uri };
}

function isForm(headers: Headers): boolean {
  const type = headers['content-type'];
  return (
    typeof type === 'string' &&
    type.split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded'
  );
}

/** The problem, its advice saying what forward-auth could not see when that is why it was refused. */
function withBodyAdvice(error: unknown, headers: Headers): unknown {
  if (!isOAuthProblem(error)) return error;
  const form = isForm(headers);
  let note: string | undefined;
  if (error.problem === 'signature_invalid' && form) note = NO_BODY_FORM;
  if (error.problem === 'parameter_rejected' && !form) {
    const bodyHash = error.details.parametersRejected?.some(([name]) => name === 'oauth_body_hash');
    if (bodyHash) note = NO_BODY_HASH;
  }
  return note === undefined
    ? error
    : new OAuthProblem(error.problem, { ...error.details, advice: error.advice + note });
}

function plain(reply: FastifyReply, status: number, text: string): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('text/plain; charset=utf-8')
    .send(`${text}\n`);
}

/** The forward-auth handler over `routes`. */
export function forwardAuthRoute(
  context: GatewayContext,
  routes: readonly GatewayRoute[],
  trusted: PeerTrust,
) {
  const provider = context.forwardAuthProvider;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const socket = request.raw.socket;
    const peer = socket.remoteAddress ?? '';
    if (!trusted(socket)) return plain(reply, 403, NOT_A_PROXY);
    const asked = original(request.headers);
    if (typeof asked === 'string') return plain(reply, 400, asked);
    const q = asked.uri.indexOf('?');
    const segments = pathSegments(q < 0 ? asked.uri : asked.uri.slice(0, q));
    if (segments === undefined) return plain(reply, 400, AMBIGUOUS_PATH);
    const route = matchRoute(routes, asked.method, segments);
    if (!route) return plain(reply, 404, 'No route serves this request.');
    reply.header('cache-control', 'no-store');
    if (route.public) return reply.code(200).send();
    const oauthRequest: OAuthRequest = {
      method: asked.method,
      target: asked.uri,
      headers: request.headers,
      secure: (socket as Partial<TLSSocket>).encrypted === true,
      remoteAddress: peer,
      body: undefined,
    };
    let identity;
    try {
      const verified = await provider.verify(oauthRequest, { scope: route.scope });
      request.oauth = verified;
      identity = identityOf(verified);
    } catch (error) {
      const wire = provider.errorResponse(withBodyAdvice(error, request.headers), oauthRequest);
      return reply.code(wire.status).headers(wire.headers).send(wire.body);
    }
    reply.header('x-oauth-consumer-key', identity.consumerKey);
    if (identity.user !== undefined) reply.header('x-oauth-user', identity.user);
    reply
      .header('x-oauth-scopes', identity.scopes.join(','))
      .header('x-oauth-two-legged', String(identity.twoLegged));
    return reply.code(200).send();
  };
}
