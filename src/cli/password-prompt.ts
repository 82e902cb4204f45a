/**
 * Reads a password for `admin create`: typed twice at a terminal with nothing echoed, or the first line of standard
 * input when it is a pipe. Never from argv, where `ps` and the shell history would show it.
 */

import { InvalidInput } from '../domain/errors.ts';

const MAX_INPUT = 4096;

/** The first line of a piped standard input. */
async function firstLine(input: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.includes('\n') || text.length > MAX_INPUT) break;
  }
  return text.split(/\r?\n/, 1)[0] ?? '';
}

/** One line typed at the terminal in raw mode, shown as nothing; Ctrl-C gives up. */
function hiddenLine(input: NodeJS.ReadStream, prompt: string, err: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    err.write(prompt);
    let typed = '';
    input.setRawMode(true);
    input.resume();
    const done = (error: Error | null) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      err.write('\n');
      if (error === null) resolve(typed);
      else reject(error);
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return done(null);
        if (char === '\u0003') return done(new InvalidInput('no password given: stopped at the prompt'));
        if (char === '\u007f' || char === '\b') typed = [...typed].slice(0, -1).join('');
        else typed += char;
      }
    };
    input.on('data', onData);
  });
}

/** The new password: asked twice at a terminal (they must match), else read from standard input. */
export async function readNewPassword(input: NodeJS.ReadStream, err: NodeJS.WritableStream): Promise<string> {
  if (input.isTTY !== true) {
    const line = await firstLine(input);
    if (line.length === 0) throw new InvalidInput('no password on standard input: pipe it in (one line), or run at a terminal to be asked');
    return line;
  }
  const first = await hiddenLine(input, 'Password: ', err);
  const second = await hiddenLine(input, 'Password again: ', err);
  if (first !== second) throw new InvalidInput('the two passwords differ');
  return first;
}
