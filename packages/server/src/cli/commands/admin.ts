/**
 * The admin commands of the SPEC contract, acting on the server's store: `user`, `consumer`,
 * `approve`, `deny` and `token revoke`. Each exits non-zero with one line on bad input.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  type Consumer,
  createProvider,
  isOAuthProblem,
  type Provider,
  ProviderInputError,
} from 'countersign';
import { hashPassword, passwordProblem, userNameProblem } from '../../server/passwords.js';
import { CliError } from '../cli-error.js';
import { type OpenedStore, openStore, STORE_OPTIONS, type StoreFlags } from '../open-store.js';
import { addUser } from '../../server/users.js';

type Out = (line: string) => void;

export const usage = {
  user: 'countersign user add NAME --password-stdin | user suspend NAME | user resume NAME   [--db FILE | --database-url URL]',
  consumer:
    'countersign consumer add --name N --owner USER --callback URL|oob [--scopes a,b] [--methods HMAC-SHA1,...]\n' +
    '                         [--two-legged] [--rsa-public-key FILE] [--key KEY] [--json] [--db FILE | --database-url URL]\n' +
    'countersign consumer add --name N --owner USER --lti [--key KEY] [--methods HMAC-SHA1,...] [--json]   # an LMS: LTI launches only\n' +
    'countersign consumer suspend KEY | consumer resume KEY | consumer disable KEY   [--db FILE | --database-url URL]',
  approve:
    'countersign approve --token REQUEST_TOKEN --user USER [--scopes a,b] [--json] [--db FILE | --database-url URL]',
  deny: 'countersign deny --token REQUEST_TOKEN --user USER [--db FILE | --database-url URL]',
  token: 'countersign token revoke ACCESS_TOKEN [--db FILE | --database-url URL]',
};

async function withStore(values: StoreFlags, run: (opened: OpenedStore) => Promise<void>): Promise<void> {
  const store = await openStore(values);
  try {
    await run(store);
  } catch (error) {
    if (error instanceof ProviderInputError) throw new CliError(error.message);
    if (isOAuthProblem(error)) throw new CliError(`${error.problem}: ${error.advice}`);
    throw error;
  } finally {
    await store.close();
  }
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new CliError(`${what} is required`);
  return value;
}

const csv = (value: string | undefined) =>
  value === undefined
    ? undefined
    : value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

async function readStdinLine(): Promise<string> {
  if (process.stdin.isTTY)
    throw new CliError('--password-stdin reads the password from standard input; pipe it in');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

export async function user(args: string[], out: Out): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: { ...STORE_OPTIONS, 'password-stdin': { type: 'boolean', default: false } },
  });
  const [action, name = ''] = positionals;
  if (positionals.length !== 2) throw new CliError(`usage: ${usage.user}`);
  await withStore(values, async ({ store, data }) => {
    const provider = createProvider({ store });
    if (action === 'add') {
      const problem = userNameProblem(name);
      if (problem) throw new CliError(problem);
      if (await store.getUser(name)) throw new CliError(`a user named ${name} already exists`);
      if (!values['password-stdin']) throw new CliError('user add needs --password-stdin');
      const password = await readStdinLine();
      const weak = passwordProblem(password, name);
      if (weak) throw new CliError(weak);
      if (!(await addUser(provider, data, name, await hashPassword(password), Date.now())))
        throw new CliError(`a user named ${name} already exists`);
      out(`user ${name} added`);
    } else if (action === 'suspend') {
      await provider.suspendUser(name);
      // A suspended user is signed out everywhere, not only refused at the next sign-in.
      await data.deleteUserSessions(name);
      out(`user ${name} suspended`);
    } else if (action === 'resume') {
      await provider.resumeUser(name);
      out(`user ${name} resumed`);
    } else {
      throw new CliError(`usage: ${usage.user}`);
    }
  });
}

/** The engine's operation for each status action (it keeps a disabled consumer disabled). */
const STATUS_CHANGES: Readonly<Record<string, (provider: Provider, key: string) => Promise<Consumer>>> = {
  suspend: (provider, key) => provider.suspendConsumer(key),
  resume: (provider, key) => provider.resumeConsumer(key),
  disable: (provider, key) => provider.disableConsumer(key),
};

export async function consumer(args: string[], out: Out): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      ...STORE_OPTIONS,
      name: { type: 'string' },
      owner: { type: 'string' },
      callback: { type: 'string' },
      scopes: { type: 'string' },
      methods: { type: 'string' },
      'two-legged': { type: 'boolean', default: false },
      'rsa-public-key': { type: 'string' },
      key: { type: 'string' },
      lti: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const [action, key = ''] = positionals;
  await withStore(values, async ({ store }) => {
    if (action === 'add' && positionals.length === 1) {
      const owner = required(values.owner, '--owner');
      if (!(await store.getUser(owner))) throw new CliError(`no user named ${owner}`);
      let rsaPublicKey: string | undefined;
      if (values['rsa-public-key'] !== undefined) {
        try {
          rsaPublicKey = readFileSync(values['rsa-public-key'], 'utf8');
        } catch {
          throw new CliError(`cannot read ${values['rsa-public-key']}`);
        }
      }
      const lti = values.lti;
      if (lti && (values.callback !== undefined || values.scopes !== undefined || values['two-legged']))
        throw new CliError(
          '--lti registers an LMS, which sends launches only: it takes no --callback, --scopes or --two-legged',
        );
      const created = await createProvider({ store }).registerConsumer({
        name: required(values.name, '--name'),
        owner,
        key: values.key,
        lti,
        ...(lti ? {} : { callback: required(values.callback, '--callback') }),
        scopes: csv(values.scopes),
        signatureMethods: csv(values.methods),
        twoLegged: values['two-legged'],
        rsaPublicKey,
      });
      out(
        values.json
          ? JSON.stringify({ key: created.key, secret: created.secret })
          : `consumer key ${created.key}\nconsumer secret ${created.secret}`,
      );
      return;
    }
    const change = action === undefined ? undefined : STATUS_CHANGES[action];
    if (!change || positionals.length !== 2)
      throw new CliError(`usage: ${usage.consumer.replaceAll('\n', ' ')}`);
    const { status } = await change(createProvider({ store }), key);
    out(`consumer ${key} ${status}`);
  });
}

function decisionArgs(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    options: {
      ...STORE_OPTIONS,
      token: { type: 'string' },
      user: { type: 'string' },
      scopes: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  }).values;
}

export async function approve(args: string[], out: Out): Promise<void> {
  const values = decisionArgs(args);
  await withStore(values, async ({ store }) => {
    const outcome = await createProvider({ store }).decide(required(values.token, '--token'), {
      user: required(values.user, '--user'),
      approve: true,
      scopes: csv(values.scopes),
    });
    out(values.json ? JSON.stringify({ verifier: outcome.verifier }) : `verifier ${outcome.verifier ?? ''}`);
  });
}

export async function deny(args: string[], out: Out): Promise<void> {
  const values = decisionArgs(args);
  await withStore(values, async ({ store }) => {
    await createProvider({ store }).decide(required(values.token, '--token'), {
      user: required(values.user, '--user'),
      approve: false,
    });
    out('denied');
  });
}

export async function token(args: string[], out: Out): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: STORE_OPTIONS,
  });
  if (positionals[0] !== 'revoke' || positionals.length !== 2) throw new CliError(`usage: ${usage.token}`);
  const value = positionals[1] ?? '';
  await withStore(values, async ({ store }) => {
    if (!(await createProvider({ store }).revokeAccessToken(value)))
      throw new CliError('no access token has that value');
    out('token revoked');
  });
}
