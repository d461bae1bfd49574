import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ERROR_CATALOG, type ErrorDefinition, formatMessage, isRetryable, QdhcpError } from './errors.js';

test('messages are formatted from the template', () => {
  const error = new QdhcpError('NETWORK_NOT_FOUND', { net_id: 'abc' });
  assert.equal(error.message, 'Network abc could not be found.');
  assert.equal(error.status, 404);
  assert.equal(error.type, 'NetworkNotFound');
  assert.equal(error.layer, 'api');
  assert.equal(formatMessage('{a} and {missing}', { a: 1 }), '1 and {missing}');
});

test('errors of layers that do not reach the API have no HTTP status; a cause is kept', () => {
  const cause = new Error('ENOENT');
  const error = new QdhcpError(
    'COMMAND_FAILED',
    { command: 'ip', reason: 'spawn failed', stderr: '' },
    { cause },
  );
  assert.equal(error.status, undefined);
  assert.equal(error.type, undefined);
  assert.equal(error.layer, 'linux');
  assert.equal(error.cause, cause);
  assert.equal(error.message, 'ip: spawn failed');
});

test('retryable comes from the catalog; an uncoded error counts as retryable', () => {
  assert.equal(isRetryable(new QdhcpError('IP_ADDRESS_GENERATION_FAILURE', { net_id: 'n' })), false);
  assert.equal(isRetryable(new QdhcpError('BUS_REQUEST_TIMEOUT', { method: 'm', timeout_ms: 1 })), true);
  assert.equal(isRetryable(new Error('unknown')), true);
});

/** The row docs/errors.md has for one code. */
function documentedRow(code: string, definition: ErrorDefinition): string {
  const api = definition.layer === 'api';
  return [
    '',
    `\`${code}\``,
    definition.layer,
    definition.retryable ? 'yes' : 'no',
    api ? `\`${definition.type}\`` : '—',
    api ? String(definition.status) : '—',
    definition.template,
    '',
  ]
    .join(' | ')
    .trim();
}

test('docs/errors.md lists every code as in the catalog, and no unknown code', () => {
  const root = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
  const doc = readFileSync(join(root, 'docs', 'errors.md'), 'utf8');
  const rows = new Set(doc.split('\n').map((line) => line.trim()));
  for (const [code, definition] of Object.entries(ERROR_CATALOG))
    assert.ok(
      rows.has(documentedRow(code, definition)),
      `${code}: expected row ${documentedRow(code, definition)}`,
    );
  const documented = [...doc.matchAll(/^\| `([A-Z_0-9]+)` \|/gm)].map((m) => m[1]);
  for (const code of documented)
    assert.ok(code !== undefined && code in ERROR_CATALOG, `${code} is not in the catalog`);
  assert.equal(documented.length, new Set(documented).size, 'a code is listed twice');
});
