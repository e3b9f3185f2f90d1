export * from './catalog.events.js';
export * from './catalog.deciders.js';
export * from './catalog.rules.js';
export * from './definition.decider.js';
