/**
 * `countersign/fetch`: the fetch-style adapter, a web `Request` in and a `Response` out (Hono, Deno,
 * Bun), and the two conversions a handler of its own (an LTI launch, `countersign/lti`) needs.
 */
export {
  type AdapterOptions,
  type EndpointPaths,
  type FetchAdapter,
  fetchAdapter,
  type FetchAdapterOptions,
  fromFetchRequest,
  type Refusal,
  toResponse,
} from './http/fetch.js';
