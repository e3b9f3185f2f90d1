export * from './exam-values.js';
export * from './exam-event-title.js';
export * from './exam-event.events.js';
export * from './exam-event.commands.js';
export * from './exam-event.decider.js';
