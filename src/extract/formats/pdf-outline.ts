/**
 * A PDF's outline (bookmarks) as heading paths per page: each page gets the path of the last
 * outline entry that starts on or before it, so a chunk from page 40 knows it is in
 * "5 Add-on packages > 5.1 Which add-on packages exist". PDFs without an outline get no paths.
 */
import { headingText } from '../builder.js';

/** The pdfjs calls this needs (a `PDFDocumentProxy` has them). */
export interface OutlineSource {
  getOutline(): Promise<OutlineItem[] | null>;
  getDestination(id: string): Promise<unknown[] | null>;
  getPageIndex(ref: { num: number; gen: number }): Promise<number>;
}

interface OutlineItem {
  title: string;
  dest: string | unknown[] | null;
  items: OutlineItem[];
}

/** More entries than this are not resolved (each costs a lookup). */
const MAX_ENTRIES = 2000;

async function pageOf(doc: OutlineSource, dest: OutlineItem['dest']): Promise<number | undefined> {
  const explicit = typeof dest === 'string' ? await doc.getDestination(dest) : dest;
  const ref = Array.isArray(explicit) ? explicit[0] : undefined;
  if (typeof ref === 'number' && Number.isInteger(ref)) return ref + 1;
  const r = ref as { num?: unknown; gen?: unknown } | undefined;
  if (r && typeof r.num === 'number' && typeof r.gen === 'number') return (await doc.getPageIndex({ num: r.num, gen: r.gen })) + 1;
  return undefined;
}

/**
 * `paths[n]` is the heading path of page n (1-based), `[]` before the first entry. An outline that
 * cannot be read costs the paths, never the text.
 */
export async function outlinePaths(doc: OutlineSource, pages: number): Promise<string[][]> {
  const paths: string[][] = Array.from({ length: pages + 1 }, () => []);
  try {
    const outline = await doc.getOutline();
    if (!outline) return paths;
    const entries: Array<{ page: number; path: string[]; order: number }> = [];
    const stack: Array<{ item: OutlineItem; parent: string[] }> = outline.map((item) => ({ item, parent: [] as string[] })).reverse();
    while (stack.length > 0 && entries.length < MAX_ENTRIES) {
      const { item, parent } = stack.pop()!;
      const title = headingText(typeof item.title === 'string' ? item.title : '');
      const path = title === '' ? parent : [...parent, title];
      const page = title === '' ? undefined : await pageOf(doc, item.dest).catch(() => undefined);
      if (page !== undefined && page >= 1 && page <= pages) entries.push({ page, path, order: entries.length });
      for (const child of [...(item.items ?? [])].reverse()) stack.push({ item: child, parent: path });
    }
    entries.sort((a, b) => a.page - b.page || a.order - b.order);
    let current: string[] = [];
    let i = 0;
    for (let page = 1; page <= pages; page++) {
      while (i < entries.length && entries[i]!.page <= page) current = entries[i++]!.path;
      paths[page] = current;
    }
  } catch {
    return Array.from({ length: pages + 1 }, () => []);
  }
  return paths;
}
