/**
 * The files `countersign import` reads, as the records `provider.importCredentials` takes, each
 * with the line it starts on. JSON: `{ "consumers": [...], "accessTokens": [...] }` with the
 * library's field names. CSV: one file holding both kinds, a `kind` column saying which (see
 * docs/guides/importing.md). Unknown fields and columns are refused. A fault printed names its line,
 * the record (its consumer key or token) and what is wrong, which may quote the file's field and
 * column names, user and owner names, consumer keys and scopes; never a secret field's value. A
 * parser's own message, which may quote any text of the file (a secret too), is not passed on: only
 * its position or code.
 */
import type { CredentialsImport, ImportedAccessToken, ImportedConsumer } from 'countersign';
import { parse as parseCsv } from 'csv-parse/sync';

/** A record the file holds, before the library checks it. */
type Raw = Record<string, unknown>;

/** What a file holds: the records, where each one starts, and the faults found reading them. */
export interface ImportFile {
  readonly credentials: { consumers: Raw[]; accessTokens: Raw[] };
  /** The line each record starts on, by list and index (undefined when it cannot be told). */
  readonly lines: { consumers: (number | undefined)[]; accessTokens: (number | undefined)[] };
  /**
   * Faults found reading the file: of a row (`line` its line), or of the whole file (`whole`: not
   * CSV, an unknown column; `line` 0 when no line can be named), after which no record is read.
   */
  readonly faults: { line: number; message: string; whole?: boolean }[];
}

/** The columns of a CSV file, each with the kind of row it belongs to and the field it fills. */
const CSV_COLUMNS: Readonly<Record<string, { kinds: readonly string[]; field: string }>> = {
  kind: { kinds: ['consumer', 'access_token'], field: 'kind' },
  key: { kinds: ['consumer'], field: 'key' },
  token: { kinds: ['access_token'], field: 'token' },
  secret: { kinds: ['consumer', 'access_token'], field: 'secret' },
  consumer_key: { kinds: ['access_token'], field: 'consumerKey' },
  name: { kinds: ['consumer'], field: 'name' },
  owner: { kinds: ['consumer'], field: 'owner' },
  user: { kinds: ['access_token'], field: 'user' },
  callback: { kinds: ['consumer'], field: 'callback' },
  scopes: { kinds: ['consumer', 'access_token'], field: 'scopes' },
  signature_methods: { kinds: ['consumer'], field: 'signatureMethods' },
  two_legged: { kinds: ['consumer'], field: 'twoLegged' },
  description: { kinds: ['consumer'], field: 'description' },
  rsa_public_key: { kinds: ['consumer'], field: 'rsaPublicKey' },
  created_at: { kinds: ['consumer', 'access_token'], field: 'createdAt' },
  expires_at: { kinds: ['access_token'], field: 'expiresAt' },
  revoked_at: { kinds: ['access_token'], field: 'revokedAt' },
};

/** The CSV columns, in the order the guide lists them. */
export const CSV_COLUMN_NAMES = Object.keys(CSV_COLUMNS);

const TIME_FIELDS = new Set(['createdAt', 'expiresAt', 'revokedAt']);
const LIST_FIELDS = new Set(['scopes', 'signatureMethods']);

/** Thrown for a value that cannot be read; the caller names the line. */
class ValueFault extends Error {}

/**
 * A time: milliseconds since the epoch, or ISO 8601 with a time zone (`2024-05-01T10:00:00Z`);
 * left as it is when it is neither, for the library to refuse.
 */
function timeValue(value: unknown, field: string): unknown {
  if (typeof value !== 'string') return value;
  if (/^\d+$/.test(value)) return Number(value);
  const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;
  const ms = Date.parse(value);
  if (!iso.test(value) || Number.isNaN(ms))
    throw new ValueFault(`${field} must be milliseconds since the epoch or ISO 8601 with a time zone`);
  return ms;
}

/** A JSON record with its times read. */
function jsonRecord(value: unknown): Raw {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value as Raw;
  // A null field is an absent one (SQL exports write NULL columns so).
  const record: Raw = Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null));
  for (const field of TIME_FIELDS) if (field in record) record[field] = timeValue(record[field], field);
  return record;
}

/** The line each element of the top-level arrays starts on, from a scan of the JSON text. */
function elementLines(text: string): Map<string, number[]> {
  const found = new Map<string, number[]>();
  let line = 1;
  let depth = 0;
  let lastString = '';
  let key = '';
  let array: number[] | undefined;
  let expectingElement = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\n') line++;
    if (/\s/.test(ch)) continue;
    if (depth === 2 && array && expectingElement && ch !== ']') {
      array.push(line);
      expectingElement = false;
    }
    if (ch === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      lastString = text.slice(i + 1, end);
      i = end;
    } else if (ch === ':' && depth === 1) key = lastString;
    else if (ch === ',' && depth === 2) expectingElement = true;
    else if (ch === '[' || ch === '{') {
      depth++;
      if (depth === 2 && ch === '[') {
        array = [];
        found.set(key, array);
        expectingElement = true;
      }
    } else if (ch === ']' || ch === '}') {
      depth--;
      if (depth === 1) array = undefined;
    }
  }
  return found;
}

