/**
 * The roff machinery a man page relies on, independent of its macro package: `.ds` strings are kept
 * for `\*`, `.if`/`.ie`/`.el` (with `\{ … \}` blocks) are followed as nroff would, `.ig` blocks are
 * skipped, and macros the page defines itself (`.de`) are expanded with their arguments, within
 * limits. Every other line goes to the macro package (`MacroHandler`).
 */
import { evalCondition } from './condition.js';
import { logicalLines, parseRequest, type Request } from './lines.js';

/** A macro package: what to do with a request or a text line. */
export interface MacroHandler {
  /** True for requests the package implements (they win over a page's own definitions). */
  handles(name: string): boolean;
  request(req: Request): void;
  /** A text line (escapes not yet decoded); '' is a blank line. */
  text(line: string): void;
}

const DEFINE = new Set(['de', 'de1', 'dei', 'am', 'am1', 'ami', 'ami1']);
/** Nesting of page-defined macros, and lines they may produce in all: past these they stop expanding. */
const MAX_MACRO_DEPTH = 16;
const MAX_EXPANDED_LINES = 200_000;
/**
 * Conditions nested on one line (`.if n .if t .if …`): real pages nest two or three. Each level
 * re-reads the rest of the line, so without a bound a long line of them is quadratic (found by
 * test/fuzz: 7 000 `.if n \{` on one 78 kB line took 15 s); deeper levels are dropped with their text.
 */
const MAX_CONDITION_DEPTH = 32;

function count(s: string, needle: string): number {
  let n = 0;
  for (let i = s.indexOf(needle); i !== -1; i = s.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** Does `line` end a `.de`/`.ig` block whose end macro is `end` ('.' for the usual `..`)? */
function isEnd(line: string, end: string): boolean {
  const req = parseRequest(line);
  if (!req) return false;
  return end === '.' ? req.name === '.' || (req.name === '' && req.rest.trim() === '.') : req.name === end;
}

/** Substitute a macro's arguments into one line of its body (roff copy mode: `\\` is `\`). */
function substitute(line: string, args: readonly string[]): string {
  return line
    .replace(/\\\\?\$(\d|\*|@|#|\(\d\d|\[\d+\])/g, (_, ref: string) => {
      if (ref === '*' || ref === '@') return args.join(' ');
      if (ref === '#') return String(args.length);
      return args[Number(ref.replace(/[[\]()]/g, '')) - 1] ?? '';
    })
    .replace(/\\\\/g, '\\');
}

/** Reads roff source line by line into a `MacroHandler`. */
export class RoffReader {
  /** Strings defined with `.ds`, by name. */
  readonly strings = new Map<string, string>();
  readonly #macros = new Map<string, string[]>();
  #block: { end: string; lines?: string[]; name?: string; append?: boolean } | undefined; // .de or .ig being read
  #falseDepth = 0; // open \{ of a false condition
  #ieStack: boolean[] = [];
  #depth = 0;
  #expanded = 0;
  #conditionDepth = 0;

  constructor(private readonly handler: MacroHandler) {}

  /** Read a whole source. */
  run(source: string): void {
    for (const line of logicalLines(source)) this.#physical(line);
  }

  #physical(line: string): void {
    if (this.#block) {
      if (isEnd(line, this.#block.end)) this.#endBlock();
      else this.#block.lines?.push(line);
      return;
    }
    if (this.#falseDepth > 0) {
      this.#falseDepth += count(line, '\\{') - count(line, '\\}');
      return;
    }
    this.#line(line);
  }

  #endBlock(): void {
    const b = this.#block!;
    this.#block = undefined;
    if (b.name === undefined || !b.lines) return;
    this.#macros.set(b.name, b.append ? [...(this.#macros.get(b.name) ?? []), ...b.lines] : b.lines);
  }

  #line(raw: string): void {
    const line = raw.replace(/\\\}/g, '');
    const req = parseRequest(line);
    if (!req) {
      if (line === raw || line.trim() !== '') this.handler.text(line);
      return;
    }
    const { name, args } = req;
    if (name === '') return;
    if (DEFINE.has(name)) {
      this.#block = { end: args[1] ?? '.', lines: [], name: args[0] ?? '', append: name.startsWith('am') };
    } else if (name === 'ig') this.#block = { end: args[0] ?? '.' };
    else if (name === 'ds' || name === 'ds1' || name === 'as') this.#defineString(name, req.rest);
    else if (name === 'als' && args[0] && args[1]) {
      const body = this.#macros.get(args[1]);
      if (body) this.#macros.set(args[0], body);
    } else if (name === 'rm') for (const a of args) this.#macros.delete(a);
    else if (name === 'if' || name === 'ie') {
      const { value, rest } = evalCondition(req.rest, this.strings);
      if (name === 'ie') this.#ieStack.push(value);
      this.#branch(value, rest);
    } else if (name === 'el') this.#branch(!(this.#ieStack.pop() ?? true), req.rest);
    else if (!this.handler.handles(name) && this.#macros.has(name)) this.#expand(this.#macros.get(name)!, args);
    else this.handler.request(req);
  }

  #expand(body: readonly string[], args: readonly string[]): void {
    if (this.#depth >= MAX_MACRO_DEPTH || this.#expanded + body.length > MAX_EXPANDED_LINES) return;
    this.#depth++;
    this.#expanded += body.length;
    try {
      for (const line of body) this.#physical(substitute(line, args));
    } finally {
      this.#depth--;
    }
  }

  /** Run (or skip) the body of a condition, which may open a `\{` block. */
  #branch(value: boolean, body: string): void {
    const opens = body.startsWith('\\{');
    const rest = (opens ? body.slice(2) : body).replace(/^[ \t]+/, '');
    if (value) {
      if (rest.trim() === '' || this.#conditionDepth >= MAX_CONDITION_DEPTH) return;
      this.#conditionDepth++;
      try {
        this.#line(rest);
      } finally {
        this.#conditionDepth--;
      }
    } else if (opens) {
      this.#falseDepth = Math.max(0, 1 + count(rest, '\\{') - count(rest, '\\}'));
    }
  }

  #defineString(name: string, rest: string): void {
    const m = /^(\S+)[ \t]*(.*)$/.exec(rest);
    if (!m) return;
    const value = m[2]!.startsWith('"') ? m[2]!.slice(1) : m[2]!;
    this.strings.set(m[1]!, name === 'as' ? (this.strings.get(m[1]!) ?? '') + value : value);
  }
}
