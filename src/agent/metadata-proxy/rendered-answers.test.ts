import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProxyAnswer } from './backends.js';
import { RenderedAnswers } from './rendered-answers.js';

function counting(body: string) {
  let renders = 0;
  const render = (): ProxyAnswer => {
    renders++;
    return { status: 200, contentType: 'text/plain', body };
  };
  return { render, renders: () => renders };
}

test('one render per revision and path; the body is kept as bytes', () => {
  const answers = new RenderedAnswers();
  const revision = {};
  const id = counting('i-0000000a');
  const first = answers.answer(revision, '/latest/meta-data/instance-id', id.render);
  const again = answers.answer(revision, '/latest/meta-data/instance-id', id.render);
  assert.equal(id.renders(), 1);
  assert.equal(again, first);
  assert.ok(first.body instanceof Uint8Array);
  assert.equal(Buffer.from(first.body).toString(), 'i-0000000a');
  answers.answer(revision, '/latest/meta-data/hostname', counting('vm1').render);
  assert.equal(answers.answer(revision, '/latest/meta-data/hostname', id.render).body.toString(), 'vm1');
});

test('a new revision (the lookup asked the server again) renders again', () => {
  const answers = new RenderedAnswers();
  const before = answers.answer({}, '/latest/user-data', counting('old').render);
  const after = answers.answer({}, '/latest/user-data', counting('new').render);
  assert.equal(Buffer.from(before.body).toString(), 'old');
  assert.equal(Buffer.from(after.body).toString(), 'new');
});

test('past maxPaths per revision answers are rendered every time, not kept', () => {
  const answers = new RenderedAnswers(2);
  const revision = {};
  answers.answer(revision, '/a', counting('a').render);
  answers.answer(revision, '/b', counting('b').render);
  const c = counting('c');
  answers.answer(revision, '/c', c.render);
  answers.answer(revision, '/c', c.render);
  assert.equal(c.renders(), 2);
});
