/**
 * The public API of the library and the stores is closed: every type named in the declaration of
 * something an entry point exports (a parameter, a property, a return type, an extended interface)
 * is itself exported by one of the entry points, so a user can name every type they are handed.
 * Read with the TypeScript checker from the sources the packages' exports are built from.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const PACKAGES = join(import.meta.dirname, '../../packages');

const entries = readdirSync(PACKAGES).flatMap((folder) => {
  const manifest = JSON.parse(readFileSync(join(PACKAGES, folder, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { default: string }>;
  };
  return Object.values(manifest.exports)
    .filter((target): target is { default: string } => typeof target !== 'string')
    .map((target) =>
      join(PACKAGES, folder, target.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')),
    );
});

const program = ts.createProgram(entries, {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  types: ['node'],
});
const checker = program.getTypeChecker();

const resolved = (symbol: ts.Symbol) =>
  symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;

/** Every symbol the entry points export, each as declared. */
const exported = new Set<ts.Symbol>();
for (const entry of entries) {
  const source = program.getSourceFile(entry);
  const module = source && checker.getSymbolAtLocation(source);
  for (const symbol of module ? checker.getExportsOfModule(module) : []) {
    const target = resolved(symbol);
    exported.add(target);
    // A namespace export (`export * as errors`) exports its members too.
    if (target.flags & ts.SymbolFlags.Module)
      for (const member of checker.getExportsOfModule(target)) exported.add(resolved(member));
  }
}

/** The library's own symbols that the declarations of `symbol` name, as `name (where)`. */
function namedTypes(symbol: ts.Symbol): Set<ts.Symbol> {
  const named = new Set<ts.Symbol>();
  const visit = (node: ts.Node) => {
    // Function and method bodies are implementation, not API, and so are private members.
    if (ts.isBlock(node)) return;
    if (ts.isClassElement(node)) {
      const hidden = ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Private;
      if (hidden || (node.name !== undefined && ts.isPrivateIdentifier(node.name))) return;
    }
    if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node)) {
      const at = ts.isTypeReferenceNode(node) ? node.typeName : node.expression;
      const target = checker.getSymbolAtLocation(at);
      if (target) named.add(resolved(target));
    }
    ts.forEachChild(node, visit);
  };
  for (const declaration of symbol.declarations ?? []) visit(declaration);
  return named;
}

/** Declared by the library alone (a framework's type it augments, as Fastify's request, is not its own). */
const isLibrarySource = (symbol: ts.Symbol) =>
  (symbol.declarations ?? []).length > 0 &&
  (symbol.declarations ?? []).every((d) => /\/packages\/[^/]+\/src\//.test(d.getSourceFile().fileName));

describe('the public API', () => {
  it('reads the entry points', () => {
    expect(entries.length).toBeGreaterThanOrEqual(12);
    expect(exported.size).toBeGreaterThan(50);
  });

  it('names no type of the library that it does not export', () => {
    const unexported: string[] = [];
    for (const symbol of exported) {
      for (const named of namedTypes(symbol)) {
        if (!isLibrarySource(named) || exported.has(named)) continue;
        // A type parameter is declared in place, not a type to export.
        if (named.flags & ts.SymbolFlags.TypeParameter) continue;
        const where = relative(PACKAGES, named.declarations?.[0]?.getSourceFile().fileName ?? '');
        unexported.push(`${symbol.name} names ${named.name} (${where})`);
      }
    }
    expect([...new Set(unexported)].sort()).toEqual([]);
  });

  it('exports from countersign/lti what a tool provider uses, and nothing else', () => {
    const entry = entries.find((e) => e.endsWith('/countersign/src/lti/index.ts'));
    const source = entry === undefined ? undefined : program.getSourceFile(entry);
    const module = source && checker.getSymbolAtLocation(source);
    const names = (module ? checker.getExportsOfModule(module) : []).map((s) => s.name).sort();
    expect(names).toEqual(
      [
        // Launches: verified, read as typed data, refused.
        'verifyLaunch',
        'launchRefusal',
        'Launch',
        'LaunchOptions',
        'LtiContentItemRequest',
        'LtiContext',
        'LtiOutcome',
        'LtiPerson',
        'LtiPresentation',
        'LtiResourceLink',
        'LtiToolConsumer',
        'LTI_MESSAGE_TYPES',
        'LTI_VERSION',
        'LtiMessageType',
        // Roles, as full URNs and short names.
        'hasRole',
        'parseRoles',
        'LtiRole',
        'RoleScope',
        // Basic Outcomes 1.1.
        'OutcomesClient',
        'OutcomesOptions',
        'OutcomeError',
        'OutcomeErrorCode',
        'OutcomeOperation',
        'CodeMajor',
        'PoxStatus',
      ].sort(),
    );
  });

  it('exports from the adapters the adapter, its options, and the request readers a route of its own needs', () => {
    const exportsOf = (file: string) => {
      const entry = entries.find((e) => e.endsWith(`/countersign/src/${file}`));
      const source = entry === undefined ? undefined : program.getSourceFile(entry);
      const module = source && checker.getSymbolAtLocation(source);
      return (module ? checker.getExportsOfModule(module) : []).map((s) => s.name).sort();
    };
    // Every adapter's own options (with `onRefused`), and the refusal it hands them.
    const options = ['AdapterOptions', 'EndpointPaths', 'Refusal'];
    expect(exportsOf('node.ts')).toEqual(
      [
        ...options,
        'NodeAdapter',
        'NodeAdapterOptions',
        'nodeAdapter',
        'fromNodeRequest',
        'readBody',
        'sendWire',
      ].sort(),
    );
    expect(exportsOf('express.ts')).toEqual(
      [
        ...options,
        'ExpressAdapter',
        'ExpressAdapterOptions',
        'expressAdapter',
        // Raw bytes kept behind express.json(), the request read, and what protect proved, typed.
        'keepRawBody',
        'readExpressRequest',
        'verifiedRequest',
      ].sort(),
    );
    expect(exportsOf('fastify.ts')).toEqual(
      [...options, 'FastifyAdapter', 'FastifyAdapterOptions', 'fastifyAdapter', 'fromFastifyRequest'].sort(),
    );
    expect(exportsOf('fetch.ts')).toEqual(
      [
        ...options,
        'FetchAdapter',
        'FetchAdapterOptions',
        'fetchAdapter',
        'fromFetchRequest',
        'toResponse',
      ].sort(),
    );
  });

  it('exports from countersign/passport the two strategies, their options and auth info, and the problem handler', () => {
    const entry = entries.find((e) => e.endsWith('/countersign/src/passport.ts'));
    const source = entry === undefined ? undefined : program.getSourceFile(entry);
    const module = source && checker.getSymbolAtLocation(source);
    const names = (module ? checker.getExportsOfModule(module) : []).map((s) => s.name).sort();
    expect(names).toEqual(
      [
        'TokenStrategy',
        'ConsumerStrategy',
        'PassportStrategyOptions',
        'OAuthAuthInfo',
        'ConsumerWithoutSecrets',
        'problemHandler',
      ].sort(),
    );
  });
});
