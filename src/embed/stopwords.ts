import { textFeatures } from './hash-features.js';

/**
 * English function words. In a lexical embedding they match everywhere and say little, so the hash
 * embedder gives them (and pairs made only of them, like "of the") a small weight instead of a full
 * one: a query's rare words then decide what it finds, as IDF would, without corpus statistics.
 */
const WORDS = `a about above after again against all am an and any are as at be because been before being below between both but by
can could did do does doing down during each few for from further had has have having he her here hers herself him himself his how
i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ourselves out over own
same she should so some such than that the their theirs them themselves then there these they this those through to too under until
up very was we were what when where which while who whom why will with would you your yours yourself yourselves also may must shall
via per its it's using used use see e g i.e etc`.split(/\s+/).filter(Boolean);

/** Weight of a stop feature relative to a content feature. */
export const STOP_WEIGHT = 0.15;

function build(): Set<number> {
  const set = new Set<number>();
  const unigrams: number[] = [];
  for (const w of WORDS) {
    const f = textFeatures(w);
    if (f.length === 1) {
      set.add(f[0] as number);
      unigrams.push(f[0] as number);
    }
  }
  // Pairs of function words ("of the", "in a"): their bigram features, computed the same way.
  for (const a of WORDS) for (const b of WORDS) {
    const f = textFeatures(`${a} ${b}`);
    if (f.length === 3) set.add(f[2] as number);
  }
  return set;
}

/** Features (unigrams and bigrams) made only of function words. */
export const STOP_FEATURES: ReadonlySet<number> = build();
