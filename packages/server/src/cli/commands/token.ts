/** `countersign token revoke`: an access token refused from now on, on every instance. */
import { createProvider } from 'countersign';
import { CliError } from '../cli-error.js';
import { command, group } from '../command-definition.js';
import { SECRET_KEY_VARIABLE, STORE_EXCLUSIVE, STORE_OPTIONS, withStore } from '../open-store.js';

const revoke = command({
  summary: 'Revokes an access token: requests signed with it are refused as token_revoked',
  arguments: ['ACCESS_TOKEN'],
  options: STORE_OPTIONS,
  exclusive: STORE_EXCLUSIVE,
  environment: [SECRET_KEY_VARIABLE],
  run: (values, [value = ''], io) =>
    withStore(values, io.env, async ({ store }) => {
      if (!(await createProvider({ store }).revokeAccessToken(value)))
        throw new CliError('no access token has that value');
      io.out('token revoked');
    }),
});

export const token = group('Access tokens', { revoke });
