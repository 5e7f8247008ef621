/** `countersign/express`: the Express adapter (Express is an optional peer of the library). */
export {
  type AdapterOptions,
  type EndpointPaths,
  type ExpressAdapter,
  expressAdapter,
} from './http/express.js';
