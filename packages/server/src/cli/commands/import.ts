/**
 * `countersign import FILE`: consumers and access tokens from another provider, with their keys and
 * secrets, so their clients go on signing as before. Every record is checked first; a file with a
 * fault imports nothing, and each fault is printed with its line (never a secret). A token's user
 * and a consumer's owner without an account are added as accounts without a password: they cannot
 * sign in until `user add NAME --password-stdin` gives them one, and their tokens work meanwhile.
 */
import { readFileSync } from 'node:fs';
import { createProvider, errors, type ImportFault } from 'countersign';
import { userNameProblem } from '../../server/passwords.js';
import { CliError, InvalidValueError } from '../cli-error.js';
import { command } from '../command-definition.js';
import { asCredentials, type ImportFile, readImportFile } from '../import-file.js';
import { decryptMagentoSecrets, readMagentoKeys } from '../magento-secrets.js';
import { SECRET_KEY_VARIABLE, STORE_EXCLUSIVE, STORE_OPTIONS, withStore } from '../open-store.js';
import { flag, option } from '../option-types.js';

type Format = 'json' | 'csv';

function format(text: string): Format {
  if (text === 'json' || text === 'csv') return text;
  throw new InvalidValueError('must be json or csv');
}

/** One fault as printed: `FILE:LINE: what` (or the record's place when its line is unknown). */
interface Printed {
  readonly line: number;
  readonly text: string;
}

const NOUN = { consumers: 'consumer', accessTokens: 'access token' } as const;

function printedFault(path: string, file: ImportFile, fault: ImportFault): Printed {
  const line = file.lines[fault.list][fault.index];
  const record = `${NOUN[fault.list]} ${fault.key ?? `${fault.list}[${fault.index}]`}`;
  const where = line === undefined ? `${path} ${fault.list}[${fault.index}]` : `${path}:${line}`;
  return { line: line ?? 0, text: `${where}: ${record}: ${fault.message}` };
}

function readFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
}

export const importCommand = command({
  summary: 'Imports consumers and access tokens from another provider, with their secrets (all or nothing)',
  description:
    'FILE is JSON ({"consumers": [...], "accessTokens": [...]}) or CSV (a kind column: consumer or access_token); see docs/guides/importing.md for the fields. Every record is checked first; a file with any fault imports nothing, and each fault is printed with its line.\n\nUsers and owners without an account get one without a password: they cannot sign in until `countersign user add NAME --password-stdin` sets it, and their tokens verify meanwhile.',
  arguments: ['FILE'],
  options: {
    format: option({
      value: 'json|csv',
      help: 'the file format (default: csv for a .csv file, json otherwise)',
      parse: format,
    }),
    'dry-run': flag({ help: 'check every record and import nothing' }),
    'magento-keys': option({
      value: 'FILE',
      help: "decrypt the secrets Magento 2.4.3-p2 and later keep encrypted (KEY:3:…) with its crypt/key: FILE is Magento's app/etc/env.php, or holds only that key",
      parse: (text) => text,
    }),
    replace: flag({
      help: 'replace stored consumers and access tokens of the same keys (default: refuse them)',
    }),
    ...STORE_OPTIONS,
  },
  exclusive: STORE_EXCLUSIVE,
  environment: [SECRET_KEY_VARIABLE],
  prints: 'what was imported, and the accounts added without a password',
  run: (values, [path = ''], io) => {
    const text = readFile(path);
    const file = readImportFile(text, values.format ?? (/\.csv$/i.test(path) ? 'csv' : 'json'));
    const magentoKeys = values['magento-keys'];
    if (magentoKeys !== undefined) decryptMagentoSecrets(file, readMagentoKeys(magentoKeys));
    const fail = (printed: Printed[]) => {
      for (const fault of printed.sort((a, b) => a.line - b.line)) io.err(fault.text);
      const count = `${printed.length} fault${printed.length === 1 ? '' : 's'}`;
      return new CliError(`nothing imported: ${path} has ${count}`);
    };
    const fileFault = (f: { line: number; message: string }): Printed => ({
      line: f.line,
      text: f.line > 0 ? `${path}:${f.line}: ${f.message}` : `${path}: ${f.message}`,
    });
    // A file that cannot be read as records stops here; faults of single rows are reported with
    // the records' own, and then nothing is written.
    if (file.faults.some((f) => f.whole)) throw fail(file.faults.map(fileFault));
    return withStore(values, io.env, async ({ store }) => {
      const provider = createProvider({ store });
      const dryRun = values['dry-run'] || file.faults.length > 0;
      const options = { replace: values.replace, addOwners: true, userNameProblem, dryRun };
      let summary;
      try {
        summary = await provider.importCredentials(asCredentials(file), options);
      } catch (error) {
        if (!(error instanceof errors.ProviderInputError) || error.code !== 'import_refused') throw error;
        const faults = error.faults.map((fault) => printedFault(path, file, fault));
        throw fail([...file.faults.map(fileFault), ...faults]);
      }
      if (file.faults.length > 0) throw fail(file.faults.map(fileFault));
      const users = [...summary.addedUsers].sort();
      const verb = values['dry-run'] ? 'would import' : 'imported';
      io.out(`${verb} ${summary.consumers} consumers and ${summary.accessTokens} access tokens`);
      if (users.length > 0)
        io.out(
          `accounts ${values['dry-run'] ? 'to add' : 'added'} without a password (set one with countersign user add NAME --password-stdin): ${users.join(', ')}`,
        );
    });
  },
});
