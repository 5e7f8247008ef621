/**
 * Percent-encoding as OAuth 1.0a uses it (RFC 5849 §3.6), and the strict decoding of
 * `application/x-www-form-urlencoded` text and percent-encoded header values.
 *
 * RFC 5849 §3.6: "Text values MUST be encoded as UTF-8 octets … Characters in the unreserved
 * character set as defined by [RFC3986], Section 2.3 (ALPHA, DIGIT, "-", ".", "_", "~") MUST NOT be
 * encoded. All other characters MUST be encoded. The two hexadecimal characters used to represent
 * encoded characters MUST be uppercase."
 */
import { MalformedInputError } from './malformed-input.js';

/** The characters `encodeURIComponent` leaves alone but RFC 3986 §2.3 does not call unreserved. */
const NOT_UNRESERVED = /[!'()*]/g;

function hexEscape(char: string): string {
  return `%${char.charCodeAt(0).toString(16).toUpperCase()}`;
}

/** Text made only of unreserved characters. */
const ALL_UNRESERVED = /^[A-Za-z0-9\-._~]*$/;

/** Whether a character code is in the unreserved set (ALPHA / DIGIT / "-" / "." / "_" / "~"). */
function isUnreserved(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 45 ||
    code === 46 ||
    code === 95 ||
    code === 126
  );
}

/**
 * Percent-encodes a string per RFC 5849 §3.6 (UTF-8, upper-case hex, only unreserved left bare).
 * A lone UTF-16 surrogate, which has no UTF-8 form, is encoded as U+FFFD.
 *
 * @example
 * ```ts
 * percentEncode('a b&c~'); // 'a%20b%26c~'
 * ```
 */
export function percentEncode(value: string): string {
  // Most protocol values (keys, nonces, timestamps) need no encoding: return them as they are.
  if (ALL_UNRESERVED.test(value)) return value;
  let i = 0;
  while (isUnreserved(value.charCodeAt(i))) i++;
  // ASCII text (URLs, most query values) is escaped here; anything else takes the UTF-8 path.
  let encoded = '';
  let copied = 0;
  for (; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (isUnreserved(code)) continue;
    if (code >= 0x80) return encodeUtf8(value);
    encoded += `${value.slice(copied, i)}${ASCII_ESCAPES[code] as string}`;
    copied = i + 1;
  }
  return encoded + value.slice(copied);
}

/** `%XX` for every ASCII code. */
const ASCII_ESCAPES = Array.from(
  { length: 0x80 },
  (_, code) => `%${code.toString(16).toUpperCase().padStart(2, '0')}`,
);

function encodeUtf8(value: string): string {
  let encoded: string;
  try {
    encoded = encodeURIComponent(value);
  } catch {
    encoded = encodeURIComponent(value.toWellFormed());
  }
  return encoded.replace(NOT_UNRESERVED, hexEscape);
}

// ignoreBOM: a value that starts with U+FEFF keeps it (the decoder would drop it by default).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/** Where a decoded value came from, named in the error when it is malformed. */
export interface DecodeContext {
  /** The parameter name to report (for a value) or the raw name itself (for a name). */
  readonly name: string;
  /** The raw, still-encoded text, reported as the rejected value. */
  readonly raw: string;
}

function malformed(context: DecodeContext, why: string): MalformedInputError {
  const advice = `The parameter ${JSON.stringify(context.name)} is not correctly percent-encoded: ${why}.`;
  return new MalformedInputError(context.name, context.raw, advice);
}

/**
 * Strictly decodes percent-encoded text. With `plusAsSpace` (form encoding), `+` means a space.
 * A `%` not followed by two hex digits, or octets that are not UTF-8, are a `MalformedInputError`
 * naming `context`.
 *
 * @example
 * ```ts
 * percentDecode('r%20b+c', { plusAsSpace: true }); // 'r b c'
 * ```
 */
export function percentDecode(
  text: string,
  options: {
    /** Whether `+` means a space, as in form encoding. */
    plusAsSpace: boolean;
    /**
     * Where the text came from, named in the error when it is malformed.
     *
     * @defaultValue `undefined`: the error names no parameter
     */
    context?: DecodeContext;
  } = { plusAsSpace: false },
): string {
  return decodeComponent(text, options.plusAsSpace, options.context?.name, options.context?.raw);
}

/**
 * `percentDecode` for the parsers' hot loop: the context is passed as two strings and only turned
 * into an object when the text is malformed, so that a well-formed parameter allocates nothing.
 */
export function decodeComponent(
  text: string,
  plusAsSpace: boolean,
  name: string = text,
  raw: string = text,
): string {
  if (!text.includes('%')) return plusAsSpace && text.includes('+') ? text.replaceAll('+', ' ') : text;
  return decodeAscii(text, plusAsSpace) ?? decodeOctets(text, plusAsSpace, name, raw);
}

/** Each ASCII character by its code. */
const ASCII_CHARACTERS = Array.from({ length: 0x80 }, (_, code) => String.fromCharCode(code));

/**
 * Decodes text that is ASCII and escapes only ASCII octets, as a base64 signature (`%2B`, `%2F`,
 * `%3D`) or a URL (`%3A`, `%2F`) does, character by character. Returns `undefined` for anything
 * else, malformed escapes included, which `decodeOctets` decodes or refuses.
 */
function decodeAscii(text: string, plusAsSpace: boolean): string | undefined {
  let decoded = '';
  let copied = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x25) {
      const high = hexDigit(text.charCodeAt(i + 1));
      const low = hexDigit(text.charCodeAt(i + 2));
      if (high < 0 || high > 7 || low < 0) return undefined;
      decoded += `${text.slice(copied, i)}${ASCII_CHARACTERS[high * 16 + low] as string}`;
      i += 2;
      copied = i + 1;
    } else if (code >= 0x80) {
      return undefined;
    } else if (code === 0x2b && plusAsSpace) {
      decoded += `${text.slice(copied, i)} `;
      copied = i + 1;
    }
  }
  return decoded + text.slice(copied);
}

/** Decodes the octets of any text: escapes of any octet, raw non-ASCII, and the UTF-8 they make. */
function decodeOctets(text: string, plusAsSpace: boolean, name: string, raw: string): string {
  const bytes = Buffer.from(text, 'utf8');
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (byte === 0x25) {
      const high = hexDigit(bytes[i + 1] ?? -1);
      const low = hexDigit(bytes[i + 2] ?? -1);
      if (high < 0 || low < 0) {
        throw malformed({ name, raw }, '"%" must be followed by two hexadecimal digits');
      }
      bytes[length++] = high * 16 + low;
      i += 2;
    } else {
      bytes[length++] = plusAsSpace && byte === 0x2b ? 0x20 : byte;
    }
  }
  try {
    return utf8.decode(bytes.subarray(0, length));
  } catch {
    throw malformed({ name, raw }, 'the decoded octets are not valid UTF-8');
  }
}
