/** `countersign/client`: signing requests, a signing fetch, the three-legged dance, and problem parsing. */
export {
  type ClientOptions,
  type Credentials,
  OAuthClient,
  type Placement,
  ProviderAnswerError,
  type SignedFetchInit,
} from './oauth-client.js';
export { ProblemResponseError, readProblem } from './problem-response.js';
export {
  isHttpUrl,
  randomNonce,
  type SignedRequest,
  type SignRequestOptions,
  signRequest,
} from './sign-request.js';
export { compareBaseStrings, explainDifference, firstDifference, IDENTICAL } from './base-string-diff.js';
export { baseStringParameters, normalizedBaseString } from './base-string-normalize.js';
