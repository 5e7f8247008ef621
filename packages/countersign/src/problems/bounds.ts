/**
 * How much of a problem is echoed and stored: a problem can quote what the client sent (its base
 * string, a rejected value), and unauthenticated input must not make the answer or the problem log
 * as large as the request. A value past its bound is cut, and a marker says how much was left out,
 * so that whoever reads it knows it is not the whole.
 */

/** The bounds, in characters (the header's in bytes; it is ASCII once encoded). */
export const PROBLEM_BOUNDS = {
  /** `oauth_signature_base_string` in a body or the problem log. */
  baseString: 4096,
  /** `oauth_problem_advice`, in a body or the problem log. */
  advice: 1024,
  /** Each name and each value listed in `oauth_parameters_absent` or `oauth_parameters_rejected`. */
  listValue: 256,
  /** How many items a list keeps; a last item says how many more there were. */
  listItems: 20,
  /** One parameter in the header, once encoded for it; a longer one is in the body only. */
  headerValue: 2048,
  /** The whole `WWW-Authenticate` value: under what every common HTTP client reads. */
  header: 8000,
} as const;

const MARKER = /…\[(\d+) more characters\]$/;

/**
 * `text` if it has at most `max` characters; else its first `max` and a marker of what is left out.
 *
 * @example
 * ```ts
 * cutText('abcdef', 4); // 'abcd…[2 more characters]'
 * ```
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never end on half a surrogate pair: the kept part stays well-formed UTF-16.
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return `${text.slice(0, end)}…[${text.length - end} more characters]`;
}

/**
 * Reads a value that {@link cutText} may have cut: the part kept, and how many characters were left
 * out (0 when it is whole).
 *
 * @example
 * ```ts
 * readCut('abcd…[2 more characters]'); // { kept: 'abcd', omitted: 2 }
 * ```
 */
export function readCut(text: string): { kept: string; omitted: number } {
  const match = MARKER.exec(text);
  if (!match) return { kept: text, omitted: 0 };
  return { kept: text.slice(0, match.index), omitted: Number(match[1]) };
}

/**
 * Names whose values are secrets or stand in for them: a signature (PLAINTEXT's is the consumer
 * and token secrets themselves), a verifier, a token or consumer secret, a password. Their values
 * are never echoed in a problem nor logged. `oauth_signature_method` is not one: it names a method.
 * `oauth_token` is left readable: an identifier that signs nothing without its secret.
 *
 * @example
 * ```ts
 * SECRET_NAME.test('oauth_token_secret'); // true
 * SECRET_NAME.test('oauth_signature_method'); // false
 * ```
 */
export const SECRET_NAME = /signature(?!_method$)|verifier|secret|password/i;
