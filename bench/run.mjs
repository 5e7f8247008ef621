// `npm run bench`: every figure of the benchmark, measured in one run on this machine, printed as a
// table and as one JSON line. Peers that are not installed are skipped with a note; run with
// --install-peers to install them (Debian's php-cli, php-oauth, python3-oauthlib and nginx; needs root).
// Targets are ratios within the run, so the machine's speed cancels out.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import {
  BARE_VERIFIER_OPTIONS,
  CONSUMER,
  NOW,
  seed,
  signedAuthorizations,
  signedRequests,
  TOKEN,
} from './requests.mjs';
import { signingKey } from '../packages/countersign/dist/core/signature-methods.js';
import { nonceKey } from '../packages/countersign/dist/provider/checks/check-nonce.js';
import { createProvider, MemoryStore } from '../packages/countersign/dist/index.js';
import { SqliteStore } from '../packages/sqlite/dist/sqlite-store.js';
import { bareVerifier } from './bare_verifier.mjs';
import { measureGateway } from './gateway.mjs';

const args = new Set(process.argv.slice(2));
/** The middle value (the lower of the two middle ones for an even count). */
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? undefined : sorted[Math.floor((sorted.length - 1) / 2)];
};

const quick = args.has('--quick');
const N = quick ? 10_000 : 30_000;
/** Verifications run first and not counted, so that V8 has optimized the code being measured. */
const WARM_UP = 2_000;
/** The HTTP servers take turns, one load each per round; each HTTP figure is the median of the rounds. */
const HTTP_ROUNDS = quick ? 1 : 3;
const HTTP_SECONDS = quick ? 3 : 5;
const here = new URL('.', import.meta.url).pathname;
const results = {};
const notes = [];

if (args.has('--install-peers')) {
  execFileSync('apt-get', ['install', '-y', '-qq', 'php-cli', 'php-oauth', 'python3-oauthlib', 'nginx'], {
    stdio: 'inherit',
  });
}

