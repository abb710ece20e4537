/**
 * The one normalisation of entity names, shared by the extractor (which merges mentions with it) and
 * the store (which looks names up with it), so that "Marie Curie", "MARIE  CURIE" and "Marie Curie's"
 * are the same entity and a path query by name finds what extraction stored.
 */

const COMBINING_MARKS = /\p{M}+/gu;
const EDGE_PUNCTUATION = /^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu;
const POSSESSIVE = /['’]s?$/u;

/**
 * Lower case, accents removed (`Irène` = `Irene`), typographic apostrophes made plain, whitespace
 * collapsed, a leading `the ` and a trailing possessive (`'s`) dropped, punctuation at the ends
 * trimmed. Returns '' for a name with no letters or digits.
 */
export function normalizeName(name: string): string {
  let s = name.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase().replace(/\s+/gu, ' ').trim();
  s = s.replace(POSSESSIVE, '').replace(EDGE_PUNCTUATION, '');
  if (s.startsWith('the ')) s = s.slice(4);
  return s.replace(EDGE_PUNCTUATION, '');
}

/** A map key for one entity: its type and normalised name. */
export function entityKey(type: string, normName: string): string {
  return `${type}\u0000${normName}`;
}
