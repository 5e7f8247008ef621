// Reference servers for the HTTP benchmark, each in a process of its own like the provider:
// `node hello_servers.mjs bare` (node:http) or `fastify` (Fastify, no plugins). Both answer every
// request with a constant JSON body and print "serving on URL".
const kind = process.argv[2];
const BODY = '{"hello":"world"}';

if (kind === 'bare') {
  const { createServer } = await import('node:http');
  const server = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(BODY);
  });
  server.listen(0, '127.0.0.1', () => console.log(`serving on http://127.0.0.1:${server.address().port}`));
} else if (kind === 'fastify') {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  app.get('/api/v1/me', async (_request, reply) => reply.type('application/json').send(BODY));
  await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(`serving on http://127.0.0.1:${app.server.address().port}`);
} else {
  console.error('usage: node hello_servers.mjs bare|fastify');
  process.exit(2);
}
