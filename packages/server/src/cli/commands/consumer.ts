/**
 * `countersign consumer add|suspend|resume|disable`: consumers registered and changed through the
 * engine's own operations, so a disabled consumer stays disabled whoever asks.
 */
import { readFileSync } from 'node:fs';
import { type Consumer, createProvider, type Provider } from 'countersign';
import { CliError } from '../cli-error.js';
import { type Command, command, group } from '../command-definition.js';
import { anyText, commaList, flag, option } from '../option-types.js';
import { SECRET_KEY_VARIABLE, STORE_EXCLUSIVE, STORE_OPTIONS, withStore } from '../open-store.js';

function readPublicKey(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new CliError(`cannot read ${file}`);
  }
}

const add = command({
  summary: 'Registers a consumer and prints its key and secret',
  options: {
    name: option({ value: 'N', help: 'the application name users see', parse: anyText, required: true }),
    owner: option({ value: 'USER', help: 'the user who owns it', parse: anyText, required: true }),
    callback: option({
      value: 'URL|oob',
      help: 'oob for a PIN, or the URL every oauth_callback must start with (required but with --lti)',
      parse: anyText,
    }),
    scopes: option({
      value: 'a,b',
      help: 'the scopes it may request (default: every scope)',
      parse: commaList,
    }),
    methods: option({
      value: 'HMAC-SHA1,...',
      help: 'the signature methods it may use (default HMAC-SHA1)',
      parse: commaList,
    }),
    'two-legged': flag({ help: 'allow consumer-only requests, signed without a token' }),
    'rsa-public-key': option({
      value: 'FILE',
      help: 'its RSA public key (PEM), for RSA-SHA1 and RSA-SHA256',
      parse: anyText,
    }),
    key: option({
      value: 'KEY',
      help: 'a key of your choosing (1 to 255 printable ASCII characters, no spaces); drawn at random otherwise',
      parse: anyText,
    }),
    lti: flag({
      help: 'an LMS: LTI 1.1 launches only, two-legged (no --callback, --scopes or --two-legged)',
    }),
    json: flag({ help: 'print {"key": "...", "secret": "..."}' }),
    ...STORE_OPTIONS,
  },
  exclusive: STORE_EXCLUSIVE,
  environment: [SECRET_KEY_VARIABLE],
  prints: '{"key": "...", "secret": "..."}',
  run: (values, _positionals, io) =>
    withStore(values, io.env, async ({ store }) => {
      if (!(await store.getUser(values.owner))) throw new CliError(`no user named ${values.owner}`);
      const lti = values.lti;
      if (lti && (values.callback !== undefined || values.scopes !== undefined || values['two-legged']))
        throw new CliError(
          '--lti registers an LMS, which sends launches only: it takes no --callback, --scopes or --two-legged',
        );
      if (!lti && values.callback === undefined) throw new CliError('--callback is required');
      const created = await createProvider({ store }).registerConsumer({
        name: values.name,
        owner: values.owner,
        key: values.key,
        lti,
        callback: values.callback,
        scopes: values.scopes,
        signatureMethods: values.methods,
        twoLegged: values['two-legged'],
        rsaPublicKey: readPublicKey(values['rsa-public-key']),
      });
      io.out(
        values.json
          ? JSON.stringify({ key: created.key, secret: created.secret })
          : `consumer key ${created.key}\nconsumer secret ${created.secret}`,
      );
    }),
});

/** The engine's operation for each status change (it keeps a disabled consumer disabled). */
const STATUS_CHANGES = {
  suspend: {
    summary: 'Suspends a consumer: its requests are refused as consumer_key_refused until resumed',
    change: (provider: Provider, key: string) => provider.suspendConsumer(key),
  },
  resume: {
    summary: 'Makes a suspended consumer active again (a disabled one stays disabled)',
    change: (provider: Provider, key: string) => provider.resumeConsumer(key),
  },
  disable: {
    summary: 'Disables a consumer for good: its requests are refused as consumer_key_rejected',
    change: (provider: Provider, key: string) => provider.disableConsumer(key),
  },
} satisfies Record<string, { summary: string; change: (p: Provider, key: string) => Promise<Consumer> }>;

function statusChange(action: keyof typeof STATUS_CHANGES): Command {
  return command({
    summary: STATUS_CHANGES[action].summary,
    arguments: ['KEY'],
    options: STORE_OPTIONS,
    exclusive: STORE_EXCLUSIVE,
    environment: [SECRET_KEY_VARIABLE],
    run: (values, [key = ''], io) =>
      withStore(values, io.env, async ({ store }) => {
        const { status } = await STATUS_CHANGES[action].change(createProvider({ store }), key);
        io.out(`consumer ${key} ${status}`);
      }),
  });
}

export const consumer = group('Consumers (applications) registered with the server', {
  add,
  suspend: statusChange('suspend'),
  resume: statusChange('resume'),
  disable: statusChange('disable'),
});
