/**
 * The fuzz suite: thousands of generated malformed requests against a real `countersign serve`
 * (SQLite in a temp dir), to the OAuth endpoints and the API, the pages, and at the HTTP level.
 * Every answer must come within a bounded time, be below 500, carry no stack trace, internal error
 * text or secret; `/healthz` must answer 200 between batches, and the process must stay up.
 *
 * Seeded, so a failure can be replayed: the seed is printed with every failure. Replay with
 *
 *     COUNTERSIGN_FUZZ_SEED=<seed> npx vitest run test/fuzz
 *
 * (`npm run build` first: the server runs from dist/). The same seed generates the same requests;
 * only the credentials, timestamps and port are those of the new run.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthRequests } from './oauth-cases.js';
import { accountRequests } from './account-cases.js';
import { pageRequests, strayRequests } from './page-cases.js';
import { rawRequests } from './raw-cases.js';
import {
  type Answer,
  type FuzzRequest,
  judge,
  type RawRequest,
  sendRaw,
  sendRequest,
  showRequest,
} from './send.js';
import { createWorld, type World } from './world.js';

const SEED = Number(process.env.COUNTERSIGN_FUZZ_SEED ?? 20_151_215);
/** How many requests each kind gets: together past 2,000. */
const RUNS = { oauth: 1200, pages: 800, accounts: 40, stray: 150, raw: 150 };
/** Requests in flight at once. */
const CONCURRENCY = 8;
/** Requests between two looks at `/healthz`. */
const BATCH = 100;
/** The failures a message shows in full; the rest are counted. */
const SHOWN = 12;

let world: World;

beforeAll(async () => {
  world = await createWorld();
}, 60_000);

afterAll(async () => {
  await world?.close();
});

/** `/healthz` answers 200 and the process has not exited. */
async function healthy(): Promise<string | undefined> {
  if (world.server.process.exitCode !== null || world.server.process.signalCode !== null)
    return `the server process exited (${world.server.process.exitCode ?? world.server.process.signalCode})`;
  try {
    const answer = await sendRequest(world.port, {
      label: 'health',
      method: 'GET',
      path: '/healthz',
      headers: [['host', new URL(world.origin).host]],
    });
    return answer.status === 200 ? undefined : `/healthz answered ${answer.status}`;
  } catch (error) {
    return `/healthz did not answer: ${(error as Error).message}`;
  }
}

/**
 * Sends every request, `CONCURRENCY` at a time, and checks `/healthz` after each batch; returns
 * one line per failure.
 */
async function run<R extends FuzzRequest | RawRequest>(
  requests: readonly R[],
  send: (request: R) => Promise<Answer>,
): Promise<string[]> {
  const failures: string[] = [];
  const secrets = [world.consumer.secret, world.lms.secret, world.access.secret, world.request.secret];
  for (let start = 0; start < requests.length; start += BATCH) {
    const batch = requests.slice(start, start + BATCH);
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        const index = next++;
        const request = batch[index] as R;
        let problem: string | undefined;
        try {
          problem = judge(await send(request), secrets);
        } catch (error) {
          problem = (error as Error).message;
        }
        if (problem) failures.push(`#${start + index} ${problem}\n${showRequest(request)}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const health = await healthy();
    if (health) {
      failures.push(`after request #${start + batch.length - 1}: ${health}`);
      break;
    }
  }
  return failures;
}

function report(kind: string, failures: string[]): string {
  const shown = failures.slice(0, SHOWN).join('\n\n');
  const more = failures.length > SHOWN ? `\n\n… and ${failures.length - SHOWN} more` : '';
  const log = world
    .log()
    .split('\n')
    .filter((line) => /"level":(?:50|60)/.test(line))
    .slice(-5)
    .join('\n');
  return (
    `${failures.length} ${kind} request(s) failed with seed ${SEED} ` +
    `(replay: COUNTERSIGN_FUZZ_SEED=${SEED} npx vitest run test/fuzz)\n\n${shown}${more}` +
    (log ? `\n\nthe server's last error lines:\n${log}` : '')
  );
}

describe(`fuzzing a real server (seed ${SEED})`, () => {
  it('the OAuth endpoints and the API answer every malformed request below 500', async () => {
    const requests = fc.sample(oauthRequests(world), { seed: SEED, numRuns: RUNS.oauth });
    const failures = await run(requests, (r) => sendRequest(world.port, r));
    expect(failures.length, report('OAuth/API', failures)).toBe(0);
  }, 90_000);

  it('the pages answer every malformed request below 500', async () => {
    const requests = [
      ...fc.sample(pageRequests(world), { seed: SEED, numRuns: RUNS.pages }),
      ...fc.sample(accountRequests(world), { seed: SEED, numRuns: RUNS.accounts }),
      ...fc.sample(strayRequests(world), { seed: SEED, numRuns: RUNS.stray }),
    ];
    const failures = await run(requests, (r) => sendRequest(world.port, r));
    expect(failures.length, report('page', failures)).toBe(0);
  }, 90_000);

  it('requests malformed at the HTTP level get a 4xx from Node, and the server stays up', async () => {
    const requests = fc.sample(rawRequests(world.port), { seed: SEED, numRuns: RUNS.raw });
    const failures = await run(requests, (r) => sendRaw(world.port, r));
    expect(failures.length, report('raw', failures)).toBe(0);
  }, 90_000);
});
