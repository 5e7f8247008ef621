// The gateway's figures: an upstream (the bare node:http server of hello_servers.mjs) alone;
// nginx proxy_pass to it (the proxy floor); `countersign serve --upstream` to it; nginx
// auth_request through forward-auth to it (the configuration docs/gateway.md prints); and, in the
// same rounds, `GET /api/v1/me` and forward-auth asked directly, which the two targets compare.
// Each: requests per second, and the CPU per request of every process serving it (from /proc).
// Part of `npm run bench`; `node bench/gateway.mjs [--quick]` runs it alone (after `npm run build`).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { SqliteStore } from '../packages/sqlite/dist/sqlite-store.js';
import { seed, signedAuthorizations, URL_ME } from './requests.mjs';

const here = new URL('.', import.meta.url).pathname;
const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
const PUBLIC = new URL(URL_ME);
const ROUTES = JSON.stringify({ routes: [{ method: 'GET', path: '/api/v1/me', scope: 'read_public' }] });

/** The middle value (the lower of the two middle ones for an even count). */
const median = (values) => {
  const sorted = values.filter((v) => v !== undefined).sort((a, b) => a - b);
  return sorted.length === 0 ? undefined : sorted[Math.floor((sorted.length - 1) / 2)];
};

/** CPU seconds a process and its children's threads have used (user + system), from /proc. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** nginx's master and its workers. */
function nginxPids(master) {
  const children = readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim();
  return [master, ...children.split(/\s+/).filter(Boolean).map(Number)];
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts a process that prints "serving on URL"; resolves with its URL, pid and stop. */
async function start(command, args) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
    child.stdout.on('data', (c) => {
      const m = /serving on (\S+)/.exec(String(c));
      if (m) resolve(m[1]);
    });
  });
  return { url, pids: () => [child.pid], stop: () => stop(child) };
}

function stop(child) {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    if (child.exitCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

/** nginx in the foreground with `http` as its http block's inside (`listen 80;` a free port). */
async function startNginx(dir, http) {
  const port = await freePort();
  const prefix = join(dir, `nginx-${port}`);
  mkdirSync(join(prefix, 'tmp'), { recursive: true });
  for (const path of [dir, prefix]) chmodSync(path, 0o755);
  chmodSync(join(prefix, 'tmp'), 0o777);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((name) => `${name}_temp_path ${prefix}/tmp/${name};`)
    .join('\n');
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `worker_processes 1;\nerror_log ${prefix}/error.log warn;\npid ${prefix}/nginx.pid;\n` +
      `events { worker_connections 1024; }\nhttp {\naccess_log off;\n${temp}\n` +
      `${http.replaceAll('listen 80;', `listen 127.0.0.1:${port};`)}\n}\n`,
  );
  const child = spawn(NGINX, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null)
      throw new Error(`nginx exited: ${readFileSync(`${prefix}/error.log`, 'utf8')}`);
    const up = await new Promise((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(true));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
    });
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `http://127.0.0.1:${port}`, pids: () => nginxPids(child.pid), stop: () => stop(child) };
}

const FLOOR_CONFIG = (upstream) => `
upstream api {
    server ${new URL(upstream).host};
    keepalive 64;
}
server {
    listen 80;
    location / {
        proxy_pass http://api;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
    }
}`;

/** The documented auth_request configuration, protecting /api/ instead of /v1/. */
function authRequestConfig(countersign, upstream) {
  const docs = readFileSync(join(here, '../docs/gateway.md'), 'utf8');
  const block = /```nginx gateway-forward-auth\n([\s\S]*?)```/.exec(docs)[1];
  return block
    .replace('server 127.0.0.1:3000;', `server ${new URL(countersign).host};`)
    .replace('server 127.0.0.1:8080;', `server ${new URL(upstream).host};`)
    .replace('location /v1/ {', 'location /api/ {')
    .replaceAll('keepalive 16;', 'keepalive 64;');
}

/** A countersign server on a new seeded SQLite file, with `flags`. */
async function serve(dir, name, flags) {
  const file = join(dir, `${name}-${Date.now()}.db`);
  const store = new SqliteStore(file);
  await seed(store);
  await store.close();
  const cli = join(here, '../packages/server/dist/cli/main.js');
  return start(process.execPath, [
    cli,
    'serve',
    '--port',
    '0',
    '--db',
    file,
    '--public-url',
    PUBLIC.origin,
    ...flags,
  ]);
}

/**
 * Loads `url` from 32 connections, `warmUp` requests first that are not counted (so that V8 has
 * optimized the code: the gateway's path takes longer to warm up than the others);
 * each request takes the next header set of `headers`, if any.
 */
async function load(url, pids, seconds, warmUp, headers) {
  let i = 0;
  const requests = [
    {
      method: 'GET',
      setupRequest: (req) => (headers ? { ...req, headers: { ...req.headers, ...headers(i++) } } : req),
    },
  ];
  await autocannon({ url, connections: 32, amount: warmUp, requests });
  const before = pids.map(cpuSeconds);
  const result = await autocannon({ url, connections: 32, duration: seconds, requests });
  const cpu = pids.map((pid, k) => cpuSeconds(pid) - before[k]);
  return {
    rps: result.requests.average,
    cpuPerRequest: cpu.map((c) => (c * 1e6) / result.requests.total),
    non2xx: result.non2xx,
  };
}

/**
 * Every gateway figure, over `rounds` rounds of `seconds` per load after `warmUp` requests; `pool`
 * is the number of signed requests (each load gets a new database, so one pool serves them all).
 */
