import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { IngestMessage } from '../../src/messages/index.js';
import { prng } from '../harness/prng.js';

/** One document of a chaos run: the message to publish and the id it is known by. */
export interface ChaosDoc {
  id: string;
  msg: IngestMessage;
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'tus', 'vo', 'pra', 'shi', 'del', 'an', 'quo', 'ber', 'zin', 'ul', 'fa', 'gor', 'ny', 'es', 'ti', 'mar'];

/**
 * `count` distinct documents of one to several chunks each, in the shapes users send: inline text,
 * inline Markdown, HTML as bytes, and files loaded by `uri` from `root`. Ids start with `prefix`.
 */
export function chaosCorpus(prefix: string, count: number, root: string, seed = 7): ChaosDoc[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const word = () => Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(SYLLABLES)).join('');
  const sentence = (i: number) => `${Array.from({ length: 6 + Math.floor(rnd() * 10) }, word).join(' ')} ${i}.`;
  const paragraphs = (i: number) => Array.from({ length: 1 + Math.floor(rnd() * 5) }, (_, p) => Array.from({ length: 3 + Math.floor(rnd() * 6) }, (_, s) => sentence(i * 100 + p * 10 + s)).join(' '));
  const dir = join(root, 'chaos-files');
  mkdirSync(dir, { recursive: true });
  const docs: ChaosDoc[] = [];
  for (let i = 0; i < count; i++) {
    const id = `${prefix}-${i}`;
    const paras = paragraphs(i);
    const title = `Document ${id}`;
    const shape = i % 10;
    let msg: IngestMessage;
    if (shape < 6) msg = { id, text: `${title}\n\n${paras.join('\n\n')}\n` };
    else if (shape < 8) msg = { id, text: `# ${title}\n\n${paras.map((p, k) => `## Part ${k}\n\n${p}`).join('\n\n')}\n`, mime: 'text/markdown' };
    else if (shape < 9) msg = { id, data: new TextEncoder().encode(`<!doctype html><html><head><title>${title}</title></head><body><article><h1>${title}</h1>${paras.map((p) => `<p>${p}</p>`).join('')}</article></body></html>`), mime: 'text/html' };
    else {
      const file = join(dir, `${id}.txt`);
      writeFileSync(file, `${title}\n\n${paras.join('\n\n')}\n`);
      msg = { id, uri: pathToFileURL(file).href };
    }
    docs.push({ id, msg: { ...msg, metadata: { chaos: prefix, n: i } } });
  }
  return docs;
}
