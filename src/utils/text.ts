/**
 * Text that goes to a terminal or a TSV line: control characters (ESC, NUL, CR, DEL, C1 …) are
 * shown as escapes (`\x1b`, `\0`, `\r`, `\t`, `\n`) so input data cannot move the cursor, recolour
 * or clear the terminal, or add columns/rows to tab-separated output.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LINES = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;

function escapeChar(c: string): string {
  switch (c) {
    case '\0':
      return '\\0';
    case '\t':
      return '\\t';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    default: {
      const code = c.charCodeAt(0);
      return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
    }
  }
}

/** Escape every control character, tabs and newlines included (one TSV field, one terminal line). */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, escapeChar);
}

/** Escape control characters but keep line breaks (multi-line messages such as errors). */
export function escapeControlKeepLines(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(CONTROL_BUT_LINES, escapeChar);
}
