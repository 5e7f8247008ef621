/**
 * Check 2: collect the parameters from the `Authorization` header, the query and a form body
 * (RFC 5849 §3.4.1.3.1). Malformed input and array-style protocol parameter names are
 * `parameter_rejected`.
 */
import { collectParameters, isProtocolName, type Parameter } from '../../core/parameters.js';
import { OAuthProblem } from '../../problems/oauth-problem.js';
import type { CheckContext } from '../context.js';
import { bodyText, isFormBody, requestUri, singleHeader } from '../request.js';

function isArrayStyleProtocolName({ name }: Parameter): boolean {
  if (isProtocolName(name) || !name.startsWith('oauth_')) return false;
  return name.includes('[') || name.includes(']');
}

/** How many `&`-separated pairs a query or form body holds, counted without parsing them. */
function pairCount(text: string | undefined): number {
  if (!text) return 0;
  let count = 1;
  for (let at = text.indexOf('&'); at >= 0; at = text.indexOf('&', at + 1)) count++;
  return count;
}

export function collectRequestParameters(context: CheckContext): void {
  const { request, config } = context;
  context.uri = requestUri(request, config);
  const formBody = isFormBody(request) ? bodyText(request) : undefined;
  const count = pairCount(context.uri.query) + pairCount(formBody);
  if (count > config.parameterLimit) {
    throw new OAuthProblem('parameter_rejected', {
      advice:
        `This request carries ${count} parameters in its query and body; ` +
        `this server takes at most ${config.parameterLimit}.`,
    });
  }
  const { parameters } = collectParameters({
    authorization: singleHeader(request.headers, 'authorization'),
    query: context.uri.query,
    formBody,
  });
  if (parameters.some(isArrayStyleProtocolName)) {
    throw new OAuthProblem('parameter_rejected', {
      parametersRejected: parameters.filter(isArrayStyleProtocolName).map((p) => [p.name, p.value]),
      advice:
        'Protocol parameters are single strings; array-style names such as oauth_token[] are not allowed.',
    });
  }
  context.parameters = parameters;
}
