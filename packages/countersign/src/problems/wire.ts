/**
 * `WireResponse`: a response as the engine hands it to an HTTP adapter. It lives here, below the
 * engine, because the problem renderer is the lowest layer that produces one; the engine and the
 * adapters import it from here rather than from the renderer.
 */

/** A response as the engine produces it, independent of any HTTP framework. */
export interface WireResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}
