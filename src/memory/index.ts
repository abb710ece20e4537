export { nextLevel, type LevelThresholds } from './level.js';
export { heaviestOf, MemoryMonitor } from './monitor.js';
export {
  fillMemoryMonitorOptions, kMemoryMonitorDefaults, type FilledMemoryMonitorOptions, type IntervalTimer, type MemoryMonitorOptions,
} from './options.js';
export { memoryPolicy, type MemoryPolicy, type MemoryPolicyOptions } from './policy.js';
export { createSystemSampler, sampleProcessMemory, type SystemSamplerDeps } from './samplers.js';
export { slope } from './slope.js';
export type {
  HeaviestSource, MemoryAlert, MemoryLevel, MemorySample, MemorySnapshot, MemorySource, ProcessMemory, SystemMemory,
} from './types.js';
