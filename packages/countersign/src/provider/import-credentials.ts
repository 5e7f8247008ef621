/**
 * Bringing consumers and access tokens over from another provider with their keys and secrets, so
 * that their clients go on signing as before, without anyone authorizing again. Every record is
 * checked before anything is written, and the store writes them in one transaction: an import with
 * a fault imports nothing, and says what is wrong with every record that has one.
 */
import { adminStore } from './lifecycle.js';
import { type ConsumerRegistration, newConsumer } from './consumers.js';
import { type ImportFault, ProviderInputError } from './errors.js';
import type { AccessToken, Consumer, User } from './model.js';
import { CONSUMER_KEY, type ProviderConfig } from './options.js';
import type { ImportResult } from './store.js';

/** A consumer as another provider kept it. */
export interface ImportedConsumer {
  readonly key: string;
  readonly secret: string;
  readonly name: string;
  /** Who registered it (its developer). */
  readonly owner: string;
  /** `oob` (the default) or the URL every `oauth_callback` must start with. */
  readonly callback?: string | undefined;
  readonly scopes?: readonly string[] | undefined;
  /** Default `['HMAC-SHA1']`. */
  readonly signatureMethods?: readonly string[] | undefined;
  readonly twoLegged?: boolean | undefined;
  readonly description?: string | undefined;
  readonly rsaPublicKey?: string | undefined;
  /** Milliseconds since the epoch; default now. */
  readonly createdAt?: number | undefined;
}

/** An access token as another provider kept it. */
export interface ImportedAccessToken {
  readonly token: string;
  readonly secret: string;
  /** Its consumer: one of the same import, or one already stored. */
  readonly consumerKey: string;
  /** The user who granted it; added as a user if there is none of that name. */
  readonly user: string;
  /** What it was granted, among its consumer's scopes; default all of its consumer's scopes. */
  readonly scopes?: readonly string[] | undefined;
  readonly createdAt?: number | undefined;
  readonly expiresAt?: number | undefined;
  readonly revokedAt?: number | undefined;
}

/** What `provider.importCredentials` brings over. */
export interface CredentialsImport {
  readonly consumers?: readonly ImportedConsumer[] | undefined;
  readonly accessTokens?: readonly ImportedAccessToken[] | undefined;
}

/** How `provider.importCredentials` treats what is already stored. */
export interface ImportOptions {
  /**
   * Replace a stored consumer or access token of the same key, instead of refusing the import.
   * What was decided here stays: a stored consumer that is suspended or disabled keeps its status
   * (a disabled one stays disabled for good), and a stored access token that is revoked stays
   * revoked, from the earlier of its two revocation times.
   *
   * @defaultValue `false`
   */
  readonly replace?: boolean | undefined;
  /**
   * Add each consumer's owner as a user too, where developers are users (the reference server).
   *
   * @defaultValue `false`
   */
  readonly addOwners?: boolean | undefined;
  /**
   * The application's own rule for user names, checked on every token's user (and, with
   * `addOwners`, every owner): what is wrong with a name, or `undefined` for a good one.
   *
   * @defaultValue `undefined` (any non-empty name)
   */
  readonly userNameProblem?: ((name: string) => string | undefined) | undefined;
  /**
   * Check every record and write nothing: the summary says what the import would write.
   *
   * @defaultValue `false`
   */
  readonly dryRun?: boolean | undefined;
}

/** What an import wrote. */
export interface ImportSummary {
  readonly consumers: number;
  readonly accessTokens: number;
  /** The users it added (token users and, with `addOwners`, owners that were not stored). */
  readonly addedUsers: readonly string[];
}

const CONSUMER_FIELDS = new Set([
  'key',
  'secret',
  'name',
  'owner',
  'callback',
  'scopes',
  'signatureMethods',
  'twoLegged',
  'description',
  'rsaPublicKey',
  'createdAt',
]);
const TOKEN_FIELDS = new Set([
  'token',
  'secret',
  'consumerKey',
  'user',
  'scopes',
  'createdAt',
  'expiresAt',
  'revokedAt',
]);

/** A record's fault, thrown while it is checked and collected with the others. */
class Fault extends Error {}

function fieldFaults(record: object, known: ReadonlySet<string>): void {
  const unknown = Object.keys(record).filter((field) => !known.has(field));
  if (unknown.length > 0) throw new Fault(`unknown fields: ${unknown.join(', ')}`);
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new Fault(`${field} is required`);
  return value;
}