function readJson(text: string): ImportFile {
  const file: ImportFile = {
    credentials: { consumers: [], accessTokens: [] },
    lines: { consumers: [], accessTokens: [] },
    faults: [],
  };
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    // The parser's message may quote the text; only its position is kept.
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    const line = at === undefined ? 0 : text.slice(0, Number(at)).split('\n').length;
    file.faults.push({ line, message: 'not valid JSON', whole: true });
    return file;
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    file.faults.push({
      line: 0,
      message: 'a JSON import is an object with "consumers" and "accessTokens"',
      whole: true,
    });
    return file;
  }
  const lines = elementLines(text);
  for (const [field, value] of Object.entries(document)) {
    if (field !== 'consumers' && field !== 'accessTokens') {
      file.faults.push({
        line: 0,
        message: `unknown field ${JSON.stringify(field)} (consumers, accessTokens)`,
      });
    } else if (!Array.isArray(value)) {
      file.faults.push({ line: 0, message: `${field} must be an array`, whole: true });
    } else {
      value.forEach((item, index) => {
        const line = lines.get(field)?.[index];
        try {
          file.credentials[field].push(jsonRecord(item));
          file.lines[field].push(line);
        } catch (error) {
          if (!(error instanceof ValueFault)) throw error;
          file.faults.push({ line: line ?? 0, message: `${field}[${index}]: ${error.message}` });
        }
      });
    }
  }
  return file;
}

/** A CSV row as the record of its kind: empty cells are absent, lists split on spaces. */
function csvRecord(row: Readonly<Record<string, string>>, kind: string): Raw {
  const record: Raw = {};
  for (const [column, cell] of Object.entries(row)) {
    const spec = CSV_COLUMNS[column];
    if (!spec || column === 'kind' || cell === '') continue;
    if (!spec.kinds.includes(kind)) throw new ValueFault(`${column} is not a column of ${kind} rows`);
    if (LIST_FIELDS.has(spec.field)) record[spec.field] = cell.split(/\s+/).filter(Boolean);
    else if (TIME_FIELDS.has(spec.field)) record[spec.field] = timeValue(cell, column);
    else if (spec.field === 'twoLegged') {
      if (cell !== 'true' && cell !== 'false') throw new ValueFault('two_legged must be true or false');
      record.twoLegged = cell === 'true';
    } else record[spec.field] = cell;
  }
  return record;
}

function readCsv(text: string): ImportFile {
  const file: ImportFile = {
    credentials: { consumers: [], accessTokens: [] },
    lines: { consumers: [], accessTokens: [] },
    faults: [],
  };
  let rows: { record: Record<string, string>; info: { lines: number; empty_lines: number } }[];
  try {
    rows = parseCsv(text, { columns: true, info: true, skip_empty_lines: true, bom: true });
  } catch (error) {
    // csv-parse's messages quote the text; only the line and the code are kept.
    const { code, lines } = error as { code?: string; lines?: number };
    file.faults.push({ line: lines ?? 0, message: `not valid CSV (${code ?? 'unreadable'})`, whole: true });
    return file;
  }
  const header = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const columns = rows[0] ? Object.keys(rows[0].record) : header.split(',');
  const unknown = columns.filter((c) => !(c in CSV_COLUMNS));
  if (unknown.length > 0)
    file.faults.push({ line: 1, message: `unknown columns: ${unknown.join(', ')}`, whole: true });
  if (!columns.includes('kind'))
    file.faults.push({ line: 1, message: 'the kind column is required', whole: true });
  if (file.faults.length > 0) return file;
  // A record ends on `info.lines`; it starts after the one before it (a quoted cell may span lines).
  let previous = { lines: 1, empty: 0 };
  for (const { record: row, info } of rows) {
    const start = previous.lines + 1 + (info.empty_lines - previous.empty);
    previous = { lines: info.lines, empty: info.empty_lines };
    const list =
      row.kind === 'consumer' ? 'consumers' : row.kind === 'access_token' ? 'accessTokens' : undefined;
    if (!list) {
      file.faults.push({ line: start, message: 'kind must be consumer or access_token' });
      continue;
    }
    try {
      file.credentials[list].push(csvRecord(row, row.kind as string));
      file.lines[list].push(start);
    } catch (error) {
      if (!(error instanceof ValueFault)) throw error;
      file.faults.push({ line: start, message: error.message });
    }
  }
  return file;
}

/** Reads an import file's text in `format`. */
export function readImportFile(text: string, format: 'json' | 'csv'): ImportFile {
  return format === 'csv' ? readCsv(text) : readJson(text);
}

/** The records as the library takes them (it checks every field). */
export function asCredentials(file: ImportFile): CredentialsImport {
  return {
    consumers: file.credentials.consumers as unknown as ImportedConsumer[],
    accessTokens: file.credentials.accessTokens as unknown as ImportedAccessToken[],
  };
}
