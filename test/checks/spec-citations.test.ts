/**
 * Every behaviour-contract citation in the code resolves (issue 11, "Resolvable why-pointers"): the most
 * frequent "why" pointer of the code names a section of docs/neutron-behaviour.md, and that section must
 * exist there. A citation is the word `spec` followed by section numbers, with or without `§`, as lists and
 * ranges: the forms the code uses (see `citedSections` below and its table test).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../support/fixtures.js';

const CONTRACT = 'docs/neutron-behaviour.md';
/** Where citations may appear: the code, its tests and the benchmarks. */
const SCANNED = ['src', 'test', 'bench', 'scripts'];
const SCANNED_EXTENSIONS = /\.(ts|mjs|sh)$/;

const NUMBER = String.raw`\d+(?:\.\d+)?`;
/**
 * `spec`, optional `§`, then more numbers: a range (`–`/`-`), a list element with its own `§` after `,`/`;`, or a
 * bare `N.N` after `,` (a bare integer after a comma is prose, not a section: "spec §5.5, 3 options").
 */
const CITATION = new RegExp(
  String.raw`\bspec\s+§?\s?(${NUMBER}(?:\s*[–-]\s*§?${NUMBER}|[,;]\s*§${NUMBER}|,\s*\d+\.\d+)*)`,
  'gi',
);

/** The sections a text cites, in order; a range `a–b` contributes both ends. */
export function citedSections(text: string): string[] {
  const sections: string[] = [];
  for (const match of text.matchAll(CITATION)) {
    for (const number of (match[1] ?? '').matchAll(new RegExp(NUMBER, 'g'))) sections.push(number[0]);
  }
  return sections;
}

/** Section numbers defined by the contract's headings (`## 4.` and `### 4.14 …`). */
export function definedSections(markdown: string): Set<string> {
  const sections = new Set<string>();
  for (const match of markdown.matchAll(/^#{2,4}\s+(\d+(?:\.\d+)*)\.?\s/gm)) sections.add(match[1] ?? '');
  return sections;
}

function* sourceFiles(directory: string): Generator<string> {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (SCANNED_EXTENSIONS.test(entry.name)) yield path;
  }
}

test('citedSections reads the forms the code uses, and nothing else', () => {
  const cases: ReadonlyArray<readonly [string, readonly string[]]> = [
    ['see spec §4.14 for the port', ['4.14']],
    ['(spec 3.4, 3.6): allocation', ['3.4', '3.6']],
    ['spec §1.9, §4.8): ports', ['1.9', '4.8']],
    ['spec §4.3–4.8, the loop', ['4.3', '4.8']],
    ['Spec §5.5 steps 1–2: DNS', ['5.5']],
    ["spec §4.16's restart", ['4.16']],
    ['spec 1.5, 3.4–3.7).', ['1.5', '3.4', '3.7']],
    ['spec §6. The proxy', ['6']],
    ['no citation: specific 4.1 and RFC 2131 §4.1', []],
  ];
  for (const [text, expected] of cases) assert.deepEqual(citedSections(text), expected, text);
});

test('definedSections reads numbered headings only', () => {
  const markdown =
    '# Title\n## 4. Agent\n### 4.14 DHCP port\n#### 4.14.1 detail\ntext ## 9.9 not a heading\n';
  assert.deepEqual([...definedSections(markdown)], ['4', '4.14', '4.14.1']);
});

test(`every spec citation names a section of ${CONTRACT}`, () => {
  const root = repoRoot();
  const defined = definedSections(readFileSync(join(root, CONTRACT), 'utf8'));
  assert.ok(defined.has('4.14') && defined.has('6'), `${CONTRACT} has numbered sections`);
  const unresolved: string[] = [];
  let citations = 0;
  for (const folder of SCANNED) {
    for (const file of sourceFiles(join(root, folder))) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, index) => {
          for (const section of citedSections(line)) {
            citations += 1;
            if (!defined.has(section))
              unresolved.push(`${relative(root, file)}:${index + 1}: spec §${section}`);
          }
        });
    }
  }
  assert.ok(citations > 100, `found ${citations} citations: the scan is looking at the code`);
  assert.deepEqual(unresolved, [], `citations with no section in ${CONTRACT}`);
});
