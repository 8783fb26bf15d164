// Waiting in tests without fixed sleeps: poll a condition until it holds or time runs out.
import assert from 'node:assert/strict';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Resolves once `predicate()` is true; fails the test naming `what` after `timeoutMs`.
export async function until(predicate, what, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (predicate()) return;
    await sleep(20);
  }
  assert.fail(`timed out waiting for ${what}`);
}
