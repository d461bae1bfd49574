/**
 * "No uncoded Error in production code" (docs/errors.md): every error qdhcp throws on purpose is a
 * `QdhcpError` from the one catalog (or a subclass of it that adds typed fields), so it has a code, a layer
 * and a `retryable` flag wherever it ends up (HTTP, bus, reconciler, logs).
 *
 * The rule, over every production file under `src/` (not `*.test.ts`, not `testing/` folders, not
 * `test-helpers.ts` / `test-harness.ts`), comment lines ignored:
 * 1. no `new Error(` / `new TypeError(` / `new RangeError(` (or another built-in error constructor);
 * 2. no class extends a built-in error, except `QdhcpError` itself in `src/common/errors.ts` — and a
 *    class marked `// TODO(lead): remove after merge` on the line above (left in another stream's file
 *    with nothing throwing it);
 * 3. every `throw new X(` names `QdhcpError` or one of its subclasses (found by following `extends`);
 * 4. no `throw` of a string, template or object literal.
 * Rethrowing a caught value (`throw error`) is allowed: what was caught is coded already, or wrapped where
 * it enters qdhcp (Node system errors in `src/linux/`).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const BUILTIN = '(?:Error|TypeError|RangeError|SyntaxError|ReferenceError|EvalError|URIError|AggregateError)';
const EXEMPT_MARKER = 'TODO(lead): remove after merge';

/** One source file: its path relative to the repository and its text. */
interface Source {
  readonly path: string;
  readonly text: string;
}

function isProduction(path: string): boolean {
  return (
    path.endsWith('.ts') &&
    !path.endsWith('.test.ts') &&
    !path.endsWith('.d.ts') &&
    !path.includes('/testing/') &&
    !/\/test-(helpers|harness)\.ts$/.test(path)
  );
}

function productionSources(): Source[] {
  const sources: Source[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        const path = relative(ROOT, full);
        if (isProduction(path)) sources.push({ path, text: readFileSync(full, 'utf8') });
      }
    }
  };
  walk(join(ROOT, 'src'));
  return sources;
}

/** Lines that are code (comment-only lines dropped), with their 1-based numbers. */
function codeLines(
  text: string,
): Array<{ readonly line: number; readonly code: string; readonly above: string }> {
  const lines = text.split('\n');
  return lines
    .map((code, index) => ({ line: index + 1, code, above: lines[index - 1] ?? '' }))
    .filter(({ code }) => !/^\s*(\/\/|\/\*|\*)/.test(code));
}

/** Every class that is `QdhcpError` or extends one (transitively), over all `sources`. */
function codedClasses(sources: readonly Source[]): Set<string> {
  const extendsOf = new Map<string, string>();
  for (const { text } of sources)
    for (const match of text.matchAll(/class (\w+) extends (\w+)/g))
      if (match[1] !== undefined && match[2] !== undefined) extendsOf.set(match[1], match[2]);
  const coded = new Set(['QdhcpError']);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [name, base] of extendsOf)
      if (!coded.has(name) && coded.has(base)) {
        coded.add(name);
        grew = true;
      }
  }
  return coded;
}

/** The violations of the rule in `sources`, as `path:line: what`. */
export function uncodedErrors(sources: readonly Source[]): string[] {
  const coded = codedClasses(sources);
  const builtin = new RegExp(`^${BUILTIN}$`);
  const found: string[] = [];
  for (const { path, text } of sources) {
    for (const { line, code, above } of codeLines(text)) {
      const at = `${path}:${line}`;
      if (new RegExp(`\\bnew ${BUILTIN}\\(`).test(code)) found.push(`${at}: new of a built-in error`);
      const extended = new RegExp(`class (\\w+) extends ${BUILTIN}\\b`).exec(code);
      const isCatalogRoot = extended?.[1] === 'QdhcpError' && path === join('src', 'common', 'errors.ts');
      if (extended && !isCatalogRoot && !above.includes(EXEMPT_MARKER))
        found.push(`${at}: class ${extended[1]} extends a built-in error`);
      for (const thrown of code.matchAll(/\bthrow new (\w+)\(/g))
        if (thrown[1] !== undefined && !coded.has(thrown[1]) && !builtin.test(thrown[1]))
          found.push(`${at}: throw new ${thrown[1]}`);
      if (/\bthrow\s+['"`{]/.test(code)) found.push(`${at}: throw of a literal`);
    }
  }
  return found;
}

test('the rule finds each kind of uncoded error and accepts coded ones', () => {
  const sample = (text: string) => uncodedErrors([{ path: join('src', 'x', 'y.ts'), text }]);
  assert.equal(sample("throw new Error('x');").length, 1);
  assert.equal(sample('reject(new RangeError(`x`));').length, 1);
  assert.equal(sample('class Oops extends Error {}').length, 1);
  assert.equal(sample("throw 'oops';").length, 1);
  assert.equal(sample('throw new Oops();').length, 1);
  assert.equal(sample("// throw new Error('in a comment')").length, 0);
  assert.equal(sample(`// ${EXEMPT_MARKER}\nexport class Old extends Error {}`).length, 0);
  assert.equal(sample("throw new QdhcpError('INTERNAL');").length, 0);
  assert.equal(sample('class Typed extends QdhcpError {}\nthrow new Typed();').length, 0);
  assert.equal(sample('throw error;').length, 0);
});

test('production code throws only coded errors (QdhcpError and its subclasses)', () => {
  const sources = productionSources();
  assert.ok(sources.length > 100, 'the scan found the sources');
  assert.deepEqual(uncodedErrors(sources), []);
});
