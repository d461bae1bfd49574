/**
 * docs/architecture.md's "Where is it" section answers with file paths, and every path it cites exists
 * (issue 11): a map whose pointers rot is worse than none.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../support/fixtures.js';

const MAP = 'docs/architecture.md';
const HEADING = '## Where is it';
/** The questions the section must answer, by a word each must contain. */
const QUESTIONS = ['option 121', 'NAK', 're)plumbed', 'port create', 'metadata proxy', 'IPAM'];

/** The section's text: from its heading to the next `## ` heading. */
export function whereIsItSection(markdown: string): string {
  const start = markdown.indexOf(`\n${HEADING}`);
  if (start < 0) return '';
  const next = markdown.indexOf('\n## ', start + HEADING.length + 1);
  return markdown.slice(start, next < 0 ? undefined : next);
}

/** Repository paths cited in backticks (`src/…`, `test/…`, …), without a `:line` or `#anchor` suffix. */
export function citedPaths(text: string): string[] {
  const paths: string[] = [];
  for (const match of text.matchAll(/`((?:src|test|bench|scripts|docs|native)\/[^`\s:#]+)[^`]*`/g)) {
    paths.push(match[1] ?? '');
  }
  return paths;
}

test('citedPaths takes repository paths out of backticks', () => {
  assert.deepEqual(citedPaths('see `src/dhcp/encode.ts:40` and `docs/agent.md#x`, not `npm test`'), [
    'src/dhcp/encode.ts',
    'docs/agent.md',
  ]);
});

test(`${MAP} "Where is it" answers each question with paths that exist`, () => {
  const root = repoRoot();
  const section = whereIsItSection(readFileSync(join(root, MAP), 'utf8'));
  assert.notEqual(section, '', `${MAP} has a "${HEADING}" section`);
  for (const question of QUESTIONS)
    assert.ok(section.includes(question), `the section answers "${question}"`);
  const paths = citedPaths(section);
  assert.ok(paths.length >= QUESTIONS.length, 'every answer names files');
  const missing = paths.filter((path) => !existsSync(join(root, path)));
  assert.deepEqual(missing, [], 'paths cited in the section that do not exist');
});