/** A key, token or secret: 1 to 255 printable ASCII characters without spaces. */
function credential(value: unknown, field: string): string {
  if (!CONSUMER_KEY.test(text(value, field)))
    throw new Fault(`${field} must be 1 to 255 printable ASCII characters, without spaces`);
  return value as string;
}

/** A list of names (scopes, signature methods), when given. */
function names(value: unknown, field: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw new Fault(`${field} must be a list of names`);
  return value;
}

/** An optional field of a given type. */
function optional<T extends 'string' | 'boolean'>(
  value: unknown,
  type: T,
  field: string,
): (T extends 'string' ? string : boolean) | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== type) throw new Fault(`${field} must be a ${type}`);
  return value as T extends 'string' ? string : boolean;
}

function time(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new Fault(`${field} must be a time in milliseconds since the epoch`);
  return value;
}

/** A user or owner name, checked with the application's rule. */
function userName(value: unknown, field: string, options: ImportOptions): string {
  const name = text(value, field);
  const problem = options.userNameProblem?.(name);
  if (problem !== undefined) throw new Fault(`${field} ${name}: ${problem}`);
  return name;
}

function checkedConsumer(config: ProviderConfig, c: ImportedConsumer, options: ImportOptions): Consumer {
  fieldFaults(c, CONSUMER_FIELDS);
  const secret = credential(c.secret, 'secret');
  const registration: ConsumerRegistration = {
    key: credential(c.key, 'key'),
    name: text(c.name, 'name'),
    owner: options.addOwners === true ? userName(c.owner, 'owner', options) : text(c.owner, 'owner'),
    callback: c.callback === undefined || c.callback === '' ? 'oob' : c.callback,
    scopes: names(c.scopes, 'scopes'),
    signatureMethods: names(c.signatureMethods, 'signatureMethods'),
    twoLegged: optional(c.twoLegged, 'boolean', 'twoLegged'),
    description: optional(c.description, 'string', 'description'),
    rsaPublicKey: optional(c.rsaPublicKey, 'string', 'rsaPublicKey'),
  };
  const createdAt = time(c.createdAt, 'createdAt') ?? config.clock();
  try {
    return { ...newConsumer(config, registration), secret, createdAt };
  } catch (error) {
    if (error instanceof ProviderInputError) throw new Fault(error.message);
    throw error;
  }
}

function checkedToken(
  config: ProviderConfig,
  t: ImportedAccessToken,
  consumer: Consumer | undefined,
  options: ImportOptions,
): AccessToken {
  fieldFaults(t, TOKEN_FIELDS);
  const token = credential(t.token, 'token');
  const secret = credential(t.secret, 'secret');
  const consumerKey = text(t.consumerKey, 'consumerKey');
  const user = userName(t.user, 'user', options);
  if (!consumer) throw new Fault(`no consumer has the key ${consumerKey}, in the import or the store`);
  const scopes = [...new Set(names(t.scopes, 'scopes') ?? consumer.scopes)];
  const beyond = scopes.filter((s) => !consumer.scopes.includes(s));
  if (beyond.length > 0) throw new Fault(`scopes its consumer may not request: ${beyond.join(', ')}`);
  const times = {
    createdAt: time(t.createdAt, 'createdAt') ?? config.clock(),
    expiresAt: time(t.expiresAt, 'expiresAt'),
    revokedAt: time(t.revokedAt, 'revokedAt'),
  };
  return { token, secret, consumerKey, user, scopes, ...times };
}

/**
 * The consumer that replaces a stored one: a consumer suspended or disabled here stays so (a
 * disabled consumer stays disabled for good), whatever the other provider's export says.
 */
function keptStatus(consumer: Consumer, stored: Consumer): Consumer {
  return stored.status === 'active' ? consumer : { ...consumer, status: stored.status };
}

/** The access token that replaces a stored one: a token revoked here stays revoked, from the earlier time. */
function keptRevocation(token: AccessToken, stored: AccessToken): AccessToken {
  if (stored.revokedAt === undefined) return token;
  const revokedAt = Math.min(stored.revokedAt, token.revokedAt ?? stored.revokedAt);
  return { ...token, revokedAt };
}

