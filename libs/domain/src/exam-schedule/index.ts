export * from './exam-schedule.decider.js';
