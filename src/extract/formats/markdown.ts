import { closeSections, headingText, type SectionStart } from '../builder.js';
import { decodeText } from '../decode.js';
import type { Extracted } from '../types.js';

const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
/** Lines that cannot continue a paragraph into a setext heading (lists, quotes, code, tables' rules). */
const NOT_PARAGRAPH = /^(?: {4}|\t| {0,3}(?:[-*+>]|\d+[.)])(?:[ \t]|$))/;

interface Line {
  start: number;
  text: string;
}

function lines(text: string): Line[] {
  const out: Line[] = [];
  let start = 0;
  for (const t of text.split('\n')) {
    out.push({ start, text: t });
    start += t.length + 1;
  }
  return out;
}

/** YAML front matter (`---` … `---` at the very top): its end line index and its `title:` if any. */
function frontMatter(ls: readonly Line[]): { end: number; title?: string } {
  if (ls[0]?.text !== '---') return { end: 0 };
  for (let i = 1; i < ls.length; i++) {
    const t = ls[i]!.text;
    if (t === '---' || t === '...') {
      const m = ls.slice(1, i).map((l) => /^title:\s*(.+?)\s*$/.exec(l.text)?.[1]).find((x) => x !== undefined);
      const title = m?.replace(/^(['"])(.*)\1$/, '$2');
      return title ? { end: i + 1, title } : { end: i + 1 };
    }
  }
  return { end: 0 };
}

/**
 * Markdown: the text is kept as written; ATX and setext headings start sections whose heading path
 * is the stack of enclosing headings. Anything inside fenced code is not a heading.
 */
export function extractMarkdown(bytes: Uint8Array): Extracted {
  const text = decodeText(bytes, 'Markdown');
  const ls = lines(text);
  const front = frontMatter(ls);
  const starts: SectionStart[] = [];
  const stack: Array<{ level: number; text: string }> = [];
  let firstH1: string | undefined;
  const push = (level: number, heading: string, start: number): void => {
    const clean = headingText(heading);
    if (clean === '') return;
    while (stack.length > 0 && stack[stack.length - 1]!.level >= level) stack.pop();
    stack.push({ level, text: clean });
    if (level === 1) firstH1 ??= clean;
    starts.push({ start, headingPath: stack.map((h) => h.text) });
  };

  let fence: { char: string; len: number } | undefined;
  let paraStart = -1; // index of the first line of the open paragraph, -1 if none
  for (let i = front.end; i < ls.length; i++) {
    const line = ls[i]!;
    const t = line.text;
    if (fence) {
      const m = FENCE.exec(t);
      if (m && m[1]![0] === fence.char && m[1]!.length >= fence.len && m[2]!.trim() === '') fence = undefined;
      continue;
    }
    const f = FENCE.exec(t);
    if (f && !(f[1]![0] === '`' && f[2]!.includes('`'))) {
      fence = { char: f[1]![0]!, len: f[1]!.length };
      paraStart = -1;
      continue;
    }
    const atx = ATX.exec(t);
    if (atx) {
      push(atx[1]!.length, atx[2] ?? '', line.start);
      paraStart = -1;
      continue;
    }
    const setext = SETEXT.exec(t);
    if (setext && paraStart >= 0) {
      const heading = ls.slice(paraStart, i).map((l) => l.text).join(' ');
      push(setext[1]![0] === '=' ? 1 : 2, heading, ls[paraStart]!.start);
      paraStart = -1;
      continue;
    }
    if (t.trim() === '' || NOT_PARAGRAPH.test(t)) paraStart = -1;
    else if (paraStart < 0) paraStart = i;
  }
  const title = front.title ?? firstH1;
  const out: Extracted = { text, format: 'markdown', sections: closeSections(starts, text.length) };
  if (title) out.title = title;
  return out;
}