async function verifyRate(store, requests) {
  const provider = createProvider({ store, clock: () => NOW });
  for (const r of requests.slice(0, WARM_UP)) await provider.verify(r, { scope: 'read_public' });
  const start = process.hrtime.bigint();
  for (const r of requests.slice(WARM_UP)) await provider.verify(r, { scope: 'read_public' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return (requests.length - WARM_UP) / seconds;
}

/** The same, with `inFlight` verifications under way at once (as a busy server has them). */
async function concurrentVerifyRate(store, requests, inFlight = 32) {
  const provider = createProvider({ store, clock: () => NOW });
  for (const r of requests.slice(0, WARM_UP)) await provider.verify(r, { scope: 'read_public' });
  let next = WARM_UP;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < requests.length) await provider.verify(requests[next++], { scope: 'read_public' });
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return (requests.length - WARM_UP) / seconds;
}

/** Runs `run` synchronously over the requests (the first WARM_UP not timed); returns the rate. */
function syncRate(requests, run) {
  for (const r of requests.slice(0, WARM_UP)) run(r);
  const start = process.hrtime.bigint();
  for (const r of requests.slice(WARM_UP)) run(r);
  return (requests.length - WARM_UP) / (Number(process.hrtime.bigint() - start) / 1e9);
}

function hmacFloor(requests) {
  const key = signingKey(CONSUMER.secret, TOKEN.secret);
  return syncRate(requests, (r) => createHmac('sha1', key).update(r.base).digest('base64'));
}

/** The bare verifier (signature and nonce only) over the same requests; notes any it refuses. */
function bareRate(requests) {
  const verify = bareVerifier(BARE_VERIFIER_OPTIONS);
  let accepted = 0;
  const rate = syncRate(requests, (r) => {
    if (verify(r)) accepted++;
  });
  if (accepted !== requests.length) notes.push(`bare verifier: accepted ${accepted} of ${requests.length}`);
  return rate;
}

function peer(name, command, commandArgs, check) {
  if (!check()) {
    notes.push(`${name}: not installed, skipped (npm run bench -- --install-peers)`);
    return undefined;
  }
  const run = spawnSync(command, commandArgs, { encoding: 'utf8' });
  if (run.status !== 0) {
    notes.push(`${name}: failed: ${run.stderr.trim().split('\n').at(-1)}`);
    return undefined;
  }
  const parsed = JSON.parse(run.stdout.trim().split('\n').at(-1));
  if (parsed.valid !== undefined && parsed.valid < N * 0.99)
    notes.push(`${name}: only ${parsed.valid} of ${N} requests verified`);
  return parsed.ops_per_sec;
}

// --- in-process verification ---------------------------------------------------------------
// The figures the in-process targets compare (the engine with the memory store, the HMAC floor,
// the bare verifier and PECL) take turns over IN_PROCESS_ROUNDS rounds, as the HTTP servers do
// (below), so that a slow spell of the machine falls on one round of each rather than on one of them.
const IN_PROCESS_ROUNDS = quick ? 1 : 3;
const requests = signedRequests(N);
const inProcessRounds = { memory: [], floor: [], bare: [], pecl: [] };
for (let round = 0; round < IN_PROCESS_ROUNDS; round++) {
  // A new store every round: the same requests' nonces are new to it.
  const memory = new MemoryStore();
  await seed(memory);
  inProcessRounds.memory.push(await verifyRate(memory, requests));
  await memory.close();
  inProcessRounds.floor.push(hmacFloor(requests));
  inProcessRounds.bare.push(bareRate(requests));
  // PECL not installed (round 0 says so in a note): no rounds of it.
  if (round === 0 || inProcessRounds.pecl.length > 0) {
    const pecl = peer(
      'PECL OAuthProvider',
      'php',
      [join(here, 'pecl_peer.php'), String(N)],
      () =>
        spawnSync('php', ['-r', 'exit(class_exists("OAuthProvider") ? 0 : 1);'], { stdio: 'ignore' })
          .status === 0,
    );
    if (pecl !== undefined) inProcessRounds.pecl.push(pecl);
  }
}
results.verify_memory_ops = median(inProcessRounds.memory);
results.hmac_floor_ops = median(inProcessRounds.floor);
results.bare_verifier_ops = median(inProcessRounds.bare);
results.pecl_ops = median(inProcessRounds.pecl);
const dir = mkdtempSync(join(tmpdir(), 'countersign-bench-'));
const sqlite = new SqliteStore(join(dir, 'bench.db'));
await seed(sqlite);
results.verify_sqlite_ops = await verifyRate(sqlite, requests);
{
  const store = new SqliteStore(join(dir, 'concurrent.db'));
  await seed(store);
  results.verify_sqlite_32_in_flight_ops = await concurrentVerifyRate(
    store,
    signedRequests(N, TOKEN, 'concurrent'),
  );
  await store.close();
}
results.oauthlib_ops = peer(
  'oauthlib ResourceEndpoint',
  '/usr/bin/python3',
  [join(here, 'oauthlib_peer.py'), String(N)],
  () => spawnSync('/usr/bin/python3', ['-c', 'import oauthlib'], { stdio: 'ignore' }).status === 0,
);
results.passport_ops = peer(
  'passport-http-oauth TokenStrategy',
  process.execPath,
  [join(here, 'passport_peer.mjs'), String(N)],
  () =>
    spawnSync(process.execPath, ['-e', "import('passport-http-oauth')"], { cwd: here, stdio: 'ignore' })
      .status === 0,
);

// --- scale: 1k vs 1M access tokens in SQLite ------------------------------------------------
// The store keeps no rows in memory here (`cacheRows: false`), so that every verification looks
// its consumer, token and user up in the file; each request uses another stored token.
// The two files take turns over TOKEN_ROUNDS rounds, as the HTTP servers do (below).
const BULK_SECRET = 'x'.repeat(32);
const TOKEN_ROUNDS = quick ? 1 : 3;
const bulkToken = (i) => `bulk${String(i).padStart(28, '0')}`;
async function tokensFile(count) {
  const file = join(dir, `tokens-${count}.db`);
  const seeded = new SqliteStore(file);
  await seed(seeded);
  await seeded.close();
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(file);
  const insert = db.prepare(
    `INSERT INTO countersign_access_tokens (token, secret, consumer_key, user, scopes, created_at, last_used_at)
     VALUES (?, ?, ?, 'bob', '["read_public"]', ?, ?)`,
  );
  // Used a moment ago, as the one token of the other figures: no request has to record a use.
  db.transaction(() => {
    for (let i = 0; i < count; i++) insert.run(bulkToken(i), BULK_SECRET, CONSUMER.key, NOW, NOW);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return file;
}
async function tokensRate(file, count, round) {
  const requests = Array.from({ length: Math.min(N, 20_000) }, (_, i) => {
    const token = { token: bulkToken((i * 7919) % count), secret: BULK_SECRET };
    // Nonces of their own in every round: the file keeps those of the rounds before.
    return signedRequests(1, token, `tokens-${round}-${i}-`)[0];
  });
  const store = new SqliteStore(file, { cacheRows: false });
  const rate = await verifyRate(store, requests);
  await store.close();
  return rate;
}
const tokenRounds = { few: [], many: [] };
{
  const few = 1_000;
  const many = quick ? 100_000 : 1_000_000;
  const fewFile = await tokensFile(few);
  const manyFile = await tokensFile(many);
  for (let round = 0; round < TOKEN_ROUNDS; round++) {
    tokenRounds.few.push(await tokensRate(fewFile, few, round));
    tokenRounds.many.push(await tokensRate(manyFile, many, round));
  }
}
results.verify_sqlite_1k_tokens_ops = median(tokenRounds.few);
results.verify_sqlite_1m_tokens_ops = median(tokenRounds.many);

// --- nonce memory after 1M requests ----------------------------------------------------------
{
  global.gc?.();
  const store = new MemoryStore();
  const before = process.memoryUsage().heapUsed;
  const window = 300_000;
  const count = quick ? 200_000 : 1_000_000;
  // The keys the engine stores: the fingerprint of (consumer, token, timestamp, 32-character nonce).
  const timestamp = String(Math.floor(NOW / 1000));
  for (let i = 0; i < count; i++) {
    const key = nonceKey(CONSUMER.key, TOKEN.token, timestamp, String(i).padStart(32, 'n'));
    await store.recordNonce(key, NOW, NOW + window);
  }
  global.gc?.();
  results.nonce_memory_bytes_per_request = (process.memoryUsage().heapUsed - before) / count;
  // Read after measuring, so that the store is still alive when the heap is measured.
  results.nonce_requests = store.nonceCount;
}

// --- HTTP: GET /api/v1/me through the reference server vs a bare node:http server ---------------
// Every server runs in a process of its own; autocannon runs here and sends each server the same
// pre-signed requests (unique nonces), so the load generator does the same work for all of them.
// Enough for the reference servers; the hello servers, which check nothing, may go round it again.
// The servers take turns in each of HTTP_ROUNDS rounds, so that a slow spell of the machine falls
// on one round of every server rather than on all of one server's requests.
const POOL = quick ? 60_000 : 200_000;
const signedPool = (prefix) => signedAuthorizations(POOL, prefix);

/** CPU seconds a process has used so far (user + system), from /proc. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function start(command, commandArgs) {
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${commandArgs.join(' ')} exited with ${code}`)));
    child.stdout.on('data', (c) => {
      const m = /serving on (\S+)/.exec(String(c));
      if (m) resolve(m[1]);
    });
  });
  return {
    url,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

/** Each server's rounds: requests per second, and the server's CPU time per request in µs. */
const rounds = { bare: [], fastify: [], sqlite: [], pg_redis: [] };

/** Loads one server with the pool, adding its requests per second and CPU per request to `rounds`. */
async function load(name, server, pool) {
  let i = 0;
  const cpuBefore = cpuSeconds(server.pid);
  const result = await autocannon({
    url: `${server.url}/api/v1/me?format=json`,
    connections: 32,
    duration: HTTP_SECONDS,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => ({
          ...req,
          headers: { ...req.headers, authorization: pool[i++ % pool.length] },
        }),
      },
    ],
  });
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  if (result.non2xx > 0) notes.push(`${name}: ${result.non2xx} non-2xx responses`);
  rounds[name].push({ rps: result.requests.average, cpuPerRequest: (cpu * 1e6) / result.requests.total });
}

async function serveReference(flags, seedStore) {
  await seedStore();
  const cli = join(here, '../packages/server/dist/cli/main.js');
  return start(process.execPath, [
    cli,
    'serve',
    '--port',
    '0',
    '--public-url',
    'http://127.0.0.1:3000',
    ...flags,
  ]);
}

/** One round of the PostgreSQL + Redis server, on a database of its own; false if it cannot run. */
const pgUrl = process.env.COUNTERSIGN_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
async function pgRedisRound(round) {
  const pg = (await import('pg')).default;
  const admin = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 2000 });
  const name = `countersign_bench_${process.pid}_${round}`;
  let created = false;
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    created = true;
    const dbUrl = Object.assign(new URL(pgUrl), { pathname: `/${name}` }).toString();
    const { Keyring, PostgresStore } = await import('../packages/postgres/dist/postgres-store.js');
    // PostgreSQL is given its secrets' key; the server reads the same one from the environment.
    const keys = Keyring.generate();
    process.env.COUNTERSIGN_SECRET_KEY = keys;
    const server = await serveReference(
      ['--database-url', dbUrl, '--redis-url', 'redis://127.0.0.1:6379'],
      async () => {
        const s = await PostgresStore.connect(dbUrl, { secrets: Keyring.parse(keys) });
        await seed(s);
        await s.close();
      },
    );
    try {
      // Redis keeps the nonces of earlier rounds, so every round signs requests of its own.
      await load('pg_redis', server, signedPool(`p${Date.now()}-`));
    } finally {
      await server.stop();
    }
    return true;
  } catch (error) {
    notes.push(`PostgreSQL + Redis HTTP run skipped: ${error.message}`);
    return false;
  } finally {
    if (created) await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end().catch(() => undefined);
  }
}

