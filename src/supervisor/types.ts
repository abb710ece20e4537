import type { DocflowError } from '../errors/index.js';

/**
 * Why a child is being stopped, passed to `Supervised.stop`:
 * - `shutdown`: the supervisor is closing;
 * - `restart`: the child crashed and will be started again after a backoff delay;
 * - `memory` / `requested`: someone asked for a restart by name (the memory policy, an operator);
 * - `escalated`: the child crashed too often and will stay stopped (`failed`).
 */
export type StopReason = 'shutdown' | 'restart' | 'memory' | 'requested' | 'escalated';

/** A restart asked for from outside the child (`Supervisor.restart`). */
export type RestartReason = 'memory' | 'requested';

/** What the supervisor hands a child on each start. */
export interface ChildContext {
  /**
   * Report that the child has failed while running (its pipeline errored, its worker died). The
   * supervisor stops it and starts it again, or escalates. Calls after a stop, or from an earlier
   * start, are ignored.
   */
  crashed(err: unknown): void;
  /** Aborted when this run of the child is over (stop, restart, escalation, shutdown). */
  signal: AbortSignal;
}

/**
 * Anything the supervisor can keep alive: a stage runner, a pool, a service endpoint.
 * `start` may throw (that counts as a crash); `stop` must drain (stop pulling, let in-flight work
 * finish within its grace period, nak the rest). `stop` is called exactly once after each `start`,
 * including one that threw or reported a crash, so it must cope with a partial start.
 */
export interface Supervised {
  /** Unique among the supervisor's children; used in events, status and `restart(name)`. */
  readonly name: string;
  start(ctx: ChildContext): Promise<void>;
  stop(reason: StopReason): Promise<void>;
  /** Bytes this child holds right now (for the memory monitor), when it can tell. */
  memoryBytes?(): number;
}

/** Where a child is in its life. */
export type ChildState = 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped' | 'failed';

/** One child as `Supervisor.status()` reports it. */
export interface ChildStatus {
  name: string;
  state: ChildState;
  /** Restarts performed since the child was added (crashes and requested restarts). */
  restarts: number;
  /** The last crash, in its plain form. */
  lastError?: { code: string; message: string };
  /** When the child was last started again after its backoff (the injected clock, ms). */
  lastRestartAt?: number;
}

/** A child is about to be stopped and started again after `delayMs`. */
export interface RestartingEvent {
  type: 'restarting';
  child: string;
  reason: 'restart' | RestartReason;
  /** The crash; `undefined` for a requested restart. */
  error: DocflowError | undefined;
  /** Backoff attempt (0 = first restart since the child last ran stably). */
  attempt: number;
  delayMs: number;
  /** Restarts inside the intensity period, counting this one. */
  recentRestarts: number;
  at: number;
}

/** A child was started again and runs. */
export interface RestartedEvent {
  type: 'restarted';
  child: string;
  /** Restarts performed since the child was added, counting this one. */
  restarts: number;
  at: number;
}

/** A child exceeded the restart intensity: it was stopped and marked `failed`; the others go on. */
export interface EscalatedEvent {
  type: 'escalated';
  child: string;
  /** Restarts performed since the child was added. */
  restarts: number;
  /** Restarts that would have happened inside the intensity period, counting the refused one. */
  recentRestarts: number;
  error: DocflowError | undefined;
  at: number;
}

/** Everything `Supervisor.events$` emits. */
export type SupervisorEvent = RestartingEvent | RestartedEvent | EscalatedEvent;
