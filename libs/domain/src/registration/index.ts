export * from './registration.events.js';
export * from './registration.commands.js';
export * from './registration.state.js';
export * from './registration.checks.js';
export * from './registration.decider.js';
export * from './exam-time-limit.js';
