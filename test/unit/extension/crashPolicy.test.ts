// Restart with backoff after a crash; after 5 crashes within 3 minutes, stop (issue 4).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CrashPolicy, defaultCrashPolicy } from '../../../extension/backend/crashPolicy';

test('restarts with growing delays, gives up at the 5th crash within 3 minutes', () => {
  const p = new CrashPolicy();
  const t0 = 1_000_000;
  assert.deepEqual(p.recordCrash(t0), { restart: true, delayMs: 200 });
  assert.deepEqual(p.recordCrash(t0 + 1_000), { restart: true, delayMs: 1_000 });
  assert.deepEqual(p.recordCrash(t0 + 2_000), { restart: true, delayMs: 3_000 });
  assert.deepEqual(p.recordCrash(t0 + 3_000), { restart: true, delayMs: 10_000 });
  assert.deepEqual(p.recordCrash(t0 + 4_000), { restart: false, crashes: 5 });
});

test('crashes older than the window are forgotten', () => {
  const p = new CrashPolicy();
  for (let i = 0; i < 4; i++) p.recordCrash(i * 1_000);
  const later = 3 * 1_000 + defaultCrashPolicy.windowMs + 1;
  assert.deepEqual(p.recordCrash(later), { restart: true, delayMs: 200 });
});

test('an explicit restart starts counting afresh', () => {
  const p = new CrashPolicy();
  for (let i = 0; i < 4; i++) p.recordCrash(i);
  p.reset();
  assert.deepEqual(p.recordCrash(10), { restart: true, delayMs: 200 });
});
