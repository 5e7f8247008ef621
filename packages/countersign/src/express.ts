/**
 * `countersign/express`: the Express adapter (Express is an optional peer of the library), the
 * body-parser hook that keeps a body's bytes, the typed reading of what `protect` proved, and the
 * request as the engine reads it, for a route of its own (an LTI launch, `countersign/lti`).
 */
export {
  type AdapterOptions,
  type EndpointPaths,
  type ExpressAdapter,
  expressAdapter,
  type ExpressAdapterOptions,
  keepRawBody,
  readExpressRequest,
  type Refusal,
  verifiedRequest,
} from './http/express.js';
