/** roff input lines: comments, continuations, request names and their quoted arguments. */

/** The line without its comment (`\"` or `\#` to the end), escapes honoured. */
export function stripComment(s: string): string {
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '\\') continue;
    const n = s[i + 1];
    if (n === '"' || n === '#') return s.slice(0, i);
    i++;
  }
  return s;
}

function endsWithContinuation(s: string): boolean {
  let n = 0;
  for (let i = s.length - 1; i >= 0 && s[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/**
 * Split the source into logical lines: comments removed (a line that was only a comment vanishes
 * instead of becoming a blank line), and a line ending in a lone `\` joined to the next.
 */
export function logicalLines(source: string): string[] {
  const out: string[] = [];
  let pending = '';
  for (const physical of source.split('\n')) {
    const line = stripComment(physical);
    if (line !== physical && line.trim() === '' && pending === '') continue;
    if (endsWithContinuation(line)) {
      pending += line.slice(0, -1);
      continue;
    }
    out.push(pending + line);
    pending = '';
  }
  if (pending !== '') out.push(pending);
  return out;
}

/** A control line (`.XX args` or `'XX args`), or undefined for a text line. */
export interface Request {
  name: string;
  args: string[];
  /** Everything after the name, unparsed (`.ds` values, conditions). */
  rest: string;
}

/** Parse a control line; the name ends at whitespace or at an escape (`.el\{`). */
export function parseRequest(line: string): Request | undefined {
  if (line[0] !== '.' && line[0] !== "'") return undefined;
  const body = line.slice(1).replace(/^[ \t]+/, '');
  const m = /^[^\s\\]*/.exec(body);
  const name = m ? m[0] : '';
  const rest = body.slice(name.length).replace(/^[ \t]+/, '');
  return { name, args: splitArgs(rest), rest };
}

/** Split request arguments: blanks separate, `"quoted args"` keep blanks, `""` inside is a quote. */
export function splitArgs(s: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (i >= s.length) break;
    let arg = '';
    if (s[i] === '"') {
      i++;
      while (i < s.length) {
        if (s[i] === '"') {
          if (s[i + 1] === '"') { arg += '"'; i += 2; continue; }
          i++;
          break;
        }
        arg += s[i++];
      }
    } else {
      while (i < s.length && s[i] !== ' ' && s[i] !== '\t') {
        if (s[i] === '\\' && i + 1 < s.length) { arg += s.slice(i, i + 2); i += 2; continue; }
        arg += s[i++];
      }
    }
    args.push(arg);
  }
  return args;
}
