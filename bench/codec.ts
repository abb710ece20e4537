/**
 * Codec benchmark: real text documents of 4 KiB and 256 KiB through the codec (encode + decode, with
 * schema checks both ways) against JSON.stringify + Buffer.from and toString + JSON.parse of the same
 * document as a string field, in one process. Two codec variants: the contract's Ingest with `text`
 * (string field) and a bench kind whose document is UTF-8 bytes (msgpack bin), which is what a stage
 * holding a loaded document would send. Wire size is the body only (headers are the same few bytes).
 * Run: npm run bench:codec
 */
import { availableParallelism, loadavg } from 'node:os';
import { Type as T } from '@sinclair/typebox';
import { Codec, type Encoded } from '../src/codec/index.js';
import { defineKind, Ingest, Metadata, type MessageKind } from '../src/messages/index.js';
import { CORPUS_INSTALL_HINT, CorpusMissingError, loadCorpus, makeDocuments } from './corpus.js';

/** Bench-only kind: the document as UTF-8 bytes. */
export const BenchDocument = defineKind(
  'bench-document',
  T.Object({ id: T.String({ maxLength: 128 }), body: T.Uint8Array(), metadata: T.Optional(Metadata) }, { additionalProperties: false }),
  { bytesFields: ['body'] },
);

export type Variant = 'bytes' | 'string';

/** One measured case. Rates are encode+decode round trips per second. */
export interface CodecBenchCase {
  sizeBytes: number;
  variant: Variant;
  codecOpsPerSec: number;
  jsonOpsPerSec: number;
  /** codec / JSON throughput. */
  throughputRatio: number;
  codecBytes: number;
  jsonBytes: number;
  /** codec / JSON bytes on the wire. */
  bytesRatio: number;
  compressed: boolean;
}

/** A goal of the issue, checked on the bytes variant. */
export interface CodecBenchGoal {
  label: string;
  value: number;
  target: string;
  pass: boolean;
}

export interface CodecBenchResult {
  cases: CodecBenchCase[];
  goals: CodecBenchGoal[];
}

export interface CodecBenchOptions {
  /** Document sizes in bytes. @defaultValue [4096, 262144] */
  sizes?: number[];
  /** Measuring time per case and contender, in ms. @defaultValue 1500 */
  durationMs?: number;
  /** Warm-up per case and contender, in ms. @defaultValue 300 */
  warmupMs?: number;
  /** Alternating rounds (codec, JSON, codec, ...); the median round counts. @defaultValue 5 */
  rounds?: number;
}

const metadataOf = (i: number) => ({ source: 'python3.11-doc', lang: 'en', part: i, reviewed: true });

/** Run `op` repeatedly for about `ms` milliseconds; returns ops per second. */
function rate(op: (i: number) => number, ms: number): number {
  let sink = 0;
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let k = 0; k < 16; k++) sink += op(n++);
    t = performance.now();
  }
  if (sink === -1) console.log('unreachable');
  return (n * 1000) / (t - t0);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Contender {
  op: (i: number) => number;
  wireBytes: number;
}

function jsonContender(docs: string[]): Contender {
  const objs = docs.map((text, i) => ({ id: `doc-${i}`, text, metadata: metadataOf(i) }));
  const op = (i: number): number => {
    const wire = Buffer.from(JSON.stringify(objs[i % objs.length]), 'utf8');
    const back = JSON.parse(wire.toString('utf8')) as { text: string };
    return back.text.length;
  };
  return { op, wireBytes: Buffer.byteLength(JSON.stringify(objs[0])) };
}

function codecContender(codec: Codec, docs: string[], variant: Variant): Contender & { compressed: boolean } {
  const kind: MessageKind = variant === 'bytes' ? BenchDocument : Ingest;
  const msgs = docs.map((text, i) =>
    variant === 'bytes' ? { id: `doc-${i}`, body: Buffer.from(text, 'utf8'), metadata: metadataOf(i) } : { id: `doc-${i}`, text, metadata: metadataOf(i) },
  );
  const first: Encoded = codec.encode(kind, msgs[0] as never);
  const back = codec.decode(kind, first.body, first.headers) as { text?: string; body?: Uint8Array };
  const same = variant === 'bytes' ? Buffer.compare(back.body!, msgs[0]!.body as Buffer) === 0 : back.text === docs[0];
  if (!same) throw new Error(`codec round trip changed the ${variant} document`);
  const op = (i: number): number => {
    const enc = codec.encode(kind, msgs[i % msgs.length] as never);
    const dec = codec.decode(kind, enc.body, enc.headers) as { id: string };
    return dec.id.length + enc.body.length;
  };
  return { op, wireBytes: first.body.length, compressed: first.headers['Content-Encoding'] === 'lz4' };
}

