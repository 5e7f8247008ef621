/**
 * `countersign approve` and `countersign deny`: a user's decision on a request token, made without
 * a browser (scripts, tests, support staff), through the engine's `decide`.
 */
import { createProvider } from 'countersign';
import { command } from '../command-definition.js';
import { anyText, commaList, flag, option } from '../option-types.js';
import { SECRET_KEY_VARIABLE, STORE_EXCLUSIVE, STORE_OPTIONS, withStore } from '../open-store.js';

const token = option({
  value: 'REQUEST_TOKEN',
  help: 'the request token to decide',
  parse: anyText,
  required: true,
});
const user = option({ value: 'USER', help: 'the user who decides', parse: anyText, required: true });

export const approve = command({
  summary: 'Approves a request token as a user, and prints the verifier the consumer exchanges it with',
  options: {
    token,
    user,
    scopes: option({
      value: 'a,b',
      help: 'the scopes granted (default: every scope requested)',
      parse: commaList,
    }),
    json: flag({ help: 'print {"verifier": "..."}' }),
    ...STORE_OPTIONS,
  },
  exclusive: STORE_EXCLUSIVE,
  environment: [SECRET_KEY_VARIABLE],
  prints: '{"verifier": "..."}',
  run: (values, _positionals, io) =>
    withStore(values, io.env, async ({ store }) => {
      const outcome = await createProvider({ store }).decide(values.token, {
        user: values.user,
        approve: true,
        scopes: values.scopes,
      });
      io.out(
        values.json ? JSON.stringify({ verifier: outcome.verifier }) : `verifier ${outcome.verifier ?? ''}`,
      );
    }),
});

export const deny = command({
  summary: 'Denies a request token as a user',
  options: { token, user, ...STORE_OPTIONS },
  exclusive: STORE_EXCLUSIVE,
  environment: [SECRET_KEY_VARIABLE],
  run: (values, _positionals, io) =>
    withStore(values, io.env, async ({ store }) => {
      await createProvider({ store }).decide(values.token, { user: values.user, approve: false });
      io.out('denied');
    }),
});
