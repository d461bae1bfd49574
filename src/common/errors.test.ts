import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ERROR_CATALOG, formatMessage, QdhcpError } from './errors.js';

test('messages are formatted from the template', () => {
  const error = new QdhcpError('NETWORK_NOT_FOUND', { net_id: 'abc' });
  assert.equal(error.message, 'Network abc could not be found.');
  assert.equal(error.status, 404);
  assert.equal(error.type, 'NetworkNotFound');
  assert.equal(formatMessage('{a} and {missing}', { a: 1 }), '1 and {missing}');
});

test('every error code is documented in docs/api.md, and the doc lists no unknown code', () => {
  const root = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
  const doc = readFileSync(join(root, 'docs', 'api.md'), 'utf8');
  for (const [code, definition] of Object.entries(ERROR_CATALOG)) {
    assert.match(
      doc,
      new RegExp(`\\| \`${code}\` \\| \`${definition.type}\` \\| ${definition.status} \\|`),
      code,
    );
  }
  const documented = [...doc.matchAll(/^\| `([A-Z_0-9]+)` \|/gm)].map((m) => m[1]);
  for (const code of documented)
    assert.ok(code !== undefined && code in ERROR_CATALOG, `${code} is not in the catalog`);
});
