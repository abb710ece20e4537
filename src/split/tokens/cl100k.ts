import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import { TokenCounter } from './counter.js';

let counter: TokenCounter | undefined;

/**
 * This thread's cl100k_base counter, built on first use: building the rank table takes about 0.3 s and
 * tens of MB, so a thread that only splits by chars never pays it, and one that does pays it once.
 */
export function cl100kCounter(): TokenCounter {
  counter ??= new TokenCounter(new Tiktoken(cl100k), cl100k.pat_str);
  return counter;
}
