// GroupCommit (durable-objects/group-commit.ts) alone, with plain functions for writes: a write that finds it
// idle runs at once; writes submitted meanwhile run together in a later turn, in order; a write that throws
// rejects only its own promise; the after-work runs once per turn and its failure rejects no answer.
import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../durable-objects/group-commit';

const nextTurn = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('GroupCommit', () => {
  it('runs the first write at once and gathers the ones after it into the next turn, in order', async () => {
    const ran: string[] = [];
    const group = new GroupCommit(async () => {
      ran.push('after');
    });
    const first = group.submit(() => (ran.push('a'), 'a'));
    expect(ran, 'the idle write ran synchronously').toEqual(['a']);
    const second = group.submit(() => (ran.push('b'), 'b'));
    const third = group.submit(() => (ran.push('c'), 'c'));
    expect(ran).toEqual(['a']);
    expect(await Promise.all([first, second, third])).toEqual(['a', 'b', 'c']);
    expect(ran).toEqual(['a', 'after', 'b', 'c', 'after']);
  });

  it('rejects only the write that threw', async () => {
    const group = new GroupCommit(async () => {});
    const first = group.submit(() => 1);
    const failing = group.submit(() => {
      throw new Error('refused');
    });
    const last = group.submit(() => 3);
    await expect(failing).rejects.toThrow('refused');
    expect(await first).toBe(1);
    expect(await last).toBe(3);
  });

  it('answers without waiting for the after-work, and its failure rejects no answer', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const group = new GroupCommit(async () => {
      calls++;
      await held;
      throw new Error('hook failed');
    });
    const answers = [group.submit(() => 'x'), group.submit(() => 'y')];
    expect(await Promise.all(answers)).toEqual(['x', 'y']);
    expect(calls, 'once per turn that ran writes').toBe(2);
    release();
    await nextTurn();
    expect(await group.submit(() => 'z')).toBe('z');
  });
});
