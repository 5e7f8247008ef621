/**
 * The upstream's answer, read as RFC 9112 frames it, strictly: the gateway's own HTTP/1.1
 * client reads only answers to requests it sent, and anything it cannot frame without guessing
 * (obsolete line folding, a header name that is not a token, control characters, a
 * `Content-Length` that is not one number, `Transfer-Encoding` with `Content-Length` or with a
 * coding other than `chunked`, a bad chunk) is an `UpstreamProtocolError`: the client gets 502
 * and the connection is never used again, so two readings of one answer cannot arise.
 *
 * Bytes are read as Latin-1, so that every byte of a header is passed on unchanged.
 */

/** An answer the gateway will not pass on: its framing or its header section is malformed. */
export class UpstreamProtocolError extends Error {
  override readonly name = 'UpstreamProtocolError';
}

/** The start of an answer. */
export interface ResponseHead {
  readonly status: number;
  readonly reason: string;
  /** The header fields as a flat `[name, value, …]` list, names as the upstream wrote them. */
  readonly headers: string[];
  /** The `Keep-Alive` header's value, if any (how long the upstream keeps an idle connection). */
  readonly keepAlive: string | undefined;
}

/** What the parser tells the exchange it serves. */
export interface ResponseEvents {
  onHead(head: ResponseHead): void;
  onBody(chunk: Buffer): void;
  /** The answer is whole; `reusable`: the connection may carry another request. */
  onComplete(reusable: boolean): void;
}

/** The most a header section (or a trailer section, or a chunk's size line) may take. */
const MAX_HEAD = 64 * 1024;
const MAX_CHUNK_LINE = 4 * 1024;
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A field value's characters: no control characters but the tab (RFC 9110 §5.5). */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,13})(?:;[\t\x20-\x7e\x80-\xff]*)?$/;
const DIGITS = /^\d{1,15}$/;

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'close' | 'done';

/** `[name, value]` of one field line (of the header or the trailer section), or a throw. */
function fieldLine(line: string, section = 'header'): [string, string] {
  const colon = line.indexOf(':');
  const name = line.slice(0, colon);
  // A first character of white space is obsolete line folding; a colon first, no name.
  if (colon <= 0 || !TOKEN.test(name)) throw new UpstreamProtocolError(`a malformed ${section} line`);
  let start = colon + 1;
  let end = line.length;
  while (start < end && (line.charCodeAt(start) === 0x20 || line.charCodeAt(start) === 0x09)) start++;
  while (end > start && (line.charCodeAt(end - 1) === 0x20 || line.charCodeAt(end - 1) === 0x09)) end--;
  const value = line.slice(start, end);
  if (!FIELD_VALUE.test(value)) throw new UpstreamProtocolError(`a control character in ${section} ${name}`);
  return [name, value];
}

/** The comma-separated members of the values of one field, trimmed and lower-cased. */
function members(values: readonly string[]): string[] {
  return values.flatMap((value) => value.split(',').map((member) => member.trim().toLowerCase()));
}

/**
 * How the body of an answer that may have one is delimited (RFC 9112 §6.3): by chunks, by a
 * length, or by the end of the connection when neither header is sent.
 */
function bodyFraming(lengths: readonly string[], codings: readonly string[]): 'chunked' | 'close' | number {
  if (codings.length > 0) {
    if (lengths.length > 0) throw new UpstreamProtocolError('both Transfer-Encoding and Content-Length');
    const coding = members(codings);
    if (coding.length !== 1 || coding[0] !== 'chunked')
      throw new UpstreamProtocolError('a transfer coding other than chunked');
    return 'chunked';
  }
  if (lengths.length === 0) return 'close';
  if (lengths.length === 1 && DIGITS.test(lengths[0] as string)) return Number(lengths[0]);
  // Repeated or listed, every value must be the same number (RFC 9110 §8.6).
  const values = new Set(lengths.flatMap((value) => value.split(',').map((member) => member.trim())));
  const [length] = values;
  if (values.size !== 1 || !DIGITS.test(length as string))
    throw new UpstreamProtocolError('a Content-Length that is not one number');
  return Number(length);
}

/**
 * Reads one answer from the bytes of a connection, given as they arrive. `push` and `end` throw
 * `UpstreamProtocolError` on a malformed answer.
 */
export class ResponseParser {
  readonly #events: ResponseEvents;
  /** The request was HEAD: the answer has no body, whatever its headers say. */
  readonly #noBody: boolean;
  #state: State = 'head';
  /** Bytes of a header section, a chunk size line or a trailer section not yet whole. */
  #pending: Buffer | undefined;
  /** What is left of the body (`length`) or of the chunk (`chunk-data`). */
  #remaining = 0;
  #keepAlive = false;

  constructor(noBody: boolean, events: ResponseEvents) {
    this.#noBody = noBody;
    this.#events = events;
  }

  get complete(): boolean {
    return this.#state === 'done';
  }

  push(chunk: Buffer): void {
    let data = chunk;
    while (data.length > 0) {
      switch (this.#state) {
        case 'head':
          data = this.#head(data);
          break;
        case 'length':
        case 'chunk-data':
          data = this.#body(data);
          break;
        case 'chunk-size':
          data = this.#chunkSize(data);
          break;
        case 'chunk-end':
          data = this.#chunkEnd(data);
          break;
        case 'trailers':
          data = this.#trailers(data);
          break;
        case 'close':
          this.#events.onBody(data);
          return;
        case 'done':
          throw new UpstreamProtocolError('bytes after the end of the answer');
      }
    }
  }