{
  const helloPool = signedPool(`b${Date.now()}-`);
  // Every round serves from a new SQLite file, so one pool serves every round.
  const sqlitePool = signedPool(`h${Date.now()}-`);
  let pgAvailable = true;
  for (let round = 0; round < HTTP_ROUNDS; round++) {
    for (const kind of ['bare', 'fastify']) {
      const server = await start(process.execPath, [join(here, 'hello_servers.mjs'), kind]);
      await load(kind, server, helloPool);
      await server.stop();
    }
    const file = join(dir, `http-${round}.db`);
    const server = await serveReference(['--db', file], async () => {
      const s = new SqliteStore(file);
      await seed(s);
      await s.close();
    });
    await load('sqlite', server, sqlitePool);
    await server.stop();
    if (pgAvailable) pgAvailable = await pgRedisRound(round);
  }
}
for (const [name, measured] of Object.entries(rounds)) {
  results[`http_${name}_rps`] = median(measured.map((r) => r.rps));
  results[`http_${name}_server_cpu_us_per_request`] = median(measured.map((r) => r.cpuPerRequest));
}
/** The median over the rounds of a[i] / b[i]: each round compared within itself. */
const pairedRatio = (a, b) => median(a.map((x, i) => (b[i] ? x / b[i] : undefined)).filter(Boolean));
/** A server's rate against the bare server's, round by round. */
const perRoundRatio = (name) =>
  pairedRatio(
    rounds[name].map((r) => r.rps),
    rounds.bare.map((r) => r.rps),
  );
