/**
 * The import rules of `docs/architecture.md` ("Modules" table, column "may import"), enforced: every
 * production file under `src/<module>/` imports only its own module and the modules its row allows. Type-only
 * and lazy (`import()`) imports count too: a type import still couples the two modules. Tests and their helpers
 * (`*.test.ts`, anything under a `testing/` folder) may reach across modules to build fixtures.
 *
 * The table is the source of truth: to allow an import, change the table (and say why in its "owns" column),
 * not this file.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const SRC = join(ROOT, 'src');

/**
 * Known violations being worked off, each `importer file → imported module` with the issue that removes it.
 * Empty: a new entry needs a reason, and the test fails once an entry is fixed so the list cannot go stale.
 */
const PENDING_VIOLATIONS: ReadonlySet<string> = new Set([]);

/** What each module may import: a set of module names, or 'all'. */
type ImportRules = ReadonlyMap<string, ReadonlySet<string> | 'all'>;

/** Parses the rows `| \`name/\` | owns | may import |` of the architecture document's Modules table. */
function parseModuleTable(markdown: string): ImportRules {
  const section = markdown.split(/^## /m).find((part) => part.startsWith('Modules'));
  assert.ok(section, 'docs/architecture.md has a "## Modules" section');
  const rules = new Map<string, ReadonlySet<string> | 'all'>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    // ['', folder, owns, may import, '']
    const folder = /^`([a-z0-9-]+)\/`$/.exec(cells[1] ?? '')?.[1];
    const allowed = cells[3];
    if (folder === undefined || allowed === undefined) continue;
    if (/\beverything\b/.test(allowed)) rules.set(folder, 'all');
    else rules.set(folder, new Set([...allowed.matchAll(/`([a-z0-9-]+)\/`/g)].map((m) => m[1]!)));
  }
  return rules;
}

function* typeScriptFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* typeScriptFiles(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

function isTestCode(path: string): boolean {
  return path.endsWith('.test.ts') || path.split(sep).includes('testing');
}

/** The `src/` module a relative import from `file` lands in, or undefined (a package, or outside `src/`). */
function importedModule(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = relative(SRC, resolve(dirname(file), specifier)).split(sep);
  if (target[0] === '..' || target.length < 2) return undefined;
  return target[0];
}

/** Every `importer → module` pair that the rules forbid, over the production files of `src/`. */
function findViolations(rules: ImportRules): string[] {
  const violations: string[] = [];
  for (const file of typeScriptFiles(SRC)) {
    if (isTestCode(file)) continue;
    const module = relative(SRC, file).split(sep)[0]!;
    const allowed = rules.get(module);
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of info.importedFiles) {
      const target = importedModule(file, fileName);
      if (target === undefined || target === module || allowed === 'all' || allowed?.has(target)) continue;
      violations.push(`${relative(ROOT, file).split(sep).join('/')} → ${target}`);
    }
  }
  return [...new Set(violations)].sort();
}

const rules = parseModuleTable(readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8'));

test('the Modules table has a row for every folder of src/', () => {
  const folders = readdirSync(SRC, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  for (const folder of folders)
    assert.ok(rules.has(folder), `docs/architecture.md: no row for \`${folder}/\``);
  for (const module of rules.keys())
    assert.ok(folders.includes(module), `a row for a missing folder: ${module}/`);
});

test('every production import follows the Modules table of docs/architecture.md', () => {
  const violations = findViolations(rules);
  const unexpected = violations.filter((v) => !PENDING_VIOLATIONS.has(v));
  assert.deepEqual(unexpected, [], 'imports the table does not allow (change the code, or the table)');
  const fixed = [...PENDING_VIOLATIONS].filter((v) => !violations.includes(v));
  assert.deepEqual(fixed, [], 'fixed: remove these from PENDING_VIOLATIONS');
});
