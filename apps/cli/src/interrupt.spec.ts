import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Interrupted, interruptible } from './interrupt.js';

const MESSAGES = { stopping: 'stopping at the next batch', stopped: 'nothing was changed', left: 'its files are left' };
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
/** Work that takes a while to clean up once aborted. */
const slowToStop = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => setTimeout(() => reject(signal.reason), 50)));
/** Work that runs until its signal aborts, then rejects with the reason (as a rebuild's next batch does). */
const untilAborted = (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));

describe('interruptible', () => {
  let said: string;
  beforeEach(() => {
    said = '';
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((said += String(chunk)), true));
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('aborts the work at the first %s with an Interrupted saying the outcome (exit code %i)', async (signal, exitCode) => {
    const work = interruptible(MESSAGES, untilAborted);
    process.emit(signal, signal);
    const stopped = await work.catch((error: unknown) => error);
    expect(stopped).toBeInstanceOf(Interrupted);
    expect((stopped as Interrupted).message).toBe(`Interrupted (${signal}): nothing was changed`);
    expect((stopped as Interrupted).exitCode).toBe(exitCode);
    expect(said).toContain(`Stopping (${signal}): stopping at the next batch`);
  });

  it('exits at once at a second signal in a later turn of the event loop, saying that what was being written is left', async () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const work = interruptible(MESSAGES, slowToStop).catch(() => undefined);
    process.emit('SIGINT', 'SIGINT');
    await nextTurn();
    expect(exit).not.toHaveBeenCalled();
    process.emit('SIGINT', 'SIGINT');
    expect(exit).toHaveBeenCalledWith(130);
    expect(said).toContain('Stopped at once (SIGINT): its files are left');
    await work;
  });

  it('takes two signals handled in one turn (both sent while the process was busy) as one', async () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const work = interruptible(MESSAGES, slowToStop).catch((error: unknown) => error);
    process.emit('SIGINT', 'SIGINT');
    process.emit('SIGINT', 'SIGINT');
    expect(exit).not.toHaveBeenCalled();
    expect(await work).toBeInstanceOf(Interrupted);
    expect(said).not.toContain('Stopped at once');
  });

  it('hands the signals back when the work ends, however it ends', async () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    expect(await interruptible(MESSAGES, async () => 'done')).toBe('done');
    await expect(interruptible(MESSAGES, async () => Promise.reject(new Error('failed')))).rejects.toThrow('failed');
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
  });
});
