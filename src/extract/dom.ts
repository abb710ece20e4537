import { parseHTML } from 'linkedom';
import type { DomNode } from './html-blocks.js';

/** The little of a DOM document extraction needs (a linkedom document satisfies it). */
export interface DomDocument extends DomNode {
  readonly title: string;
  readonly body: DomNode | null;
  querySelector(selector: string): DomNode | null;
}

/** Parse HTML with linkedom (no DOM types in this project's lib, hence the narrow interface). */
export function parseDocument(html: string): DomDocument {
  return (parseHTML(html) as unknown as { document: DomDocument }).document;
}
