import cliProgress from 'cli-progress';
import type { RunFigures } from '../client/ingest-run.js';
import { bytes, duration } from './format.js';

/** Shows a run's progress: one bar per stage on a terminal, a plain line every few seconds otherwise. */
export interface ProgressView {
  update(f: RunFigures): void;
  stop(f: RunFigures): void;
}

/** The stages shown are those of the figures, in their order: the line's five, then a branch once a document was fed to it. */
export function progressView(out: NodeJS.WriteStream = process.stderr): ProgressView {
  return out.isTTY ? new Bars(out) : new Lines(out);
}

/** The stage column of the bars: the longest stage name (`knowledge`). */
const WIDTH = 9;

function rate(f: RunFigures): string {
  const s = f.elapsedMs / 1000;
  const done = f.indexed + f.unchanged + f.failed;
  return s > 0 ? `${(done / s).toFixed(1)} docs/s` : '';
}

class Bars implements ProgressView {
  readonly #multi: cliProgress.MultiBar;
  readonly #bars = new Map<string, cliProgress.SingleBar>();
  #shown = '';

  constructor(out: NodeJS.WriteStream) {
    this.#multi = new cliProgress.MultiBar({
      stream: out, clearOnComplete: false, hideCursor: true, etaBuffer: 50,
      format: ' {stage} |{bar}| {value}/{total} {info}',
    }, cliProgress.Presets.shades_classic);
  }

  update(f: RunFigures): void {
    const stages = Object.keys(f.stages);
    // a bar per stage, then `done`; a branch that appears is put before `done`, in order
    if (stages.join() !== this.#shown) {
      for (const b of this.#bars.values()) this.#multi.remove(b);
      this.#bars.clear();
      for (const s of [...stages, 'done']) this.#bars.set(s, this.#multi.create(1, 0, { stage: s.padEnd(WIDTH), info: '' }));
      this.#shown = stages.join();
    }
    const total = Math.max(1, f.total);
    for (const s of stages) {
      const b = this.#bars.get(s)!;
      b.setTotal(total);
      b.update(f.stages[s] ?? 0, { stage: s.padEnd(WIDTH), info: s === 'index' ? `${f.chunks} chunks` : '' });
    }
    const done = this.#bars.get('done')!;
    done.setTotal(total);
    done.update(f.indexed + f.unchanged + f.failed, { stage: 'done'.padEnd(WIDTH), info: `${f.indexed} indexed, ${f.unchanged} unchanged, ${f.failed} failed, ${rate(f)}` });
  }

  stop(f: RunFigures): void {
    this.update(f);
    this.#multi.stop();
  }
}

class Lines implements ProgressView {
  #last = 0;
  constructor(private readonly out: NodeJS.WriteStream) {}

  update(f: RunFigures): void {
    if (Date.now() - this.#last < 2000) return;
    this.#last = Date.now();
    this.#line(f);
  }

  stop(f: RunFigures): void {
    this.#line(f);
  }

  #line(f: RunFigures): void {
    const stages = Object.entries(f.stages).map(([s, n]) => `${s} ${n}`).join(', ');
    this.out.write(`ingest: ${f.indexed + f.unchanged + f.failed}/${f.total} done (${f.indexed} indexed, ${f.unchanged} unchanged, ${f.failed} failed), ${f.chunks} chunks; ${stages}; ${rate(f)}, ${bytes(f.bytes)}, ${duration(f.elapsedMs)}\n`);
  }
}
