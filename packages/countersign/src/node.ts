/**
 * `countersign/node`: the node:http adapter, and the three pieces a handler of its own (an LTI
 * launch, `countersign/lti`) is made of: the body read with the adapters' limit, the request as the
 * engine reads it, and a wire response sent.
 */
export {
  type AdapterOptions,
  type EndpointPaths,
  fromNodeRequest,
  type NodeAdapter,
  nodeAdapter,
  type NodeAdapterOptions,
  readBody,
  type Refusal,
  sendWire,
} from './http/node.js';
