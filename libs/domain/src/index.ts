export * from './shared/decider.js';
export * from './shared/domain-error.js';
export * from './shared/time.js';
export * from './exam-event/index.js';
export * from './exam-schedule/index.js';
export * from './registration/index.js';
export * from './catalog/index.js';
