/**
 * MariaDB for the suites that need it (the Magento export of docs/guides/importing.md), through the
 * `mariadb` client as root without a password. On a laptop without it those suites skip with a
 * printed notice; under `CI=true` a missing MariaDB is a failure.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export const MARIADB_HOST = process.env.COUNTERSIGN_TEST_MARIADB_HOST ?? '127.0.0.1';

/** Runs `sql` with the `mariadb` client (in `database`, if given); its standard output. */
export function mariadb(sql: string, database?: string): string {
  const args = ['-h', MARIADB_HOST, '-u', 'root', '--batch', '--raw', '--skip-column-names'];
  const result = spawnSync('mariadb', database ? [...args, database] : args, {
    input: sql,
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`mariadb failed: ${result.stderr.trim()}`);
  return result.stdout;
}

function reachable(): boolean {
  try {
    mariadb('SELECT 1');
    return true;
  } catch (error) {
    const what = `MariaDB at ${MARIADB_HOST} (with the mariadb client)`;
    if (process.env.CI === 'true') throw new Error(`CI needs ${what}: ${(error as Error).message}`);
    console.warn(`NOTICE: ${what} is not reachable; its suites are skipped.`);
    return false;
  }
}

export const hasMariadb = reachable();

/** A fresh database's name; `drop` removes it. */
export function createMariadbDatabase(): { name: string; drop(): void } {
  const name = `countersign_test_${randomBytes(6).toString('hex')}`;
  mariadb(`CREATE DATABASE ${name}`);
  return { name, drop: () => void mariadb(`DROP DATABASE IF EXISTS ${name}`) };
}
