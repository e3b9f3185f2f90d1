/**
 * The projection rebuild rate measured in a process of its own, as `projections rebuild` runs
 * (bench/run.ts starts it): prints measureRebuild's result as JSON.
 */
import { measureRebuild } from './projection-rebuild.js';

const [eventsFile] = process.argv.slice(2);
if (!eventsFile) throw new Error('usage: node rebuild-rate.js EVENTS_FILE');
console.log(JSON.stringify(await measureRebuild(eventsFile)));
