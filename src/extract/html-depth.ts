/**
 * A cheap look at how deep an HTML source nests, before a DOM is built: linkedom's parser slows
 * down more than linearly with nesting (10 000 levels take ~0.2 s, 100 000 take ~30 s), so a page
 * nesting far deeper than any real one is refused up front.
 */
import { extractError } from './fail.js';

/** Deeper than any real page (they nest a few dozen levels). */
export const MAX_HTML_DEPTH = 1000;

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr', 'param', 'keygen']);
/** Elements whose end tag is optional and that browsers close implicitly: not counted as nesting. */
const IMPLIED = new Set(['p', 'li', 'dt', 'dd', 'tr', 'td', 'th', 'option', 'optgroup', 'tbody', 'thead', 'tfoot', 'colgroup', 'caption', 'rb', 'rt', 'rp']);

/** Roughly how deep the tags of `html` nest (an upper bound for well-formed pages). */
export function approximateDepth(html: string): number {
  let depth = 0;
  let max = 0;
  for (const m of html.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    const name = m[2]!.toLowerCase();
    if (VOID.has(name) || IMPLIED.has(name) || m[3] === '/') continue;
    if (m[1] === '/') depth = Math.max(0, depth - 1);
    else if (++depth > max) max = depth;
  }
  return max;
}

/** Refuse (`ERR_EXTRACT_CORRUPT`) markup nesting deeper than `MAX_HTML_DEPTH`. */
export function checkNesting(html: string): void {
  const depth = approximateDepth(html);
  if (depth > MAX_HTML_DEPTH) {
    throw extractError('ERR_EXTRACT_CORRUPT', `the HTML nests elements about ${depth} deep (more than ${MAX_HTML_DEPTH}): malformed or hostile markup is refused`);
  }
}
