/**
 * Sending the fuzzer's requests and judging the answers: a request as plain data (so a failure can
 * print it), sent with `node:http` or, for what is malformed at the HTTP level, as raw bytes on a
 * `node:net` socket; each answer is checked for a 5xx, a hang, and internal error text.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { percentEncode } from '../../packages/countersign/src/core/percent-encoding.js';

/** One generated request. */
export interface FuzzRequest {
  /** What it tries, for the failure message. */
  readonly label: string;
  readonly method: string;
  /** The request target as sent: path and query, raw. */
  readonly path: string;
  /** In order; a name may repeat. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body?: Buffer | undefined;
  /** Sent with `Transfer-Encoding: chunked`, in pieces, instead of a `Content-Length`. */
  readonly chunked?: boolean | undefined;
}

/**
 * A request target that `node:http` can send: what it refuses (spaces, control characters, anything
 * past U+00FF) percent-encoded; the raw generator covers the rest.
 */
export function sendableTarget(target: string): string {
  return target.replace(/[^\x21-\xff]/gu, percentEncode);
}

/** Bytes written to a socket as they are: for requests `node:http` refuses to send. */
export interface RawRequest {
  readonly label: string;
  readonly bytes: Buffer;
}

export interface Answer {
  readonly status: number;
  readonly body: string;
}

/** Per request: past this the server counts as hung. */
export const ANSWER_WITHIN_MS = 5000;
/** Enough of a body to judge it; a big page is not read whole. */
const KEEP_BYTES = 64 * 1024;

/** Text that only an internal error puts in a body: stack frames, error names, source paths. */
const INTERNAL = [
  /^\s*at \S.*:\d+:\d+\)?$/m,
  /\b(?:Type|Range|Syntax|Reference|Internal)?Error: /,
  /\bTypeError\b/,
  /node:internal/,
  /\/(?:dist|src|node_modules)\//,
  /\.(?:js|ts|mjs):\d+/,
];

function timeout(reject: (error: Error) => void, destroy: () => void) {
  return setTimeout(() => {
    destroy();
    reject(new Error(`no answer within ${ANSWER_WITHIN_MS} ms`));
  }, ANSWER_WITHIN_MS);
}

/** Sends a request with `node:http` to 127.0.0.1:`port`; resolves with its answer. */
export function sendRequest(port: number, request: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = request.headers.flatMap(([name, value]) => [name, value]);
    if (request.body && !request.chunked) headers.push('content-length', String(request.body.length));
    let answered = false;
    const outgoing = httpRequest({
      host: '127.0.0.1',
      port,
      method: request.method,
      path: request.path,
      headers,
      agent: false,
      setHost: false,
    });
    const timer = timeout(reject, () => outgoing.destroy());
    outgoing.on('response', (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      let kept = 0;
      response.on('data', (chunk: Buffer) => {
        if (kept < KEEP_BYTES) chunks.push(chunk);
        kept += chunk.length;
      });
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('latin1') });
      });
      response.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    // A server that refuses a body early (413) may close while it is still being written; the
    // answer it gave is what counts.
    outgoing.on('error', (error) => {
      if (answered) return;
      clearTimeout(timer);
      reject(error);
    });
    const body = request.body;
    if (body && request.chunked) {
      const piece = Math.max(1, Math.ceil(body.length / 3));
      for (let at = 0; at < body.length; at += piece) outgoing.write(body.subarray(at, at + piece));
      outgoing.end();
    } else outgoing.end(body);
  });
}

/** Writes raw bytes to 127.0.0.1:`port` and reads until the server closes; resolves with what came. */
export function sendRaw(port: number, request: RawRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = timeout(reject, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // The first answer is all that is judged; a kept-alive connection is not waited out.
      const text = Buffer.concat(chunks).toString('latin1');
      if (completeAnswer(text)) socket.destroy();
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
      if (status === undefined)
        reject(new Error(`the connection closed without an answer: ${JSON.stringify(text.slice(0, 200))}`));
      else resolve({ status: Number(status), body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    socket.on('error', () => undefined);
    socket.end(request.bytes);
  });
}

/** Whether `text` holds a whole answer with a `Content-Length` (others end when the server closes). */
function completeAnswer(text: string): boolean {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1];
  return length !== undefined && text.length - end - 4 >= Number(length);
}

/** What is wrong with an answer: `undefined` when nothing is. */
export function judge(answer: Answer, secrets: readonly string[]): string | undefined {
  const internal = INTERNAL.find((pattern) => pattern.test(answer.body));
  const secret = secrets.some((s) => answer.body.includes(s));
  const wrong =
    answer.status >= 500
      ? ''
      : internal
        ? ` with internal error text (${internal.source})`
        : secret
          ? ' with a secret in its body'
          : undefined;
  if (wrong === undefined) return undefined;
  return `answered ${answer.status}${wrong}: ${JSON.stringify(answer.body.slice(0, 300))}`;
}

/** A request as a failure message shows it: method, target, headers, and the start of the body. */
export function showRequest(request: FuzzRequest | RawRequest): string {
  if ('bytes' in request)
    return `[${request.label}] raw ${JSON.stringify(request.bytes.toString('latin1').slice(0, 400))}`;
  const headers = request.headers.map(
    ([n, v]) => `    ${n}: ${v.length > 200 ? `${v.slice(0, 200)}… (${v.length})` : v}`,
  );
  const body = request.body
    ? `    body${request.chunked ? ' (chunked)' : ''} (${request.body.length} bytes): ${JSON.stringify(request.body.toString('latin1').slice(0, 200))}`
    : '';
  const path =
    request.path.length > 300 ? `${request.path.slice(0, 300)}… (${request.path.length})` : request.path;
  return [`[${request.label}] ${request.method} ${path}`, ...headers, body].filter(Boolean).join('\n');
}
