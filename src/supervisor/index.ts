export { backoffDelay, type BackoffSettings } from '../util/backoff.js';
export { RestartWindow } from './intensity.js';
export {
  fillSupervisorOptions, kSupervisorDefaults, type FilledSupervisorOptions, type IntensityOptions, type RestartOptions,
  type SupervisorOptions,
} from './options.js';
export { Supervisor } from './supervisor.js';
export type {
  ChildContext, ChildState, ChildStatus, EscalatedEvent, RestartedEvent, RestartingEvent, RestartReason, StopReason, Supervised,
  SupervisorEvent,
} from './types.js';
