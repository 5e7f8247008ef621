/** The PostgreSQL store runs the shared suite, each test on a database of its own. */
import { describe } from 'vitest';
import { PostgresStore } from '../../src/stores/postgres-store.js';
import { createDatabase, hasPostgres } from '../support/services.js';
import { runStoreSuite } from './store-suite.js';

describe.skipIf(!hasPostgres)('postgres', () => {
  let drop: () => Promise<void> = () => Promise.resolve();
  runStoreSuite(
    'postgres',
    async () => {
      const database = await createDatabase();
      drop = () => database.drop();
      return PostgresStore.connect(database.url);
    },
    () => drop(),
  );
});
