/**
 * `countersign/fastify`: the Fastify adapter (Fastify is an optional peer of the library), and the
 * request as the engine reads it, for a route of its own (an LTI launch, `countersign/lti`).
 */
export {
  type AdapterOptions,
  type EndpointPaths,
  type FastifyAdapter,
  fastifyAdapter,
  type FastifyAdapterOptions,
  fromFastifyRequest,
  type Refusal,
} from './http/fastify.js';
