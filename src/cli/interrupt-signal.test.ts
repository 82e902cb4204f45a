import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withInterrupt } from './interrupt-signal.ts';

class Exited extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

test('the first Ctrl-C aborts the signal and says so; a second exits at once with 130, saying the run is left for resume; handlers go afterwards', async () => {
  const notes: string[] = [];
  const before = process.listenerCount('SIGINT');
  const seen: boolean[] = [];
  await assert.rejects(
    withInterrupt(
      (line) => notes.push(line),
      async ({ signal }) => {
        seen.push(signal.aborted);
        process.emit('SIGINT');
        seen.push(signal.aborted);
        process.emit('SIGINT');
      },
      (code) => {
        throw new Exited(code);
      },
    ),
    (error: unknown) => error instanceof Exited && error.code === 130,
  );
  assert.deepStrictEqual(seen, [false, true]);
  assert.match(notes[0] ?? '', /^Stopping: the users being changed now are finished, no new one is started \(Ctrl-C again to exit at once\)/);
  assert.match(notes[1] ?? '', /^Exiting at once: the run is left as it is for `seatkeeper resume RUN`/);
  assert.equal(process.listenerCount('SIGINT'), before);
});
