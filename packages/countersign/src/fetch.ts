/** `countersign/fetch`: the fetch-style adapter, a web `Request` in and a `Response` out (Hono, Deno, Bun). */
export { type AdapterOptions, type EndpointPaths, type FetchAdapter, fetchAdapter } from './http/fetch.js';
