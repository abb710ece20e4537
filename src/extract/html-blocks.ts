/**
 * Walk a DOM subtree into blocks: block elements become paragraphs, h1–h6 become headings (and
 * sections), <pre> keeps its lines, and scripts, styles, form controls and navigation never leak
 * into the text.
 * The walk is iterative, so absurdly nested markup cannot overflow the stack.
 */
import type { DocBuilder } from './builder.js';

/** The little of the DOM this walk needs (linkedom nodes satisfy it). */
export interface DomNode {
  readonly nodeType: number;
  readonly childNodes: ArrayLike<DomNode>;
  readonly textContent: string | null;
  readonly localName?: string;
  getAttribute?(name: string): string | null;
}

const TEXT_NODE = 3;
const ELEMENT_NODE = 1;
const DOCUMENT_NODE = 9;
const FRAGMENT_NODE = 11;

const SKIP = new Set([
  'script', 'style', 'noscript', 'template', 'svg', 'iframe', 'object', 'embed', 'canvas', 'head', 'title', 'meta',
  'link', 'button', 'select', 'option', 'input', 'textarea', 'audio', 'video', 'map',
]);
/** Navigation is never content. */
const NAV = new Set(['nav']);
const NAV_ROLES = new Set(['navigation', 'search', 'menu', 'menubar']);
/** Page furniture also skipped when there is no trustworthy Readability article. */
const CHROME = new Set(['header', 'footer', 'aside', 'form']);
const CHROME_ROLES = new Set(['banner', 'contentinfo', 'complementary']);
const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'center', 'dd', 'details', 'dialog', 'dir', 'div', 'dl', 'dt',
  'fieldset', 'figcaption', 'figure', 'footer', 'form', 'header', 'hgroup', 'hr', 'html', 'li', 'main', 'menu', 'nav',
  'ol', 'p', 'section', 'summary', 'table', 'tbody', 'thead', 'tfoot', 'tr', 'ul', 'caption', 'legend',
]);
const HEADING = /^h([1-6])$/;

type Mode = { kind: 'flow' } | { kind: 'heading'; level: number } | { kind: 'pre' };
/** Exit markers are only pushed in flow mode, so leaving an element always returns to flow. */
type Step = { node: DomNode; exit: boolean };

/** Options of the walk. */
export interface WalkOptions {
  /** Also skip header, footer, aside, form and ARIA banner/contentinfo/complementary landmarks. */
  skipChrome?: boolean;
}

/** Append the blocks of `root` to `b`. */
export function walkBlocks(root: DomNode, b: DocBuilder, opts: WalkOptions = {}): void {
  let buf = '';
  let mode: Mode = { kind: 'flow' };
  const flush = (): void => {
    const text = buf.split('\n').map((l) => l.replace(/ {2,}/g, ' ').trim()).join('\n');
    buf = '';
    b.block(text);
  };
  const skipped = (name: string, el: DomNode): boolean => {
    if (SKIP.has(name) || NAV.has(name)) return true;
    const role = el.getAttribute?.('role') ?? '';
    if (NAV_ROLES.has(role)) return true;
    if (opts.skipChrome === true && (CHROME.has(name) || CHROME_ROLES.has(role))) return true;
    const cls = el.getAttribute?.('class');
    return cls !== null && cls !== undefined && /\bheaderlink\b/.test(cls);
  };

  const stack: Step[] = [{ node: root, exit: false }];
  while (stack.length > 0) {
    const step = stack.pop()!;
    const node = step.node;
    if (step.exit) {
      if (mode.kind === 'heading') b.heading(mode.level, buf.replace(/¶/g, ''));
      else if (mode.kind === 'pre') b.block(buf.replace(/\r\n?/g, '\n'));
      else flush();
      buf = '';
      mode = { kind: 'flow' };
      continue;
    }
    if (node.nodeType === TEXT_NODE) {
      const data = node.textContent ?? '';
      buf += mode.kind === 'pre' ? data : data.replace(/\s+/g, ' ');
      continue;
    }
    if (node.nodeType !== ELEMENT_NODE && node.nodeType !== DOCUMENT_NODE && node.nodeType !== FRAGMENT_NODE) continue;
    const name = (node.localName ?? '').toLowerCase();
    if (node.nodeType === ELEMENT_NODE) {
      if (skipped(name, node)) continue;
      if (name === 'br') { buf += '\n'; continue; }
      if (name === 'td' || name === 'th') buf += ' ';
      const heading = HEADING.exec(name);
      if (mode.kind === 'flow' && (heading || name === 'pre' || BLOCK.has(name))) {
        flush();
        stack.push({ node, exit: true });
        if (heading) mode = { kind: 'heading', level: Number(heading[1]) };
        else if (name === 'pre') mode = { kind: 'pre' };
      }
    }
    const kids = node.childNodes;
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ node: kids[i]!, exit: false });
  }
  if (mode.kind === 'flow') flush();
}
