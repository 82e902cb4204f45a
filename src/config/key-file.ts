/**
 * The record key's file: `SEATKEEPER_KEY_FILE`, else `seatkeeper.key` beside the config file. Created on first use
 * with 32 random bytes and mode 0600; the key signs every plan, approval, run and journal entry, so it lives outside
 * the store and whoever can only write to the database cannot sign a record.
 */

import { closeSync, fstatSync, fsyncSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { InvalidInput } from '../domain/errors.ts';
import { RECORD_KEY_BYTES, RecordKey } from '../domain/record-signature.ts';

/** The environment variable naming the key file. */
export const KEY_FILE_VARIABLE = 'SEATKEEPER_KEY_FILE';

/** The key file's path: SEATKEEPER_KEY_FILE (relative to the working directory), else seatkeeper.key in the config's directory. */
export function keyFilePath(configPath: string, env: NodeJS.ProcessEnv = process.env): string {
  const named = env[KEY_FILE_VARIABLE];
  if (named !== undefined && named.trim() !== '') return resolve(named);
  return join(dirname(resolve(configPath)), 'seatkeeper.key');
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code: unknown = Reflect.get(error, 'code');
  return typeof code === 'string' ? code : undefined;
}

/**
 * Writes a new key where none is. The bytes go to a private temporary file first, which is then hard-linked to the
 * key's name: link, like O_EXCL, fails when the name exists, so of two processes starting at once one creates the
 * key and the other reads it; and the key's name never points at a file that is not fully written yet.
 */
function createKeyFile(path: string): void {
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, randomBytes(RECORD_KEY_BYTES));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, path);
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
}

/**
 * Reads the key, creating the file when it does not exist. Refuses a file others can read or write (the key would be
 * theirs too) and one that is not exactly 32 bytes (a damaged or foreign file: a new key would make every stored
 * record untrusted), saying what to do.
 */
export function loadRecordKey(path: string): RecordKey {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw keyFileError(path, error);
    try {
      createKeyFile(path);
      fd = openSync(path, 'r');
    } catch (created) {
      throw keyFileError(path, created);
    }
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new InvalidInput(`the key file ${path} is not a regular file`, [`point ${KEY_FILE_VARIABLE} at the key file, or remove what is at ${path}`]);
    const mode = stat.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new InvalidInput(`the key file ${path} can be read or written by others (mode ${mode.toString(8).padStart(4, '0')})`, [
        `make it private: chmod 600 ${path}`,
        'anyone who could read it can sign records Seatkeeper would act on: if that may have happened, plan again after replacing it',
      ]);
    }
    const bytes = readFileSync(fd);
    const key = RecordKey.fromBytes(bytes);
    if (key === null) {
      throw new InvalidInput(`the key file ${path} holds ${bytes.length} bytes, not ${RECORD_KEY_BYTES}`, [
        `restore the file from a backup (${KEY_FILE_VARIABLE} names another one)`,
        'only if it is lost for good: remove it, and Seatkeeper makes a new key; every plan, approval and run signed with the old one is then refused, so plan again',
      ]);
    }
    return key;
  } finally {
    closeSync(fd);
  }
}

function keyFileError(path: string, error: unknown): unknown {
  if (error instanceof InvalidInput) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new InvalidInput(`the key file ${path} cannot be read or created`, [reason, `make its directory writable, or set ${KEY_FILE_VARIABLE} to a file Seatkeeper may keep`]);
}
