// `npm run bench:instructions`: instructions per verification on the main thread, counted by
// valgrind's callgrind, for the engine with the memory store, the bare verifier and the HMAC floor,
// over the same requests as `npm run bench`. Unlike times, these counts do not move with the
// machine's slow spells (two runs agree within about 1 %), so they show what a change to the hot
// path buys. Under valgrind, OpenSSL runs without the CPU's SHA instructions, so the HMAC's share
// is larger than in real runs. Needs valgrind (Debian's `valgrind`); without it, says so and stops.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signingKey } from '../packages/countersign/dist/core/signature-methods.js';
import { createProvider, MemoryStore } from '../packages/countersign/dist/index.js';
import { bareVerifier } from './bare_verifier.mjs';
import { BARE_VERIFIER_OPTIONS, CONSUMER, NOW, seed, signedRequests, TOKEN } from './requests.mjs';

/** Verifications counted, after as many again not counted (so that V8 has optimized the code). */
const COUNT = 20_000;
const KINDS = ['engine', 'bare', 'floor'];

/** In the process valgrind runs: prepares, warms up, then counts COUNT verifications of one kind. */
async function child(kind) {
  const requests = signedRequests(2 * COUNT);
  // The engine's verifications are awaited one after another; the other two run synchronously,
  // so that no await is counted against them.
  let runAll;
  if (kind === 'engine') {
    const store = new MemoryStore();
    await seed(store);
    const provider = createProvider({ store, clock: () => NOW });
    runAll = async (list) => {
      for (const r of list) await provider.verify(r, { scope: 'read_public' });
    };
  } else if (kind === 'bare') {
    const verify = bareVerifier(BARE_VERIFIER_OPTIONS);
    runAll = (list) => list.forEach(verify);
  } else {
    const key = signingKey(CONSUMER.secret, TOKEN.secret);
    runAll = (list) => list.forEach((r) => createHmac('sha1', key).update(r.base).digest('base64'));
  }
  await runAll(requests.slice(0, COUNT));
  const callgrind = (state) =>
    execFileSync('callgrind_control', ['-i', state, String(process.pid)], { stdio: 'ignore' });
  callgrind('on');
  await runAll(requests.slice(COUNT));
  callgrind('off');
}

/** Runs one kind under callgrind; returns the main thread's instructions per verification. */
function count(kind, dir) {
  const out = join(dir, `${kind}.out`);
  const run = spawnSync(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      '--separate-threads=yes',
      `--callgrind-out-file=${out}`,
      process.execPath,
      new URL(import.meta.url).pathname,
      '--child',
      kind,
    ],
    { encoding: 'utf8' },
  );
  if (run.status !== 0)
    throw new Error(`${kind} under valgrind failed: ${run.stderr.trim().split('\n').at(-1)}`);
  // Thread 1 is the main thread; the others are V8's compiler and collector threads.
  const totals = /^totals: (\d+)$/m.exec(readFileSync(`${out}-01`, 'utf8'));
  return Number(totals?.[1]) / COUNT;
}

if (process.argv[2] === '--child') {
  await child(process.argv[3]);
} else if (spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status !== 0) {
  console.log('valgrind is not installed (apt-get install valgrind); nothing counted.');
} else {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-instructions-'));
  try {
    const per = Object.fromEntries(KINDS.map((kind) => [kind, count(kind, dir)]));
    const fmt = (v) => Math.round(v).toLocaleString('en');
    console.log('instructions per verification (main thread)');
    console.log(`engine, memory store                            ${fmt(per.engine)}`);
    console.log(`bare verifier (signature and nonce only)        ${fmt(per.bare)}`);
    console.log(`HMAC floor (one createHmac)                     ${fmt(per.floor)}`);
    console.log(`engine vs HMAC floor                            ${(per.engine / per.floor).toFixed(2)}`);
    console.log(`bare verifier vs HMAC floor                     ${(per.bare / per.floor).toFixed(2)}`);
    console.log(`engine vs bare verifier                         ${(per.engine / per.bare).toFixed(2)}`);
    console.log(JSON.stringify({ instructions_per_verification: per, count: COUNT }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
