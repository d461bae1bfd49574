/**
 * "No cast on request input in `api/`" (issue 11), checked on the source.
 *
 * The rule: production files of the HTTP edge (`src/api/**` without `*.test.ts` and `testing/`) contain
 * no type assertion at all — neither `value as T` (except `as const`, which asserts nothing about the
 * value) nor `<T>value` — no `any`, and no `@ts-ignore` / `@ts-expect-error`.
 *
 * Why every assertion and not only those on `request.body`/`query`/`params`: whether a value came from
 * the request is a data-flow question (the body goes through `createItems`, `parseCreate`, converters and
 * object fields before it reaches a service), and a syntactic rule that looks only at `request.x as T`
 * misses `const body = request.body; … body as T`. In the edge nearly every value is request input, so
 * none may be asserted. Types come instead from checks the compiler can follow: converters typed by what
 * they return (`Converter<T>`), attribute maps typed by the service input (`AttributesOf<I>`), type
 * guards whose body is the run-time check (`isJsonObject`, TypeBox `Value.Check`), and annotations that
 * only widen. The file is parsed with the TypeScript compiler, so comments, strings and `as` in import
 * or export clauses do not count.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const apiDir = join(root, 'src', 'api');

/** The production sources of the edge. */
function productionFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : productionFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every violation of the rule in `source`, as `line: text`. */
function violations(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const report = (node: ts.Node, what: string) => {
    const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
    found.push(`${line + 1}: ${what}: ${node.getText(file).slice(0, 80)}`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isAsExpression(node)) {
      const isConst = ts.isTypeReferenceNode(node.type) && node.type.typeName.getText(file) === 'const';
      if (!isConst) report(node, 'type assertion');
    } else if (ts.isTypeAssertionExpression(node)) {
      report(node, 'type assertion');
    } else if (node.kind === ts.SyntaxKind.AnyKeyword) {
      report(node, 'any');
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  for (const match of source.matchAll(/@ts-(ignore|expect-error|nocheck)/g)) {
    const { line } = file.getLineAndCharacterOfPosition(match.index);
    found.push(`${line + 1}: compiler check switched off: ${match[0]}`);
  }
  return found;
}

test('the rule catches every form of cast and allows `as const`', () => {
  const caught = violations(
    'sample.ts',
    [
      'const a = request.body as { port: unknown };',
      'const body = request.body; const b = body as unknown as Port;',
      'const c = <Port>request.body;',
      'function f(x: any) { return x; }',
      '// @ts-ignore',
      "const ok = ['x'] as const; // a comment saying value as T",
      "const s = 'text as T';",
      'export { a as renamed };',
    ].join('\n'),
  );
  assert.deepEqual(
    [...new Set(caught.map((line) => line.split(':').slice(0, 2).join(':')))],
    [
      '1: type assertion',
      '2: type assertion',
      '3: type assertion',
      '4: any',
      '5: compiler check switched off',
    ],
  );
});

test('no production file of api/ asserts a type, uses any or switches the compiler off', () => {
  const files = productionFiles(apiDir);
  assert.ok(files.length > 5, `found the sources in ${apiDir}`);
  const found = files.flatMap((path) =>
    violations(path, readFileSync(path, 'utf8')).map((line) => `${relative(root, path)}:${line}`),
  );
  assert.deepEqual(found, []);
});
