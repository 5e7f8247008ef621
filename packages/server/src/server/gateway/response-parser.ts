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
import { FIELD_VALUE, TOKEN } from './http-grammar.js';

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

/** The most a header section (or a trailer section) may take, a chunk's size line, 1xx answers. */
const MAX_HEAD = 64 * 1024;
const MAX_CHUNK_LINE = 4 * 1024;
const MAX_INFORMATIONAL = 16;
const EMPTY = Buffer.alloc(0);
/** One byte less than the longest separator looked for (`\r\n\r\n`). */
const TAIL_BYTES = 3;
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,13})(?:;[\t\x20-\x7e\x80-\xff]*)?$/;
const DIGITS = /^\d{1,15}$/;

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'close' | 'done';

const isOws = (code: number) => code === 0x20 || code === 0x09;

/** `text` without the space and tab at either end (RFC 9110's optional white space), nothing else. */
function trimmedOws(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isOws(text.charCodeAt(start))) start++;
  while (end > start && isOws(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** `[name, value]` of one field line (of the header or the trailer section), or a throw. */
function fieldLine(line: string, section = 'header'): [string, string] {
  const colon = line.indexOf(':');
  const name = line.slice(0, colon);
  // A first character of white space is obsolete line folding; a colon first, no name.
  if (colon <= 0 || !TOKEN.test(name)) throw new UpstreamProtocolError(`a malformed ${section} line`);
  const value = trimmedOws(line.slice(colon + 1));
  if (!FIELD_VALUE.test(value)) throw new UpstreamProtocolError(`a control character in ${section} ${name}`);
  return [name, value];
}

/** The comma-separated members of the values of one field, trimmed and lower-cased. */
function members(values: readonly string[]): string[] {
  return values.flatMap((value) => value.split(',').map((member) => trimmedOws(member).toLowerCase()));
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
  // One field, one number: a repeated or listed length, even of one value, is refused as llhttp does.
  if (lengths.length !== 1 || !DIGITS.test(lengths[0] as string))
    throw new UpstreamProtocolError('a Content-Length that is not one number');
  return Number(lengths[0]);
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
  /** Bytes of a header section, a chunk size line or a trailer line not yet whole. */
  #pending: Buffer[] = [];
  #pendingLength = 0;
  /** The last bytes held, in which a separator may have begun. */
  #tail = EMPTY;
  /** The 1xx answers read, and the bytes of the trailer section, each bounded. */
  #informational = 0;
  #trailerBytes = 0;
  /** The CR after a chunk's data came at the end of a read. */
  #carriageReturn = false;
  /** What is left of the body (`length`) or of the chunk (`chunk-data`). */
  #remaining = 0;
  #keepAlive = false;

  constructor(noBody: boolean, events: ResponseEvents) {
    this.#noBody = noBody;
    this.#events = events;
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

  /**
   * What was pending and `data`, split at the first `separator`; `undefined`: not yet whole, held
   * (each byte is looked at and copied once, however the upstream splits its writes). Throws past
   * `limit` bytes before the separator.
   */
  #until(data: Buffer, separator: Buffer, limit: number): { before: Buffer; after: Buffer } | undefined {
    const pending = this.#pending;
    let at: number;
    if (pending.length === 0) at = data.indexOf(separator);
    else {
      // A separator may begin in what is held: look again only at its last bytes.
      const tail = this.#tail.subarray(Math.max(0, this.#tail.length - separator.length + 1));
      const found = Buffer.concat([tail, data]).indexOf(separator);
      at = found < 0 ? -1 : this.#pendingLength - tail.length + found;
    }
    if (at < 0) {
      this.#pendingLength += data.length;
      if (this.#pendingLength > limit)
        throw new UpstreamProtocolError('a header section or chunk line too long');
      pending.push(data);
      this.#tail = Buffer.concat([this.#tail, data.subarray(-TAIL_BYTES)]).subarray(-TAIL_BYTES);
      return undefined;
    }
    if (at > limit) throw new UpstreamProtocolError('a header section or chunk line too long');
    const buffer = pending.length === 0 ? data : Buffer.concat([...pending, data]);
    this.#pending = [];
    this.#pendingLength = 0;
    this.#tail = EMPTY;
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
      if (++this.#informational > MAX_INFORMATIONAL)
        throw new UpstreamProtocolError('too many 1xx answers before the final one');
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
    // The CRLF after a chunk's data, perhaps split over two reads.
    const held = this.#carriageReturn;
    const cr = held ? 0x0d : data[0];
    const lf = held ? data[0] : data[1];
    if (cr !== 0x0d || (lf !== undefined && lf !== 0x0a))
      throw new UpstreamProtocolError('a chunk longer than its size');
    this.#carriageReturn = lf === undefined;
    if (lf === undefined) return EMPTY;
    this.#state = 'chunk-size';
    return data.subarray(held ? 1 : 2);
  }

  /** The trailer section after the last chunk: checked like headers, and not passed on. */
  #trailers(data: Buffer): Buffer {
    let rest = data;
    for (;;) {
      const split = this.#until(rest, CRLF, MAX_HEAD);
      if (split === undefined) return EMPTY;
      if (split.before.length === 0) return this.#finish(this.#keepAlive, split.after);
      this.#trailerBytes += split.before.length + 2;
      if (this.#trailerBytes > MAX_HEAD) throw new UpstreamProtocolError('a trailer section too long');
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
