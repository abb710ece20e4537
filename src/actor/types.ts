import type { Logger } from '../log.js';

/** Something an actor tells the world while it works (progress, alerts); the runtime routes it. */
export interface ActorEvent {
  type: string;
  [key: string]: unknown;
}

/** What an actor gets besides its message. It knows nothing of NATS. */
export interface ActorContext {
  /** Aborted when the task should stop (timeout, shutdown, restart). */
  readonly signal: AbortSignal;
  /** A logger already bound to the actor (and document, where there is one). */
  readonly log: Logger;
  /** 1 on first delivery of the message, higher on redeliveries (absent outside stages). */
  readonly attempt?: number;
  /** 1 the first time this delivery is handled, higher when it is tried again after a service outage (absent outside stages). */
  readonly tries?: number;
  /** The input's sequence in its stream (absent outside stages): with the stream, the message's identity across redeliveries. */
  readonly seq?: number;
  /** Tell the runtime something; never throws. */
  emit(event: ActorEvent): void;
}

/** An actor: one handler from its input message to its output. */
export interface Actor<In, Out> {
  readonly name: string;
  handle(msg: In, ctx: ActorContext): Promise<Out> | Out;
}
