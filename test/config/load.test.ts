import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, poolSettings, redactConfig, subject, streamName } from '../../src/config/load.js';
import { heapLimits } from '../../src/runtime/stage-host.js';
import { ConfigError } from '../../src/errors/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'docflow-config-'));
function yamlFile(text: string): string {
  const f = join(tmp, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(f, text);
  return f;
}
function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return e.details as string[];
  }
  assert.fail('expected the config to be rejected');
}

describe('config', () => {
  it('loads the defaults file, which satisfies the schema', () => {
    const c = loadConfig({ env: {} });
    assert.equal(c.subjectPrefix, 'docflow');
    assert.deepEqual(c.nats.servers, []);
    assert.equal(c.codec.compressMinBytes, 16384);
    assert.equal(c.streams['INGEST']?.retention, 'workqueue');
    assert.equal(subject(c, 'ingest'), 'docflow.ingest');
    assert.equal(streamName(c, 'RESULTS'), 'DOCFLOW_RESULTS');
  });

  it('merges a user file key by key over the defaults', () => {
    const c = loadConfig({ env: {}, file: yamlFile('codec:\n  compressMinBytes: 1024\nstreams:\n  RESULTS:\n    maxAgeMs: 60000\n') });
    assert.equal(c.codec.compressMinBytes, 1024);
    assert.equal(c.codec.maxDepth, 64, 'sibling keys keep their defaults');
    assert.equal(c.streams['RESULTS']?.maxAgeMs, 60000);
    assert.equal(c.streams['RESULTS']?.retention, 'limits');
  });

  it('applies the documented environment overrides, and DOCFLOW_CONFIG', () => {
    const file = yamlFile('log:\n  level: debug\n');
    const c = loadConfig({ env: { DOCFLOW_CONFIG: file, DOCFLOW_NATS_URL: 'nats://a:4222, nats://b:4222', DOCFLOW_NATS_USER: 'u', DOCFLOW_NATS_PASSWORD: 'p', DOCFLOW_SUBJECT_PREFIX: 'acme', DOCFLOW_NATS_PORT: '4333' } });
    assert.deepEqual(c.nats.servers, ['nats://a:4222', 'nats://b:4222']);
    assert.equal(c.nats.user, 'u');
    assert.equal(c.subjectPrefix, 'acme');
    assert.equal(c.nats.embedded.port, 4333);
    assert.equal(c.log.level, 'debug');
  });

  it('lists every bad key with its constraint, at once', () => {
    const found = problems(() => loadConfig({
      env: { DOCFLOW_NATS_PORT: 'abc' },
      file: yamlFile('codec:\n  compressMaxRatio: 2\n  maxDepth: "deep"\nlog:\n  level: loud\nnats:\n  embedded:\n    port: 70000\ntypo: 1\nsubjectPrefix: "a.b"\n'),
    }));
    const text = found.join('\n');
    assert.match(text, /DOCFLOW_NATS_PORT: must be an integer/);
    assert.match(text, /codec\.compressMaxRatio: must be a number .*1 \(got 2\)/);
    assert.match(text, /codec\.maxDepth: must be an integer from 2 to 1000 \(got "deep"\)/);
    assert.match(text, /log\.level: must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent" \(got "loud"\)/);
    assert.match(text, /nats\.embedded\.port: must be an integer from 0 to 65535 \(got 70000\)/);
    assert.match(text, /typo: unknown key/);
    assert.match(text, /subjectPrefix: must be a string matching/);
  });

  it('names the file when it cannot be read or parsed', () => {
    assert.throws(() => loadConfig({ env: {}, file: join(tmp, 'missing.yaml') }), (e: unknown) => e instanceof ConfigError && e.code === 'ERR_CONFIG_FILE' && /missing\.yaml/.test(e.message));
    assert.throws(() => loadConfig({ env: {}, file: yamlFile('a: [unclosed\n') }), (e: unknown) => e instanceof ConfigError && e.code === 'ERR_CONFIG_FILE' && /not valid YAML/.test(e.message));
    assert.throws(() => loadConfig({ env: {}, file: yamlFile('- a list\n') }), (e: unknown) => e instanceof ConfigError && /mapping/.test(e.message));
  });

  it('takes a reply-inbox prefix per NATS role, and refuses a wildcard one', () => {
    assert.equal(loadConfig({ env: {} }).nats.inboxPrefix, '_INBOX');
    assert.equal(loadConfig({ env: { DOCFLOW_NATS_INBOX_PREFIX: '_INBOX_ingest' } }).nats.inboxPrefix, '_INBOX_ingest');
    assert.throws(() => loadConfig({ env: { DOCFLOW_NATS_INBOX_PREFIX: '_INBOX.>' } }), (e: unknown) => e instanceof ConfigError && /nats\.inboxPrefix/.test(e.message));
  });

  it('is frozen after load', () => {
    const c = loadConfig({ env: {} });
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.nats) && Object.isFrozen(c.nats.embedded) && Object.isFrozen(c.nats.servers));
    assert.throws(() => { (c as { subjectPrefix: string }).subjectPrefix = 'x'; }, TypeError);
  });

  it('ignores prototype keys in files', () => {
    const c = loadConfig({ env: {}, file: yamlFile('__proto__:\n  polluted: true\n') });
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal((c as unknown as Record<string, unknown>)['polluted'], undefined);
  });

  it('redacts secrets for printing', () => {
    const c = loadConfig({ env: { DOCFLOW_NATS_PASSWORD: 'hunter2', DOCFLOW_NATS_TOKEN: 'tok' } });
    const r = redactConfig(c);
    assert.equal(r.nats.password, '***');
    assert.equal(r.nats.token, '***');
    assert.doesNotMatch(JSON.stringify(r), /hunter2/);
    assert.equal(c.nats.password, 'hunter2', 'the original is untouched');
  });

  it('gives each pool its heap limits: old and young generation, each over poolDefaults, 0 = Node\'s default', () => {
    const c = loadConfig({ env: {}, file: yamlFile('poolDefaults:\n  maxYoungGenerationSizeMb: 16\npools:\n  split: { maxYoungGenerationSizeMb: 0, maxOldGenerationSizeMb: 0 }\n') });
    assert.deepEqual(heapLimits(poolSettings(c, 'extract')), { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 16 });
    assert.deepEqual(heapLimits(poolSettings(c, 'embed')), { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 16 });
    assert.equal(heapLimits(poolSettings(c, 'split')), undefined);
    assert.ok(problems(() => loadConfig({ env: {}, file: yamlFile('pools:\n  extract: { maxYoungGenerationSizeMb: -1 }\n') })).some((p) => p.includes('maxYoungGenerationSizeMb')));
  });
});
