/**
 * Escaping of text a person reads on a terminal. Names, pages and error messages from Confluence, a directory or the
 * store can carry ANSI sequences, carriage returns or bidi controls that would hide or rewrite the lines around them
 * (a plan row an approver reads, say); every such character is shown as a visible `\uXXXX` instead.
 */

// C0 and C1 controls, DEL, and the invisible format characters that reorder or hide text in a terminal: the Arabic
// letter mark, zero-width and directional marks, line/paragraph separators, embeddings, overrides, isolates, BOM.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
// The same set less '\t' (harmless: it can only move text right) and, for multi-line text, '\n'.
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_LINE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
// What JSON.stringify leaves as it is: it already escapes every C0 character inside strings, so any C0 left in its
// output is the layout's own newline.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

function escaped(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Text from outside with every control and bidi character (newlines and tabs too) shown as `\uXXXX`. */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, escaped);
}

/** One line for the terminal: like escapeControl, but a tab stays a tab. A newline inside it is escaped: a name cannot add a line. */
export function escapeLine(line: string): string {
  return line.replace(UNSAFE_IN_LINE, escaped);
}

/** Several lines for the terminal: newlines and tabs stay, every other control and bidi character is escaped. */
export function escapeText(text: string): string {
  return text.replace(UNSAFE_IN_TEXT, escaped);
}

/**
 * JSON text (from JSON.stringify) with DEL, C1 and bidi characters written as JSON escapes: the parsed value is the
 * same, but a terminal showing the text is not steered by it.
 */
export function escapeJsonText(json: string): string {
  return json.replace(UNSAFE_IN_JSON, escaped);
}
