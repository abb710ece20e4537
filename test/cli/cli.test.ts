import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../../src/config/load.js';

const BIN = resolve(PACKAGE_ROOT, 'dist/src/cli/main.js');

interface Run { code: number | null; stdout: string; stderr: string }

function run(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<Run> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => { child.kill('SIGKILL'); rej(new Error(`docflow ${args.join(' ')} timed out; stderr: ${stderr}`)); }, timeoutMs);
    child.on('exit', (code) => { clearTimeout(t); res({ code, stdout, stderr }); });
  });
}

describe('docflow command line', function () {
  this.timeout(60_000);
  const data = mkdtempSync(join(tmpdir(), 'docflow-cli-'));
  const env = { DOCFLOW_DATA_DIR: data, DOCFLOW_NATS_PORT: '0', DOCFLOW_METRICS_PORT: '0', DOCFLOW_LOG_LEVEL: 'warn' };
  let up: ChildProcess | undefined;

  after(async () => {
    if (up && up.exitCode === null) {
      up.kill('SIGKILL');
    }
    rmSync(data, { recursive: true, force: true });
  });

  it('has --help on the program and every command', async () => {
    for (const args of [['--help'], ['up', '--help'], ['status', '--help'], ['tune', '--help']]) {
      const r = await run(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /Usage: docflow/);
      assert.match(r.stdout, /--help/);
    }
    const top = await run(['--help']);
    assert.match(top.stdout, /--config <file>/);
    assert.match(top.stdout, /\bup\b[\s\S]*\bstatus\b/);
  });

  it('exits 2 on an unknown command or option', async () => {
    assert.equal((await run(['frobnicate'])).code, 2);
    assert.equal((await run(['status', '--no-such-flag'])).code, 2);
  });

  it('exits 2 and lists every bad key of an invalid config', async () => {
    const file = join(data, 'bad.yaml');
    writeFileSync(file, 'codec:\n  maxDepth: -1\nnats:\n  embedded:\n    port: nope\n');
    const r = await run(['status', '--config', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /codec\.maxDepth: must be an integer/);
    assert.match(r.stderr, /nats\.embedded\.port: must be an integer/);
    assert.match(r.stderr, /ERR_CONFIG_INVALID/);
  });

  it('exits 2 on a bad argument, saying what is wrong and where to look', async () => {
    for (const [args, says] of [
      [['status', '--wait-ms', 'soon'], /--wait-ms must be a whole number/],
      [['dlq', 'replay', '12', 'abc'], /not a sequence: abc \(the numbers in the first column of `docflow dlq list`\)/],
      [['dlq', 'replay'], /name the sequences to replay, or use --all/],
      [['worker', '--stages', 'load,lode'], /--stages: unknown stage\(s\) lode/],
      [['dlq', 'list', '--limit', 'all'], /--limit must be a positive whole number/],
    ] as const) {
      const r = await run([...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, says);
      assert.match(r.stderr, /\(ERR_USAGE\) see the command's --help/);
    }
  });

  it('ingest of a directory without documents says why and what to do', async () => {
    const empty = join(data, 'no-docs');
    mkdirSync(empty, { recursive: true });
    writeFileSync(join(empty, 'notes.xyz'), 'not a document type');
    const r = await run(['ingest', empty]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /no documents found at .*no-docs: the directory holds no file of a document type \(.*\); --all takes every file/);
  });

  it('exits 3 with what to do when docflow is not running', async () => {
    const r = await run(['status'], { ...env, DOCFLOW_NATS_URL: 'nats://127.0.0.1:1' });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /cannot connect to NATS at nats:\/\/127\.0\.0\.1:1/);
    assert.match(r.stderr, /docflow up/);
  });

  it('`up` starts the embedded NATS; `status` answers over NATS; SIGTERM stops cleanly', async () => {
    up = spawn(process.execPath, [BIN, 'up'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    up.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    up.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const status = await run(['status', '--json', '--wait-ms', '20000'], env, 30_000);
    assert.equal(status.code, 0, `status failed: ${status.stderr}\nup said: ${out}`);
    const reply = JSON.parse(status.stdout) as { version: string; uptimeMs: number; nats: { server: string; jetstream: boolean }; streams: Array<{ name: string }>; memory: { rssBytes: number } };
    assert.match(reply.version, /^\d+\.\d+\.\d+/);
    assert.equal(reply.nats.jetstream, true);
    assert.match(reply.nats.server, /^127\.0\.0\.1:\d+$/);
    assert.deepEqual(reply.streams.map((s) => s.name).sort(), ['DOCFLOW_DLQ', 'DOCFLOW_INGEST', 'DOCFLOW_PIPELINE', 'DOCFLOW_RESULTS']);
    assert.ok(reply.memory.rssBytes > 0);
    const human = await run(['status'], env);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /docflow \d+\.\d+\.\d+, up \d+s/);
    assert.match(human.stdout, /DOCFLOW_INGEST\s+0 messages/);
    assert.ok(existsSync(join(data, 'run', 'nats.json')));

    // a second process joins (it finds the NATS of `up` in the run file): status shows both, tune reaches both
    const worker = spawn(process.execPath, [BIN, 'worker', '--stages', 'split'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let workerSaid = '';
    worker.stderr!.on('data', (d: Buffer) => (workerSaid += d.toString()));
    const workerExited = new Promise<number | null>((r) => worker.on('exit', (code) => r(code)));
    try {
      let both = await run(['status'], env);
      for (let i = 0; i < 100 && !/^processes: 2/m.test(both.stdout); i++) {
        await new Promise((r) => setTimeout(r, 200));
        both = await run(['status'], env);
      }
      assert.match(both.stdout, /^processes: 2 \(the first answered\)$/m, `${both.stdout}\nworker said: ${workerSaid}`);
      assert.equal(both.stdout.match(/^\s*split\s+\S+:\d+\s+running\b/gm)?.length, 2, both.stdout);
      assert.equal(both.stdout.match(/^\s*embed\s+\S+:\d+\s+running\b/gm)?.length, 1, both.stdout);
      const tuned = await run(['tune', 'split.concurrency=3'], env);
      assert.equal(tuned.code, 0, tuned.stderr);
      assert.equal(tuned.stdout.match(/^split on \S+:\d+: .*\bconcurrency=3\b/gm)?.length, 2, tuned.stdout);
    } finally {
      worker.kill('SIGTERM');
      assert.equal(await workerExited, 0, `the worker did not exit cleanly: ${workerSaid}`);
    }

    const unknown = await run(['tune', 'nope.concurrency=2'], env);
    assert.equal(unknown.code, 2, 'a stage that does not exist is bad usage');
    assert.match(unknown.stderr, /ERR_STAGE_UNKNOWN/);
    const malformed = await run(['tune', 'concurrency'], env);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /stage\.key=value/);
    const exited = new Promise<number | null>((r) => up!.on('exit', (code) => r(code)));
    up.kill('SIGTERM');
    assert.equal(await exited, 0, `up did not exit cleanly: ${out}`);
    assert.ok(!existsSync(join(data, 'run', 'nats.json')), 'run file left behind');
  });
});
