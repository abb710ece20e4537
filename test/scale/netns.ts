/**
 * Hosts made by the test itself: Linux network namespaces, each with its own network stack, joined by
 * veth pairs to a bridge in this namespace (which plays the application host), and a nats-server
 * cluster with one node per namespace (JetStream, routes between the nodes, user and password).
 * Needs root (or CAP_NET_ADMIN and CAP_SYS_ADMIN) and iproute2; everything is removed on dispose.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

const ip = (...args: string[]): void => {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
};

/** Network namespaces on one bridge: host `i` has address `addr(i)`; this namespace is `gateway`. */
export class NetLab implements AsyncDisposable {
  readonly #made: Array<() => void> = [];

  private constructor(readonly tag: string, readonly subnet: string, readonly size: number) {}

  static create(size: number): NetLab {
    const tag = randomBytes(2).toString('hex'); // interface names must stay under 16 characters
    const r = randomBytes(2);
    const lab = new NetLab(tag, `10.${200 + (r[0]! % 50)}.${r[1]! % 250}`, size);
    try {
      lab.#build();
    } catch (err) {
      lab.#teardown();
      const why = (err as { stderr?: Buffer }).stderr?.toString().trim() ?? String(err);
      throw new Error(`cannot make network namespaces (${why}): the multi-host test needs root or CAP_NET_ADMIN and iproute2 (apt-get install iproute2)`);
    }
    return lab;
  }

  get gateway(): string {
    return `${this.subnet}.1`;
  }

  addr(i: number): string {
    return `${this.subnet}.${11 + i}`;
  }

  ns(i: number): string {
    return `df${this.tag}-${i}`;
  }

  /** The command prefix that runs a program on host `i`. */
  exec(i: number): string[] {
    return ['ip', 'netns', 'exec', this.ns(i)];
  }

  #build(): void {
    const bridge = `dfb${this.tag}`;
    ip('link', 'add', bridge, 'type', 'bridge');
    this.#made.push(() => ip('link', 'del', bridge));
    ip('addr', 'add', `${this.gateway}/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    for (let i = 0; i < this.size; i++) {
      const ns = this.ns(i);
      ip('netns', 'add', ns);
      this.#made.push(() => ip('netns', 'del', ns));
      const outside = `df${this.tag}h${i}`;
      const inside = `df${this.tag}n${i}`;
      ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
      this.#made.push(() => { try { ip('link', 'del', outside); } catch { /* gone with its namespace */ } });
      ip('link', 'set', inside, 'netns', ns);
      ip('link', 'set', outside, 'master', bridge);
      ip('link', 'set', outside, 'up');
      ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${this.addr(i)}/24`, 'dev', inside);
      ip('netns', 'exec', ns, 'ip', 'link', 'set', inside, 'up');
      ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    }
  }

  #teardown(): void {
    for (const undo of this.#made.reverse()) {
      try {
        undo();
      } catch {
        // best effort: the rest is still removed
      }
    }
    this.#made.length = 0;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#teardown();
  }
}

/** One nats-server per namespace, clustered (routes to each other), JetStream on disk under `dir`. */
export class NatsClusterLab implements AsyncDisposable {
  readonly user = 'docflow';
  readonly password = randomBytes(12).toString('hex');
  readonly #routePassword = randomBytes(12).toString('hex');
  readonly #nodes: Array<ChildProcess | undefined> = [];

  private constructor(readonly lab: NetLab, readonly dir: string) {}

  static async start(lab: NetLab, dir: string): Promise<NatsClusterLab> {
    const c = new NatsClusterLab(lab, dir);
    try {
      for (let i = 0; i < lab.size; i++) c.#startNode(i);
      await c.#waitForJetStream();
    } catch (err) {
      await c[Symbol.asyncDispose]();
      throw err;
    }
    return c;
  }

  /** Client URL of node `i`. */
  url(i: number): string {
    return `nats://${this.lab.addr(i)}:4222`;
  }

  /** Every node's URL, node `first` first (a client prefers its own host's node). */
  urls(first = 0): string[] {
    const all = Array.from({ length: this.lab.size }, (_, i) => this.url(i));
    return [...all.slice(first), ...all.slice(0, first)];
  }

  logOf(i: number): string {
    return readFileSync(join(this.dir, `n${i}.log`), 'utf8');
  }

  #startNode(i: number): void {
    const store = join(this.dir, `n${i}`);
    mkdirSync(store, { recursive: true });
    const routes = Array.from({ length: this.lab.size }, (_, j) => j).filter((j) => j !== i)
      .map((j) => `nats-route://route:${this.#routePassword}@${this.lab.addr(j)}:6222`);
    const conf = join(this.dir, `n${i}.conf`);
    writeFileSync(conf, [
      `server_name: n${i}`,
      `listen: ${this.lab.addr(i)}:4222`,
      'max_payload: 1MB',
      `jetstream { store_dir: "${store}", max_memory_store: 256MB, max_file_store: 4GB }`,
      `authorization { user: ${this.user}, password: "${this.password}" }`,
      'cluster {',
      '  name: docflow-lab',
      `  listen: ${this.lab.addr(i)}:6222`,
      `  authorization { user: route, password: "${this.#routePassword}" }`,
      `  routes: [ ${routes.join(', ')} ]`,
      '}',
      '',
    ].join('\n'));
    const log = openSync(join(this.dir, `n${i}.log`), 'a');
    const [cmd, ...args] = [...this.lab.exec(i), 'nats-server', '-c', conf];
    this.#nodes[i] = spawn(cmd!, args, { stdio: ['ignore', log, log] });
    closeSync(log);
  }

  /** SIGKILL node `i` (its host crashed). */
  kill(i: number): void {
    this.#nodes[i]?.kill('SIGKILL');
    this.#nodes[i] = undefined;
  }

  /** Until the cluster elects a JetStream meta leader and can place a stream on three replicas. */
  async #waitForJetStream(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      const nc = await connect({ servers: this.urls(), user: this.user, pass: this.password, timeout: 2_000 }).catch((err: unknown) => { last = err; return undefined; });
      if (nc) {
        try {
          const jsm = await jetstreamManager(nc);
          const name = `probe_${randomBytes(3).toString('hex')}`;
          await jsm.streams.add({ name, subjects: [`${name}.>`], num_replicas: this.lab.size });
          await jsm.streams.delete(name);
          return;
        } catch (err) {
          last = err;
        } finally {
          await nc.close();
        }
      }
      await sleep(500);
    }
    throw new Error(`the NATS cluster did not become ready in ${timeoutMs} ms (${String(last)}); logs: ${Array.from({ length: this.lab.size }, (_, i) => this.logOf(i).slice(-600)).join('\n---\n')}`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const exits = this.#nodes.map((n) => n && n.exitCode === null && n.signalCode === null ? new Promise<void>((r) => n.once('exit', () => r())) : Promise.resolve());
    for (const n of this.#nodes) n?.kill('SIGTERM');
    const t = setTimeout(() => { for (const n of this.#nodes) n?.kill('SIGKILL'); }, 10_000);
    await Promise.all(exits);
    clearTimeout(t);
  }
}
