import nlp from 'compromise';

/** One word as the tagger saw it. */
export interface Token {
  /** The word as written, without surrounding punctuation. */
  text: string;
  /** Lower-cased form. */
  normal: string;
  /** Lemma (infinitive of a verb, singular of a noun) where the tagger knows one. */
  root: string | undefined;
  /** What follows the word up to the next one (spaces, punctuation). */
  post: string;
  tags: ReadonlySet<string>;
}

/** A sentence: its words in order. */
export type Sentence = readonly Token[];

interface CompromiseTerm {
  text: string;
  normal: string;
  post: string;
  root?: string;
  tags?: Set<string>;
}

const NO_TAGS: ReadonlySet<string> = new Set();

/** compromise's lexicon: word → tag(s). */
const LEXICON = (nlp.model() as { one: { lexicon: Record<string, string | string[] | undefined> } }).one.lexicon;

/**
 * compromise tags any acronym it does not know as an organisation (`API`, `HTTP`, `REPL`), which in
 * technical text is most of them. Only the ones its lexicon knows as organisations (`NASA`, `IBM`),
 * and those inside a longer organisation's name (`ACME Corp`: dropping it would leave `Corp`), keep
 * that tag; the others are plain nouns, so a recurring one can still be a term.
 */
function tagsOf(terms: readonly CompromiseTerm[], i: number): ReadonlySet<string> {
  const t = terms[i]!;
  const tags = t.tags ?? NO_TAGS;
  if (!tags.has('Acronym') || !tags.has('Organization')) return tags;
  const known = LEXICON[t.normal || t.text.toLowerCase()];
  if (known === 'Organization' || (Array.isArray(known) && known.includes('Organization'))) return tags;
  if ([terms[i - 1], terms[i + 1]].some((n) => n?.tags?.has('Organization') && !n.tags.has('Acronym'))) return tags;
  const plain = new Set(tags);
  plain.delete('Organization');
  return plain;
}

/**
 * Tag `text` with compromise and return its sentences. compromise is deterministic: the same text
 * always gives the same tags. Empty words (punctuation-only tokens) are dropped.
 */
export function tokenize(text: string): Sentence[] {
  const doc = nlp(text);
  doc.compute('root');
  const sentences: Sentence[] = [];
  for (const terms of doc.docs as unknown as CompromiseTerm[][]) {
    const sentence: Token[] = [];
    terms.forEach((t, i) => {
      if (t.text === '') return;
      sentence.push({ text: t.text, normal: t.normal || t.text.toLowerCase(), root: t.root || undefined, post: t.post ?? '', tags: tagsOf(terms, i) });
    });
    if (sentence.length > 0) sentences.push(sentence);
  }
  return sentences;
}

/** True when the punctuation after `t` ends a phrase (a comma, semicolon, colon, bracket or quote). */
export function breaksAfter(t: Token): boolean {
  return /[,;:()[\]{}"“”/!?]/u.test(t.post);
}

/** A word of letters and digits (inner `.`, `_`, `-`, `'` allowed): not a symbol, markup or code fragment. */
export function isWordlike(t: Token): boolean {
  return /^[\p{L}\p{N}](?:[\p{L}\p{N}'’._-]*[\p{L}\p{N}])?(?:['’]s?)?$/u.test(t.text);
}

/** A word of letters only (and inner hyphens or apostrophes), as predicates are made of. */
export function isPlainWord(t: Token): boolean {
  return /^\p{L}(?:[\p{L}'’-]*\p{L})?$/u.test(t.text);
}

/** The word with a possessive ending (`Curie's`, `Jones'`) removed. */
export function withoutPossessive(t: Token): string {
  return t.tags.has('Possessive') ? t.text.replace(/['’]s?$/u, '') : t.text;
}
