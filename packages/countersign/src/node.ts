/** `countersign/node`: the node:http adapter. */
export { type AdapterOptions, type EndpointPaths, type NodeAdapter, nodeAdapter } from './http/node.js';
