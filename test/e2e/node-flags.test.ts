import { readFileSync } from 'node:fs';
import { API_NODE_FLAGS } from '../../bench/server.js';

/** The flags between `node` and the API's entry point in a command line. */
function flagsBefore(entry: string, words: readonly string[]): string[] {
  const at = words.indexOf(entry);
  expect(at).toBeGreaterThan(0);
  return words.slice(words.indexOf('node') + 1, at);
}

const ENTRY = 'dist/apps/api/src/main.js';
const root = new URL('../../', import.meta.url);

describe('the API runs with the same node flags everywhere', () => {
  it('npm start, the Dockerfile, docker-compose and the bench (and crash tests) agree, so what is measured is what runs', () => {
    const start = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> }).scripts.start;
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(new URL('Dockerfile', root), 'utf8'))![1];
    // The compose file's api service overrides the image's CMD.
    const compose = /^ {4}command: (\[.*api\/src\/main\.js"\])$/m.exec(readFileSync(new URL('docker-compose.yml', root), 'utf8'))![1];
    expect(API_NODE_FLAGS.length).toBeGreaterThan(0);
    expect(flagsBefore(ENTRY, start.split(' '))).toEqual(API_NODE_FLAGS);
    expect(flagsBefore(ENTRY, JSON.parse(cmd) as string[])).toEqual(API_NODE_FLAGS);
    expect(flagsBefore(ENTRY, JSON.parse(compose) as string[])).toEqual(API_NODE_FLAGS);
  });
});