  /** The connection was closed by the upstream. */
  end(): void {
    if (this.#state === 'close') this.#finish(false);
    else if (this.#state !== 'done')
      throw new UpstreamProtocolError('the connection closed before the answer was whole');
  }

  /** Joins what was pending with `data`, or throws past `limit`; `undefined`: wait for more. */
  #until(data: Buffer, separator: Buffer, limit: number): { before: Buffer; after: Buffer } | undefined {
    const buffer = this.#pending === undefined ? data : Buffer.concat([this.#pending, data]);
    const at = buffer.indexOf(separator);
    if (at < 0) {
      if (buffer.length > limit) throw new UpstreamProtocolError('a header section or chunk line too long');
      this.#pending = buffer;
      return undefined;
    }
    if (at > limit) throw new UpstreamProtocolError('a header section or chunk line too long');
    this.#pending = undefined;
    return { before: buffer.subarray(0, at), after: buffer.subarray(at + separator.length) };
  }

  #head(data: Buffer): Buffer {
    const split = this.#until(data, HEAD_END, MAX_HEAD);
    if (split === undefined) return EMPTY;
    const lines = split.before.toString('latin1').split('\r\n');
    const status = STATUS_LINE.exec(lines[0] as string);
    if (!status) throw new UpstreamProtocolError('a malformed status line');
    const code = Number(status[2]);
    const headers: string[] = [];
    const lengths: string[] = [];
    const codings: string[] = [];
    const connection: string[] = [];
    let keepAlive: string | undefined;
    for (let i = 1; i < lines.length; i++) {
      const [name, value] = fieldLine(lines[i] as string);
      headers.push(name, value);
      const lower = name.toLowerCase();
      if (lower === 'content-length') lengths.push(value);
      else if (lower === 'transfer-encoding') codings.push(value);
      else if (lower === 'connection') connection.push(value);
      else if (lower === 'keep-alive') keepAlive = value;
    }
    // 1xx answers (100 Continue, 103 Early Hints) are this hop's; the final answer follows.
    if (code < 200) {
      if (code === 101) throw new UpstreamProtocolError('a switch of protocols the gateway did not ask for');
      return split.after;
    }
    this.#keepAlive =
      status[1] === '1' && (connection.length === 0 || !members(connection).includes('close'));
    // The framing is decided before anything is passed on: a malformed one is a clean 502.
    const framing = this.#noBody || code === 204 || code === 304 ? 0 : bodyFraming(lengths, codings);
    this.#events.onHead({ status: code, reason: status[3] ?? '', headers, keepAlive });
    if (framing === 0) return this.#finish(this.#keepAlive, split.after);
    if (framing === 'chunked') this.#state = 'chunk-size';
    else if (framing === 'close') this.#state = 'close';
    else {
      this.#state = 'length';
      this.#remaining = framing;
    }
    return split.after;
  }

  #body(data: Buffer): Buffer {
    const taken = Math.min(this.#remaining, data.length);
    this.#events.onBody(taken === data.length ? data : data.subarray(0, taken));
    this.#remaining -= taken;
    const rest = data.subarray(taken);
    if (this.#remaining > 0) return rest;
    if (this.#state === 'chunk-data') {
      this.#state = 'chunk-end';
      return rest;
    }
    return this.#finish(this.#keepAlive, rest);
  }

  #chunkSize(data: Buffer): Buffer {
    const split = this.#until(data, CRLF, MAX_CHUNK_LINE);
    if (split === undefined) return EMPTY;
    const size = CHUNK_SIZE.exec(split.before.toString('latin1'));
    if (!size) throw new UpstreamProtocolError('a malformed chunk size');
    this.#remaining = Number.parseInt(size[1] as string, 16);
    this.#state = this.#remaining === 0 ? 'trailers' : 'chunk-data';
    return split.after;
  }

  #chunkEnd(data: Buffer): Buffer {
    const buffer = this.#pending === undefined ? data : Buffer.concat([this.#pending, data]);
    if (buffer.length < 2) {
      if (buffer[0] !== 0x0d) throw new UpstreamProtocolError('a chunk longer than its size');
      this.#pending = buffer;
      return EMPTY;
    }
    this.#pending = undefined;
    if (buffer[0] !== 0x0d || buffer[1] !== 0x0a)
      throw new UpstreamProtocolError('a chunk longer than its size');
    this.#state = 'chunk-size';
    return buffer.subarray(2);
  }

  /** The trailer section after the last chunk: checked like headers, and not passed on. */
  #trailers(data: Buffer): Buffer {
    let rest = data;
    for (;;) {
      const split = this.#until(rest, CRLF, MAX_HEAD);
      if (split === undefined) return EMPTY;
      if (split.before.length === 0) return this.#finish(this.#keepAlive, split.after);
      fieldLine(split.before.toString('latin1'), 'trailer');
      rest = split.after;
      if (rest.length === 0) return EMPTY;
    }
  }

  /** The answer is whole; bytes after it, never asked for, keep the connection from being reused. */
  #finish(reusable: boolean, rest: Buffer = EMPTY): Buffer {
    this.#state = 'done';
    this.#events.onComplete(reusable && rest.length === 0);
    return EMPTY;
  }
}

const EMPTY = Buffer.alloc(0);
