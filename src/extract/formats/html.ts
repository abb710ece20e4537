import { Readability } from '@mozilla/readability';
import { DocBuilder } from '../builder.js';
import { decodeText } from '../decode.js';
import { parseDocument as parse, type DomDocument } from '../dom.js';
import { walkBlocks, type DomNode } from '../html-blocks.js';
import { checkNesting } from '../html-depth.js';
import type { Extracted, ExtractOptions, Section } from '../types.js';

/**
 * Readability slows down steeply with nesting (400 nested divs take ~0.7 s, 2000 take minutes);
 * real pages nest a few dozen deep, so deeper markup skips it and uses the plain walk.
 */
const MAX_READABILITY_DEPTH = 256;

/** True when elements nest deeper than `limit` (iterative, stops as soon as it knows). */
function nestsDeeperThan(root: DomNode, limit: number): boolean {
  const stack: Array<[DomNode, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > limit) return true;
    const kids = node.childNodes;
    for (let i = 0; i < kids.length; i++) if (kids[i]!.nodeType === 1) stack.push([kids[i]!, depth + 1]);
  }
  return false;
}

/** Readability's article element, or undefined when it found none (or failed on odd markup). */
function article(doc: DomDocument): { root: DomNode; title?: string } | undefined {
  if (nestsDeeperThan(doc, MAX_READABILITY_DEPTH)) return undefined;
  try {
    const found = new Readability(doc as never, { serializer: (n: unknown) => n as DomNode, classesToPreserve: ['headerlink'] }).parse();
    const root = found?.content ?? undefined;
    if (!root || (root.textContent ?? '').trim() === '') return undefined;
    const title = found?.title?.trim();
    return title ? { root, title } : { root };
  } catch {
    return undefined;
  }
}

/** Below this many characters Readability's pick is doubted (its own `charThreshold`). */
const MIN_ARTICLE_CHARS = 500;

function walked(root: DomNode, o: ExtractOptions, skipChrome: boolean): { text: string; sections: Section[] } {
  const b = new DocBuilder(o.maxChars);
  walkBlocks(root, b, { skipChrome });
  return b.build();
}

/**
 * The page's content: Readability's article; but when that is missing or short (a page that is
 * mostly a list of links fools it into picking the footer), the page's own <main> (or
 * role="main") when it holds more, else the <body>, both without navigation, header and footer.
 */
function content(html: string, o: ExtractOptions): { text: string; sections: Section[]; title?: string } {
  const doc = parse(html);
  const docTitle = doc.title?.trim();
  const found = article(doc);
  const fromArticle = found ? walked(found.root, o, false) : undefined;
  const title = found?.title || docTitle || undefined;
  const withTitle = <T extends object>(r: T): T & { title?: string } => (title ? { ...r, title } : r);
  if (fromArticle && fromArticle.text.length >= MIN_ARTICLE_CHARS) return withTitle(fromArticle);
  const short = found ? walked(found.root, o, true) : undefined; // a doubtful article: without page furniture
  const fresh = parse(html); // Readability changed the first tree while it looked
  const main = fresh.querySelector('main') ?? fresh.querySelector('[role="main"]');
  if (main) {
    const fromMain = walked(main, o, true);
    return withTitle(short && short.text.length >= fromMain.text.length ? short : fromMain);
  }
  return withTitle(short && short.text.trim() !== '' ? short : walked(fresh.querySelector('body') ?? fresh, o, true));
}

/** HTML: main content as paragraphs, h1–h6 as sections; title from Readability or <title>. */
export function extractHtml(bytes: Uint8Array, o: ExtractOptions): Extracted {
  const html = decodeText(bytes, 'HTML');
  checkNesting(html);
  const { text, sections, title } = content(html, o);
  const out: Extracted = { text, format: 'html', sections };
  if (title) out.title = title;
  return out;
}