await sqlite.close();
rmSync(dir, { recursive: true, force: true });

// --- the gateway: upstream alone, nginx proxy_pass, the gateway, nginx auth_request (gateway.mjs) ---
const gateway = await measureGateway({
  rounds: HTTP_ROUNDS,
  seconds: HTTP_SECONDS,
  pool: POOL,
  warmUp: quick ? 10_000 : 20_000,
  notes,
});
if (gateway) Object.assign(results, gateway.figures);

// --- ratios against the targets ------------------------------------------------------------------
/** A target: its name, the measured ratio, and the bound the ratio must be at least or at most. */
const target = (name, value, relation, bound) => [
  name,
  value,
  `${relation} ${bound.toFixed(2)}`,
  relation === '>=' ? (r) => r >= bound : (r) => r <= bound,
];
const targets = [
  target(
    'verification rate vs PECL (memory store)',
    pairedRatio(inProcessRounds.memory, inProcessRounds.pecl),
    '>=',
    1.2,
  ),
  target(
    'verification time vs HMAC floor (memory)',
    pairedRatio(inProcessRounds.floor, inProcessRounds.memory),
    '<=',
    1.6,
  ),
  target('protected endpoint vs bare node:http (SQLite)', perRoundRatio('sqlite'), '>=', 0.7),
  target('protected endpoint vs bare node:http (PG+Redis)', perRoundRatio('pg_redis'), '>=', 0.5),
  target(
    'verification time, 1M vs 1k tokens (SQLite)',
    pairedRatio(tokenRounds.few, tokenRounds.many),
    '<=',
    1.2,
  ),
  target('gateway CPU per request vs GET /api/v1/me', gateway?.ratios.gatewayCpuVsMe, '<=', 1.5),
  target('forward-auth rate vs GET /api/v1/me', gateway?.ratios.forwardAuthRateVsMe, '>=', 1.0),
];
const context = [
  ['Fastify hello vs bare node:http', perRoundRatio('fastify')],
  ['verification rate vs HMAC floor', pairedRatio(inProcessRounds.memory, inProcessRounds.floor)],
  ['bare verifier rate vs PECL', pairedRatio(inProcessRounds.bare, inProcessRounds.pecl)],
  ['bare verifier time vs HMAC floor', pairedRatio(inProcessRounds.floor, inProcessRounds.bare)],
  ['verification time vs bare verifier (memory)', pairedRatio(inProcessRounds.bare, inProcessRounds.memory)],
];
const fmt = (v) =>
  v === undefined ? 'skipped' : v >= 100 ? Math.round(v).toLocaleString('en') : v.toFixed(2);
