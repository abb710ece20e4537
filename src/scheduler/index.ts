/** The priority scheduler: levels, the level-picking policy, the scheduler, its options and errors. */
export { PRIORITIES, DEFAULT_PRIORITY, isPriority, perPriority, type Priority } from './priority.js';
export { LevelPicker, maxPassOver } from './level-picker.js';
export { PriorityScheduler, type SubmitOptions } from './priority-scheduler.js';
export type { Task } from './attempt.js';
export {
  DEFAULT_MAX_QUEUED, fillSchedulerOptions, type FilledSchedulerOptions, type RetryOptions, type SchedulerOptions, type SchedulerTimers,
} from './options.js';
export type { SchedulerStats } from './scheduler-stats.js';
export { attemptTimeoutError, isRetryable, schedulerClosedError, schedulerFullError, taskAbortedError } from './errors.js';
