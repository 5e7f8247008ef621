/**
 * At initiate: the optional `scope` parameter (`scope=a,b`) names only scopes the consumer may
 * request → `parameter_rejected`. Without it, every scope the consumer may hold is requested.
 */
import { rejectParameter } from '../../problems/oauth-problem.js';
import type { CheckContext } from '../context.js';

/** Splits a `scope` value on commas and spaces, dropping empty items and repeats. */
export function parseScopes(value: string): string[] {
  return [...new Set(value.split(/[,\s]+/).filter((s) => s !== ''))];
}

/** The scopes a request token asks for. */
export function requestedScopes(context: CheckContext): string[] {
  const sent = context.parameters.filter((p) => p.name === 'scope');
  const allowed = context.consumer?.scopes ?? [];
  if (sent.length === 0) return [...allowed];
  if (sent.length > 1) throw rejectParameter('scope', sent.map((p) => p.value).join(','), 'Send scope once.');
  const value = sent[0]?.value ?? '';
  const scopes = parseScopes(value);
  const refused = scopes.filter((s) => !allowed.includes(s));
  if (refused.length > 0) {
    throw rejectParameter(
      'scope',
      value,
      `This consumer may not request ${refused.join(', ')}; it may request ${allowed.join(', ') || 'no scopes'}.`,
    );
  }
  return scopes;
}

export function checkRequestedScopes(context: CheckContext): void {
  requestedScopes(context);
}