/** The records checked, or every fault found. */
async function checkAll(
  config: ProviderConfig,
  credentials: CredentialsImport,
  options: ImportOptions,
): Promise<{ consumers: Consumer[]; accessTokens: AccessToken[]; faults: ImportFault[] }> {
  const faults: ImportFault[] = [];
  const each = async <I, R>(
    list: ImportFault['list'],
    items: readonly I[],
    keyOf: (item: I) => unknown,
    check: (item: I) => Promise<R>,
  ): Promise<R[]> => {
    const seen = new Map<unknown, number>();
    const checked: R[] = [];
    for (const [index, item] of items.entries()) {
      const raw = typeof item === 'object' && item !== null ? keyOf(item) : undefined;
      const key = typeof raw === 'string' ? raw : undefined;
      try {
        if (typeof item !== 'object' || item === null) throw new Fault('is not a record');
        const first = seen.get(key);
        if (key !== undefined && first !== undefined) throw new Fault(`the same key as ${list}[${first}]`);
        if (key !== undefined) seen.set(key, index);
        checked.push(await check(item));
      } catch (error) {
        if (!(error instanceof Fault)) throw error;
        faults.push({ list, index, key, message: error.message });
      }
    }
    return checked;
  };
  const store = config.store;
  const consumers = await each(
    'consumers',
    credentials.consumers ?? [],
    (c) => c.key,
    async (c) => {
      const consumer = checkedConsumer(config, c, options);
      const stored = await store.getConsumer(consumer.key);
      if (!stored) return consumer;
      if (options.replace !== true)
        throw new Fault(`a consumer with the key ${consumer.key} is already stored`);
      return keptStatus(consumer, stored);
    },
  );
  const inImport = new Map(consumers.map((c) => [c.key, c]));
  const accessTokens = await each(
    'accessTokens',
    credentials.accessTokens ?? [],
    (t) => t.token,
    async (t) => {
      const consumer =
        inImport.get(t.consumerKey) ??
        (typeof t.consumerKey === 'string' ? await store.getConsumer(t.consumerKey) : undefined);
      const token = checkedToken(config, t, consumer, options);
      const stored = await store.getAccessToken(token.token);
      if (!stored) return token;
      if (options.replace !== true) throw new Fault(`an access token ${token.token} is already stored`);
      return keptRevocation(token, stored);
    },
  );
  return { consumers, accessTokens, faults };
}

function refused(faults: readonly ImportFault[]): ProviderInputError {
  const first = faults[0];
  const where = first ? `${first.list}[${first.index}]: ${first.message}` : '';
  const more = faults.length > 1 ? ` (and ${faults.length - 1} more)` : '';
  return new ProviderInputError('import_refused', `nothing imported: ${where}${more}`, { faults });
}

/** The faults of a store that found keys taken after the check (another import, at the same time). */
function takenFaults(
  result: Extract<ImportResult, { imported: false }>,
  checked: {
    consumers: Consumer[];
    accessTokens: AccessToken[];
  },
): ImportFault[] {
  return [
    ...result.existingConsumers.map((key) => ({
      list: 'consumers' as const,
      index: checked.consumers.findIndex((c) => c.key === key),
      key,
      message: `a consumer with the key ${key} is already stored`,
    })),
    ...result.existingAccessTokens.map((key) => ({
      list: 'accessTokens' as const,
      index: checked.accessTokens.findIndex((t) => t.token === key),
      key,
      message: `an access token ${key} is already stored`,
    })),
  ];
}

/**
 * The users the import adds: token users and (with `addOwners`) owners the store lacks. None when
 * the application keeps its users itself (the users option), so the store need not have `getUser`.
 */
async function missingUsers(
  config: ProviderConfig,
  checked: { consumers: Consumer[]; accessTokens: AccessToken[] },
  options: ImportOptions,
): Promise<User[]> {
  if (config.hostUsers) return [];
  const store = adminStore(config, 'importing credentials', 'getUser');
  const names = new Set(checked.accessTokens.map((t) => t.user));
  if (options.addOwners === true) for (const c of checked.consumers) names.add(c.owner);
  const users: User[] = [];
  for (const name of names)
    if (!(await store.getUser(name))) users.push({ name, status: 'active', createdAt: config.clock() });
  return users;
}

/**
 * Checks every record, then writes them all in one transaction of the store; throws
 * `ProviderInputError` `import_refused`, with every fault in `faults`, and writes nothing if any
 * record has one.
 */
export async function importCredentials(
  config: ProviderConfig,
  credentials: CredentialsImport,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const replace = options.replace === true;
  const checked = await checkAll(config, credentials, options);
  if (checked.faults.length > 0) throw refused(checked.faults);
  const store = adminStore(config, 'importing credentials', 'importRecords');
  const users = await missingUsers(config, checked, options);
  if (options.dryRun !== true) {
    const result = await store.importRecords({ ...checked, users, replace });
    if (!result.imported) throw refused(takenFaults(result, checked));
  }
  return {
    consumers: checked.consumers.length,
    accessTokens: checked.accessTokens.length,
    addedUsers: users.map((u) => u.name),
  };
}