console.log('\nfigure                                          value');
for (const [name, value] of Object.entries(results)) console.log(`${name.padEnd(48)}${fmt(value)}`);
console.log('\nratio                                           value     target   met');
for (const [name, value, target, met] of targets) {
  console.log(
    `${name.padEnd(48)}${fmt(value).padEnd(10)}${target.padEnd(9)}${value === undefined ? '-' : met(value) ? 'yes' : 'NO'}`,
  );
}
console.log('\nfor context (no target)                         value');
for (const [name, value] of context) console.log(`${name.padEnd(48)}${fmt(value)}`);
console.log('\nrounds (each figure above is their median; HTTP in req/s, the rest in verifications/s)');
for (const [name, measured] of Object.entries(inProcessRounds)) {
  console.log(`${`in process: ${name}`.padEnd(48)}${measured.map(fmt).join('  ')}`);
}
for (const [name, measured] of Object.entries(rounds)) {
  console.log(`${name.padEnd(48)}${measured.map((r) => fmt(r.rps)).join('  ')}`);
}
console.log(
  `${'1k tokens, 1M tokens: verifications/s'.padEnd(48)}${tokenRounds.few.map(fmt).join('  ')};  ${tokenRounds.many.map(fmt).join('  ')}`,
);
for (const note of notes) console.log(`note: ${note}`);
console.log(
  JSON.stringify({
    ...results,
    ratios: Object.fromEntries([...targets, ...context].map(([n, v]) => [n, v])),
    http_rounds: rounds,
    in_process_rounds: inProcessRounds,
    token_rounds: tokenRounds,
    gateway_rounds: gateway?.rounds,
    notes,
    quick,
  }),
);
