/**
 * Reading a page's form: every field is one string (or, for checkboxes, a list of strings). A field
 * sent twice arrives as an array and anything but a form has no fields; either is the sender's
 * mistake, answered with the 400 page rather than a crash deeper in a route.
 */
import type { FastifyRequest } from 'fastify';
import { CountersignError } from 'countersign';

/** A form field that is not what the page sends: the error handler answers it with a 400 page. */
export class FormFieldError extends CountersignError<'form_field'> {
  override readonly name = 'FormFieldError';
  readonly statusCode = 400;
  constructor(readonly field: string) {
    super('form_field', `The form field ${field} must be sent once, as text.`);
  }
}

function fields(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}

/**
 * The field as one string; `''` when absent.
 *
 * @example
 * ```ts
 * const name = formField(request, 'name').trim();
 * ```
 */
export function formField(request: FastifyRequest, name: string): string {
  const value = fields(request)[name];
  if (value === undefined) return '';
  if (typeof value !== 'string') throw new FormFieldError(name);
  return value;
}

/**
 * A field that may be sent several times (checkboxes), as a list of strings; `[]` when absent.
 *
 * @example
 * ```ts
 * const scopes = formList(request, 'scopes');
 * ```
 */
export function formList(request: FastifyRequest, name: string): string[] {
  const value = fields(request)[name];
  if (value === undefined) return [];
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (!list.every((item) => typeof item === 'string')) throw new FormFieldError(name);
  return list;
}
