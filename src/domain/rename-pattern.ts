/** Username patterns such as `{username}_inactive_{yyyyMMdd}`: their tokens, their result, and Confluence's username rules. */

const TOKEN = /\{([A-Za-z]+)\}/g;

/** The tokens a pattern may use; dates are the plan's day in UTC. */
export const RENAME_TOKENS = ['username', 'yyyy', 'MM', 'dd', 'yyyyMMdd'] as const;

/** What is wrong with a pattern: unknown tokens, or no `{username}` (every renamed user would collide). */
export function renamePatternProblems(pattern: string): string[] {
  const problems: string[] = [];
  const known: readonly string[] = RENAME_TOKENS;
  for (const [, token] of pattern.matchAll(TOKEN)) {
    if (token !== undefined && !known.includes(token)) problems.push(`unknown token {${token}}; use ${RENAME_TOKENS.map((t) => `{${t}}`).join(', ')}`);
  }
  if (!pattern.includes('{username}')) problems.push('the pattern must contain {username}, or every renamed user would get the same name');
  return problems;
}

/** The username the pattern gives for `username` on `day`. */
export function renderRename(pattern: string, username: string, day: Date): string {
  const yyyy = String(day.getUTCFullYear()).padStart(4, '0');
  const MM = String(day.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(day.getUTCDate()).padStart(2, '0');
  const values: Record<string, string> = { username, yyyy, MM, dd, yyyyMMdd: `${yyyy}${MM}${dd}` };
  return pattern.replace(TOKEN, (whole, token: string) => values[token] ?? whole);
}

const FORBIDDEN = /[\s\\,+<>'"]/;

/**
 * Confluence's rules for a username (admin user creation in the 10.0.3 REST spec): lower case, no whitespace, none
 * of \ , + < > ' ".
 */
export function usernameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name === '') problems.push('it is empty');
  if (name !== name.toLowerCase()) problems.push('it has upper-case letters');
  if (FORBIDDEN.test(name)) problems.push('it has whitespace or one of \\ , + < > \' "');
  return problems;
}
