/**
 * Who may do what through the API: three roles in rising order, and the scope of an API token, which caps the role of
 * its owner (a `read` token of an admin acts as a viewer). Pure: the server asks `allows`, the store keeps the words.
 */

/** The roles of admin accounts, lowest first. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;

/** viewer: read and export; operator: plan, approve within limits, apply, undo; admin: accounts, tokens, connections. */
export type Role = (typeof ROLES)[number];

/** The scopes of API tokens, lowest first. */
export const TOKEN_SCOPES = ['read', 'operate', 'admin'] as const;

/** What a token may do at most, whatever its owner's role. */
export type TokenScope = (typeof TOKEN_SCOPES)[number];

const SCOPE_CAP: Readonly<Record<TokenScope, Role>> = { read: 'viewer', operate: 'operator', admin: 'admin' };

/** True when `held` is `needed` or above it. */
export function allows(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

/** The role a token acts with: the lower of its owner's role and its scope's cap. */
export function tokenRole(owner: Role, scope: TokenScope): Role {
  const cap = SCOPE_CAP[scope];
  return allows(owner, cap) ? cap : owner;
}

/** The word as a role, or null. */
export function parseRole(word: string): Role | null {
  return ROLES.find((role) => role === word) ?? null;
}

/** The word as a token scope, or null. */
export function parseTokenScope(word: string): TokenScope | null {
  return TOKEN_SCOPES.find((scope) => scope === word) ?? null;
}
