/**
 * Lines of source code inside a document (interpreter sessions, definitions, statements, signatures),
 * as technical documentation is full of. Read as English they give junk (`len` and `val` as persons,
 * `conn` as a place), and the tagger's time goes mostly to them: a fifth of the Python library
 * reference is such lines. Each pattern needs the shape of code, not just a symbol or a keyword, so
 * prose that mentions `open()` or `x = 1`, and a wrapped line of prose that starts with "return to
 * Warsaw" or "with Albert Einstein:", stays.
 */
const CODE_LINE: readonly RegExp[] = [
  /^\s*(?:>>>|\.\.\.)(?:\s|$)/u, // an interpreter session: `>>> x = 1`, `... continued`
  /^\s*(?:async\s+)?def\s+\w+\s*\(/u, // def name(
  /^\s*class\s+[\w.]+\s*(?:\(.*\))?\s*:?\s*$/u, // class Name(Base): / a signature `class argparse.Namespace`
  /^\s*import\s+[\w.]+(?:\s*,\s*[\w.]+)*(?:\s+as\s+\w+)?\s*$/u,
  /^\s*from\s+[\w.]+\s+import\b/u,
  /^\s*(?:return|raise|yield|await)(?:\s+[\w.]+(?:\(.*\))?)?\s*$/u, // the keyword alone, or with one expression
  /^\s*(?:(?:elif|except)\b.*|try|finally|else):\s*$/u,
  /^\s*(?:if|while|for|with)\b[^:]*[=()[\]._][^:]*:\s*$/u, // a block's header, with a sign of code in it
  /^\s*@[\w.]+/u, // a decorator
  /^\s*[\w.[\]'"]+\s*(?:=|\+=|-=|\*=|==|!=)\s*\S/u, // an assignment or comparison at the start of a line
  /^\s*[\w.]+\([^()]*\)\s*$/u, // a call or signature alone on its line: `aifc.open(file, mode=None)`
];

/** True when `line` has the shape of a line of code. */
export function isCodeLine(line: string): boolean {
  return CODE_LINE.some((r) => r.test(line));
}

/**
 * `text` with its lines of code blanked (a line break each way stays, so the prose around them keeps
 * its sentence boundaries: the tagger ends a sentence at a line break).
 */
export function withoutCode(text: string): string {
  if (!text.includes('\n') && !isCodeLine(text)) return text;
  return text.split('\n').map((line) => (isCodeLine(line) ? '' : line)).join('\n');
}
