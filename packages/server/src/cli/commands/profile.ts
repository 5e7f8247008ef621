/**
 * `countersign profile list|use|add|remove`: the saved credentials `countersign request` signs
 * with. `add` saves one without the three-legged dance: a consumer's key and secret alone (a
 * two-legged profile), or with a token the developer already has.
 */
import { CliError } from '../cli-error.js';
import { command, group } from '../command-definition.js';
import { anyText, flag, option } from '../option-types.js';
import { listProfiles, profilesPath, removeProfile, saveProfile, useProfile } from '../profiles.js';
import { CONSUMER_OPTIONS } from './authorize.js';

const list = command({
  summary: 'Lists the saved profiles; * marks the default',
  options: { json: flag({ help: 'print {"default": NAME, "profiles": [{"name", "site", "two_legged"}]}' }) },
  run({ json }, _positionals, io) {
    const { default: chosen, profiles } = listProfiles(io.env);
    if (json) {
      const listed = profiles.map((p) => ({ name: p.name, site: p.site, two_legged: p.twoLegged }));
      io.out(JSON.stringify({ default: chosen ?? null, profiles: listed }));
      return;
    }
    if (profiles.length === 0) {
      io.out(`no profiles in ${profilesPath(io.env)}`);
      return;
    }
    const width = Math.max(...profiles.map((p) => p.name.length));
    for (const p of profiles)
      io.out(
        `${p.name === chosen ? '*' : ' '} ${p.name.padEnd(width)}  ${p.site}  ${p.twoLegged ? 'two-legged' : 'with a token'}`,
      );
  },
});

const use = command({
  summary: 'Makes a profile the default, the one countersign request uses without --profile',
  arguments: ['NAME'],
  options: {},
  run(_values, [name = ''], io) {
    useProfile(name, io.env);
    io.out(`profile ${name} is the default`);
  },
});

const add = command({
  summary: "Saves a profile from a consumer's credentials: two-legged, or with a token already obtained",
  description:
    'Without --token the profile signs consumer-only (two-legged) requests, for consumers the provider\n' +
    'allows them. The new profile becomes the default.',
  arguments: ['NAME'],
  options: {
    ...CONSUMER_OPTIONS,
    token: option({ value: 'T', help: 'an access token (omit for two-legged requests)', parse: anyText }),
    'token-secret': option({
      value: 'TS',
      env: 'COUNTERSIGN_TOKEN_SECRET',
      help: "the access token's secret",
      parse: anyText,
    }),
  },
  run(values, [name = ''], io) {
    const { token } = values;
    const tokenSecret = values['token-secret'];
    if ((token === undefined) !== (tokenSecret === undefined))
      throw new CliError('give --token and --token-secret together, or neither for a two-legged profile');
    const path = saveProfile(
      name,
      {
        site: values.site,
        consumer_key: values['consumer-key'],
        consumer_secret: values['consumer-secret'],
        ...(token === undefined ? {} : { token, token_secret: tokenSecret }),
      },
      io.env,
    );
    io.out(
      `Saved ${token === undefined ? 'two-legged ' : ''}profile ${name} to ${path} (readable only by you).`,
    );
  },
});

const remove = command({
  summary: 'Removes a saved profile',
  arguments: ['NAME'],
  options: {},
  run(_values, [name = ''], io) {
    removeProfile(name, io.env);
    io.out(`profile ${name} removed`);
  },
});

export const profile = group('The saved credentials countersign request signs with', {
  list,
  use,
  add,
  remove,
});
