/**
 * The server's tables: the same names in SQLite and PostgreSQL, under a prefix of their own
 * (`countersign_server_`), beside the store's, with their migrations recorded in
 * `countersign_server_migrations`. The server touches the store's tables only through the store.
 */

/** The prefix of the server's tables. */
export const SERVER_TABLE_PREFIX = 'countersign_server_';

/** The server's tables that hold a sealed secret: the settings' values (the cookie secret). */
export const SERVER_SEALED_COLUMN = { table: 'settings', key: 'name', column: 'value' } as const;

export interface ServerTables {
  readonly migrations: string;
  readonly accounts: string;
  readonly settings: string;
  readonly sessions: string;
  readonly notes: string;
  readonly problemEvents: string;
  readonly ltiLaunches: string;
  /** An index name: prefixed, unqualified. */
  readonly local: (name: string) => string;
}

/** The names, each quoted and, in PostgreSQL, qualified by `schema` when there is one. */
export function serverTables(schema?: string): ServerTables {
  const local = (name: string) => `"${SERVER_TABLE_PREFIX}${name}"`;
  const table = (name: string) => (schema === undefined ? local(name) : `"${schema}".${local(name)}`);
  return {
    migrations: table('migrations'),
    accounts: table('accounts'),
    settings: table('settings'),
    sessions: table('sessions'),
    notes: table('notes'),
    problemEvents: table('problem_events'),
    ltiLaunches: table('lti_launches'),
    local,
  };
}
