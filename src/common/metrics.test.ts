import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter, Histogram, histogramFamily, labelText, scalarFamily } from './metrics.js';

test('labels are escaped as the exposition format wants', () => {
  assert.equal(labelText({}), '');
  assert.equal(labelText({ a: 'x', b: 'q"\\\n' }), '{a="x",b="q\\"\\\\\\n"}');
});

test('counter and gauge families: HELP, TYPE, one line per series', () => {
  const counter = new Counter('c_total', 'things');
  counter.inc({ kind: 'a' });
  counter.inc({ kind: 'a' }, 2);
  assert.deepEqual(counter.render(), [
    '# HELP c_total things',
    '# TYPE c_total counter',
    'c_total{kind="a"} 3',
  ]);
  assert.deepEqual(scalarFamily('gauge', 'g', 'level', [['', 7]]), [
    '# HELP g level',
    '# TYPE g gauge',
    'g 7',
  ]);
});

test('histograms: cumulative buckets with le, +Inf, sum and count', () => {
  const histogram = new Histogram('h_seconds', 'latency', [0.1, 1]);
  histogram.observe({ r: 'x' }, 0.05);
  histogram.observe({ r: 'x' }, 0.5);
  histogram.observe({ r: 'x' }, 5);
  assert.deepEqual(histogram.render(), [
    '# HELP h_seconds latency',
    '# TYPE h_seconds histogram',
    'h_seconds_bucket{r="x",le="0.1"} 1',
    'h_seconds_bucket{r="x",le="1"} 2',
    'h_seconds_bucket{r="x",le="+Inf"} 3',
    'h_seconds_sum{r="x"} 5.55',
    'h_seconds_count{r="x"} 3',
  ]);
  assert.deepEqual(
    histogramFamily('u', 'unlabelled', [{ labels: '', buckets: [[1, 0]], sum: 0, count: 0 }]),
    [
      '# HELP u unlabelled',
      '# TYPE u histogram',
      'u_bucket{le="1"} 0',
      'u_bucket{le="+Inf"} 0',
      'u_sum 0',
      'u_count 0',
    ],
  );
});
