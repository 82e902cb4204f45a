/** Use cases: admin accounts of the API — created with an argon2id password hash, disabled at once everywhere. */

import { hash, verify } from '@node-rs/argon2';
import type { Store } from './store-port.ts';
import type { Clock } from './clock.ts';
import type { AdminAccount } from './store/admin-account-repository-port.ts';
import type { Role } from '../domain/access-role.ts';
import { InvalidInput, NotFound } from '../domain/errors.ts';

/** Shortest password accepted (ASVS 5.0 6.2.1 asks for at least 8; 15 is recommended where it is the only factor). */
export const MIN_PASSWORD_LENGTH = 12;
/** Longest password accepted: long passphrases pass (ASVS 6.2.9 asks for at least 64), a megabyte does not reach argon2. */
export const MAX_PASSWORD_LENGTH = 1024;

// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane (the library's defaults, written out so they do not drift).
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** A name an account may have: visible characters, no separators that would read ambiguously in the audit log. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** The argon2id hash of a password (PHC string, salt inside). */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

/** Whether `password` matches the PHC hash; a malformed hash matches nothing. */
export async function passwordMatches(passwordHash: string, password: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

function checkPassword(password: string): void {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) throw new InvalidInput(`the password has ${length} characters; at least ${MIN_PASSWORD_LENGTH} are needed`);
  if (password.length > MAX_PASSWORD_LENGTH) throw new InvalidInput(`the password is longer than ${MAX_PASSWORD_LENGTH} characters`);
}

/** Creates an admin account; InvalidInput for a bad name or password, Conflict when the name is taken. */
export async function createAdmin(deps: { store: Pick<Store, 'admins'>; clock: Clock }, input: { name: string; role: Role; password: string }): Promise<AdminAccount> {
  if (!NAME.test(input.name)) {
    throw new InvalidInput(`${JSON.stringify(input.name)} cannot name an admin account`, ['1 to 64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit']);
  }
  checkPassword(input.password);
  return deps.store.admins.create({ name: input.name, passwordHash: await hashPassword(input.password), role: input.role, at: deps.clock.now() });
}

/** Disables an admin account: its sessions end and its tokens expire in the same transaction. NotFound when there is none. */
export async function disableAdmin(deps: { store: Pick<Store, 'admins'>; clock: Clock }, name: string): Promise<void> {
  if (!(await deps.store.admins.disable(name, deps.clock.now()))) throw new NotFound(`no admin account named ${JSON.stringify(name)}`);
}