function measureCase(codec: Codec, docs: string[], variant: Variant, o: Required<CodecBenchOptions>): CodecBenchCase {
  const json = jsonContender(docs);
  const mine = codecContender(codec, docs, variant);
  rate(json.op, o.warmupMs);
  rate(mine.op, o.warmupMs);
  const codecRates: number[] = [];
  const jsonRates: number[] = [];
  const slice = o.durationMs / o.rounds;
  for (let r = 0; r < o.rounds; r++) {
    codecRates.push(rate(mine.op, slice));
    jsonRates.push(rate(json.op, slice));
  }
  const codecOpsPerSec = median(codecRates);
  const jsonOpsPerSec = median(jsonRates);
  return {
    sizeBytes: Buffer.byteLength(docs[0]!),
    variant,
    codecOpsPerSec,
    jsonOpsPerSec,
    throughputRatio: codecOpsPerSec / jsonOpsPerSec,
    codecBytes: mine.wireBytes,
    jsonBytes: json.wireBytes,
    bytesRatio: mine.wireBytes / json.wireBytes,
    compressed: mine.compressed,
  };
}

function goalsOf(cases: CodecBenchCase[]): CodecBenchGoal[] {
  const find = (size: number) => cases.find((c) => c.variant === 'bytes' && c.sizeBytes === size);
  const goals: CodecBenchGoal[] = [];
  const small = find(4096);
  const large = find(262_144);
  if (small) goals.push({ label: '4 KiB throughput codec/JSON', value: small.throughputRatio, target: '>= 1.5', pass: small.throughputRatio >= 1.5 });
  if (large) {
    goals.push({ label: '256 KiB throughput codec/JSON', value: large.throughputRatio, target: '>= 1.0', pass: large.throughputRatio >= 1 });
    goals.push({ label: '256 KiB bytes codec/JSON', value: large.bytesRatio, target: '<= 0.5', pass: large.bytesRatio <= 0.5 });
  }
  return goals;
}

/**
 * Measure the codec against JSON on real text, every size × variant.
 *
 * @throws CorpusMissingError when python3.11-doc is not installed.
 */
export function measureCodec(opts: CodecBenchOptions = {}): CodecBenchResult {
  const o: Required<CodecBenchOptions> = { sizes: [4096, 262_144], durationMs: 1500, warmupMs: 300, rounds: 5, ...opts };
  const corpus = loadCorpus();
  const codec = new Codec();
  const cases: CodecBenchCase[] = [];
  for (const size of o.sizes) {
    // Several distinct documents per case, so no run sees the same bytes twice in a row.
    const docs = makeDocuments(size, size <= 16_384 ? 32 : 8, {}, corpus);
    for (const variant of ['bytes', 'string'] as const) cases.push(measureCase(codec, docs, variant, o));
  }
  return { cases, goals: goalsOf(cases) };
}

/** The result as the table `npm run bench:codec` prints. */
export function formatCodecBench(r: CodecBenchResult): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const size = (b: number) => (b >= 1024 ? `${b / 1024} KiB` : `${b} B`);
  const lines = [
    'codec benchmark: real text (python3.11-doc), encode+decode round trips, one process',
    `  node ${process.version}, ${availableParallelism()} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    '  JSON = JSON.stringify + Buffer.from, then toString + JSON.parse, of { id, text, metadata }',
    '  codec bytes = { id, body: UTF-8 bytes, metadata } (msgpack bin); codec string = Ingest { id, text, metadata }',
    '  both codec variants validate the schema on encode and decode; B = body bytes on the wire',
    '',
    `  ${'size'.padEnd(8)} ${'variant'.padEnd(7)} ${'codec ops/s'.padStart(12)} ${'JSON ops/s'.padStart(12)} ${'x JSON'.padStart(7)}   ${'codec B'.padStart(8)} ${'JSON B'.padStart(8)} ${'x JSON'.padStart(7)}  lz4`,
  ];
  for (const c of r.cases) {
    lines.push(
      `  ${size(c.sizeBytes).padEnd(8)} ${c.variant.padEnd(7)} ${n(c.codecOpsPerSec).padStart(12)} ${n(c.jsonOpsPerSec).padStart(12)} ${c.throughputRatio.toFixed(2).padStart(7)}   ${n(c.codecBytes).padStart(8)} ${n(c.jsonBytes).padStart(8)} ${c.bytesRatio.toFixed(2).padStart(7)}  ${c.compressed ? 'yes' : 'no'}`,
    );
  }
  lines.push('', '  goals (bytes variant):');
  for (const g of r.goals) lines.push(`    ${g.label.padEnd(32)} ${g.value.toFixed(2).padStart(6)}  goal ${g.target.padEnd(7)} ${g.pass ? 'PASS' : 'MISS'}`);
  return lines.join('\n');
}

function main(): void {
  try {
    console.log(formatCodecBench(measureCodec()));
  } catch (err) {
    if (err instanceof CorpusMissingError) {
      console.error(CORPUS_INSTALL_HINT);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
