/** The `docflow` command as a child process, and a throwaway TLS certificate, for the security tests. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../../src/config/load.js';
import { which } from '../../src/embedded/which.js';
import { exitOf, stopChild } from '../../src/embedded/process.js';
import { waitFor } from '../harness/streams.js';

export const DOCFLOW_BIN = resolve(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');

/** Only what a command needs from this process's environment: no DOCFLOW_* leaks into a test run. */
function baseEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG'];
  return Object.fromEntries(keep.flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]!]])));
}

/** Run `docflow ARGS` to its end; never rejects (the exit code is part of the result). */
export function docflow(args: readonly string[], env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [DOCFLOW_BIN, ...args], { env: { ...baseEnv(), ...env }, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** A `docflow up` child, its stdout and stderr (the JSON log) in `logFile`. */
export interface DocflowUp {
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Everything it wrote so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after 10 s; resolves when it has exited. */
  stop(): Promise<void>;
}

/** Start `docflow up` and wait until `ready()` says so (or it exits, or 60 s pass). */
export async function docflowUp(env: Record<string, string>, dir: string, ready: () => Promise<boolean>): Promise<DocflowUp> {
  const logFile = join(dir, 'docflow-up.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [DOCFLOW_BIN, 'up'], { env: { ...baseEnv(), ...env }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const up: DocflowUp = {
    child,
    logFile,
    output: () => readFileSync(logFile, 'utf8'),
    stop: async () => {
      await stopChild(child, [['SIGTERM', 10_000], ['SIGKILL', Infinity]]);
      await exitOf(child);
    },
  };
  try {
    await waitFor('docflow up to serve', async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`docflow up exited (${child.exitCode ?? child.signalCode}):\n${up.output()}`);
      return ready().catch(() => false);
    }, 60_000, 200);
  } catch (err) {
    await up.stop();
    throw err;
  }
  return up;
}

/**
 * A self-signed certificate for 127.0.0.1 and localhost (key and certificate in PEM, in `dir`), made
 * with the `openssl` command: it is its own CA, so a client trusts it by taking it as `ca`.
 */
export async function selfSignedCertificate(dir: string): Promise<{ cert: string; key: string }> {
  const openssl = which('openssl');
  if (!openssl) throw new Error('openssl not found on PATH - install it: apt-get install -y openssl');
  const cert = join(dir, 'server-cert.pem');
  const key = join(dir, 'server-key.pem');
  await new Promise<void>((done, fail) => {
    execFile(openssl, [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert,
    ], (err, _out, stderr) => (err ? fail(new Error(`openssl could not make a certificate: ${stderr || err.message}`)) : done()));
  });
  return { cert, key };
}
