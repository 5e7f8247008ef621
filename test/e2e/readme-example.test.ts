/**
 * The README's "Use it in your app" example, run as written: extracted, started with node against
 * the built package, and called with a two-legged request signed by `oauth-1.0a`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import OAuth1a from 'oauth-1.0a';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('the README example', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill();
  });

  it('runs, and verifies a two-legged request', async () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const code = /```js readme-example\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toBeDefined();
    // Inside the package directory, so that `import 'countersign'` resolves to this package.
    mkdirSync(new URL('.artifacts/', root), { recursive: true });
    const file = new URL('.artifacts/readme-example.mjs', root);
    writeFileSync(file, code ?? '');
    const port = await freePort();
    child = spawn(process.execPath, [file.pathname], { env: { ...process.env, PORT: String(port) } });
    const line = await new Promise<string>((resolve, reject) => {
      child?.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString()));
      child?.once('exit', (code) => reject(new Error(`example exited with ${code}`)));
    });
    const credentials = JSON.parse(line) as { key: string; secret: string };

    const oauth = new OAuth1a({
      consumer: credentials,
      signature_method: 'HMAC-SHA1',
      hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
    });
    const url = `http://127.0.0.1:${port}/api/me`;
    const ok = await fetch(url, { headers: { ...oauth.toHeader(oauth.authorize({ url, method: 'GET' })) } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ app: 'Demo', user: null, twoLegged: true });

    const wrong = new OAuth1a({ ...oauth, consumer: { key: credentials.key, secret: 'wrong' } });
    const refused = await fetch(url, {
      headers: { ...wrong.toHeader(wrong.authorize({ url, method: 'GET' })) },
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('oauth_problem="signature_invalid"');
  });
});
