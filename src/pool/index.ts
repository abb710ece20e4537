/** Pools for CPU stages (worker threads) and for reusable objects (parsers, models, clients). */

// Worker threads for one CPU stage.
export { WorkerPool } from './worker-pool.js';
export type { RunOptions, WorkerPoolStats } from './worker-pool.js';
export type { WorkerPoolOptions, WorkerResourceLimits } from './worker-pool-options.js';
export { UtilizationMeter } from './utilization.js';

// What worker modules use (they may import './worker-entry.js' directly to load less).
export { defineWorker, isWorkerReply } from './worker-entry.js';
export type { WorkerHandler, WorkerReply, WorkerVitals } from './worker-entry.js';

// Reusable objects.
export { ObjectPool } from './object-pool.js';
export type { ObjectPoolStats } from './object-pool.js';
export type { ObjectFactory, ObjectPoolOptions } from './object-pool-options.js';
export { nextMaxSize } from './autoscale.js';
export type { AutoscaleSample } from './autoscale.js';