export async function measureGateway({
  rounds = 3,
  seconds = 5,
  pool = 200_000,
  warmUp = 20_000,
  notes = [],
} = {}) {
  if (spawnSync(NGINX, ['-v'], { stdio: 'ignore' }).status !== 0) {
    notes.push('gateway: nginx not installed, skipped');
    return undefined;
  }
  const signed = signedAuthorizations(pool, `g${Date.now()}-`);
  const authorization = (i) => ({ authorization: signed[i % pool] });
  const askForwardAuth = (i) => ({
    authorization: signed[i % pool],
    'x-original-method': 'GET',
    'x-original-uri': `${PUBLIC.pathname}${PUBLIC.search}`,
  });
  const dir = mkdtempSync(join(tmpdir(), 'countersign-bench-gateway-'));
  const routes = join(dir, 'routes.json');
  writeFileSync(routes, ROUTES);
  const measured = {
    upstream: [],
    nginx_floor: [],
    me: [],
    gateway: [],
    forward_auth: [],
    nginx_auth_request: [],
  };
  const path = `${PUBLIC.pathname}${PUBLIC.search}`;
  try {
    for (let round = 0; round < rounds; round++) {
      const upstream = await start(process.execPath, [join(here, 'hello_servers.mjs'), 'bare']);
      const upstreamPid = upstream.pids()[0];
      // The CPU of the processes in front (nginx's master and worker, countersign), and apart
      // from it the upstream's, for the loads that reach it.
      const run = async (name, server, url, headers, reachesUpstream = true) => {
        const front = server === upstream ? [] : server.pids();
        const pids = [...front, ...(reachesUpstream ? [upstreamPid] : [])];
        const r = await load(url, pids, seconds, warmUp, headers);
        if (r.non2xx > 0) notes.push(`gateway ${name}: ${r.non2xx} non-2xx responses`);
        const sum = (list) => list.reduce((a, b) => a + b, 0);
        measured[name].push({
          rps: r.rps,
          cpuPerRequest:
            front.length === 0 ? r.cpuPerRequest[0] : sum(r.cpuPerRequest.slice(0, front.length)),
          ...(front.length > 0 && reachesUpstream ? { upstreamCpuPerRequest: r.cpuPerRequest.at(-1) } : {}),
        });
      };
      await run('upstream', upstream, upstream.url + path);
      const floor = await startNginx(dir, FLOOR_CONFIG(upstream.url));
      await run('nginx_floor', floor, floor.url + path);
      await floor.stop();
      const me = await serve(dir, 'me', []);
      await run('me', me, me.url + path, authorization, false);
      await me.stop();
      const gateway = await serve(dir, 'gateway', ['--upstream', upstream.url, '--routes', routes]);
      await run('gateway', gateway, gateway.url + path, authorization);
      await gateway.stop();
      const auth = await serve(dir, 'forward-auth', ['--routes', routes, '--trust-proxy-from', '127.0.0.1']);
      await run('forward_auth', auth, `${auth.url}/oauth/forward-auth`, askForwardAuth, false);
      await auth.stop();
      const auth2 = await serve(dir, 'auth-request', ['--routes', routes, '--trust-proxy-from', '127.0.0.1']);
      const nginx = await startNginx(dir, authRequestConfig(auth2.url, upstream.url));
      const both = { pids: () => [...nginx.pids(), ...auth2.pids()] };
      await run('nginx_auth_request', both, nginx.url + path, authorization);
      await nginx.stop();
      await auth2.stop();
      await upstream.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const figures = {};
  for (const [name, list] of Object.entries(measured)) {
    figures[`gateway_${name}_rps`] = median(list.map((r) => r.rps));
    figures[`gateway_${name}_cpu_us_per_request`] = median(list.map((r) => r.cpuPerRequest));
    if (list[0]?.upstreamCpuPerRequest !== undefined)
      figures[`gateway_${name}_upstream_cpu_us_per_request`] = median(
        list.map((r) => r.upstreamCpuPerRequest),
      );
  }
  /** The median over the rounds of a[i] / b[i]. */
  const paired = (a, b, key) => median(measured[a].map((r, i) => r[key] / measured[b][i][key]));
  return {
    figures,
    rounds: measured,
    ratios: {
      gatewayCpuVsMe: paired('gateway', 'me', 'cpuPerRequest'),
      forwardAuthRateVsMe: paired('forward_auth', 'me', 'rps'),
      // The rate on a shared machine moves with the machine; the CPU each request takes, much less.
      forwardAuthCpuVsMe: paired('forward_auth', 'me', 'cpuPerRequest'),
      nginxFloorCpuVsUpstream: paired('nginx_floor', 'upstream', 'cpuPerRequest'),
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  const notes = [];
  const result = await measureGateway({
    rounds: quick ? 1 : 3,
    seconds: quick ? 3 : 5,
    // Enough that no nonce comes round again at 20,000 req/s (a replayed one is refused, and cheaper).
    pool: quick ? 120_000 : 200_000,
    warmUp: quick ? 10_000 : 20_000,
    notes,
  });
  const fmt = (v) => (v === undefined ? '-' : v >= 100 ? Math.round(v).toLocaleString('en') : v.toFixed(2));
  if (result) {
    console.log('figure                                                  value');
    for (const [name, value] of Object.entries(result.figures))
      console.log(`${name.padEnd(56)}${fmt(value)}`);
    console.log(
      `gateway CPU per request vs GET /api/v1/me (<= 1.5)       ${fmt(result.ratios.gatewayCpuVsMe)}`,
    );
    console.log(
      `forward-auth rate vs GET /api/v1/me (>= 1.0)             ${fmt(result.ratios.forwardAuthRateVsMe)}`,
    );
    console.log(
      `forward-auth CPU per request vs GET /api/v1/me           ${fmt(result.ratios.forwardAuthCpuVsMe)}`,
    );
  }
  for (const note of notes) console.log(`note: ${note}`);
  console.log(JSON.stringify({ ...result, notes, quick }));
}
