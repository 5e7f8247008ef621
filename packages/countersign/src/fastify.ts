/** `countersign/fastify`: the Fastify adapter (Fastify is an optional peer of the library). */
export {
  type AdapterOptions,
  type EndpointPaths,
  type FastifyAdapter,
  fastifyAdapter,
} from './http/fastify.js';
