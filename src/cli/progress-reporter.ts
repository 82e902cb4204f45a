/** Progress for long commands: a redrawn bar on a terminal, a few plain lines otherwise (logs, CI, pipes). */

export interface ProgressReporter {
  update(label: string, done: number, total: number | null): void;
  finish(): void;
}

const WIDTH = 28;

/** Picks the bar or plain lines from whether the stream is a TTY. */
export function createProgressReporter(stream: NodeJS.WriteStream, enabled: boolean): ProgressReporter {
  if (!enabled) return { update: () => undefined, finish: () => undefined };
  if (stream.isTTY) {
    let active = false;
    return {
      update(label, done, total) {
        const ratio = total ? Math.min(1, done / total) : 0;
        const bar = total ? `[${'#'.repeat(Math.round(ratio * WIDTH)).padEnd(WIDTH, '.')}] ` : '';
        const count = total ? `${done}/${total}` : `${done}`;
        stream.write(`\r\x1b[2K${label.padEnd(12)} ${bar}${count}`);
        active = true;
      },
      finish() {
        if (active) stream.write('\n');
        active = false;
      },
    };
  }
  let lastLabel = '';
  let lastAt = 0;
  return {
    update(label, done, total) {
      const now = Date.now();
      const complete = total !== null && done >= total;
      // Plain output: one line when a phase starts or ends, and at most one every 5 s in between.
      if (label !== lastLabel || complete || now - lastAt >= 5000) {
        stream.write(`${label}: ${done}${total !== null ? `/${total}` : ''}\n`);
        lastLabel = label;
        lastAt = now;
      }
    },
    finish: () => undefined,
  };
}
