/**
 * The server's log lines: those of one turn of the event loop reach stderr in one write, in order,
 * and none is kept back once the turn ends or the server flushes at shutdown.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BatchedLines } from '../../packages/server/src/server/batched-lines.js';

function target() {
  const writes: string[] = [];
  return { writes, write: (text: string) => writes.push(text) };
}

describe('batched log lines', () => {
  it('writes the lines of one turn together, in order, when the turn ends', async () => {
    const t = target();
    const lines = new BatchedLines(t);
    lines.write('a\n');
    lines.write('b\n');
    lines.write('c\n');
    expect(t.writes).toEqual([]);
    await nextTurn();
    expect(t.writes).toEqual(['a\nb\nc\n']);
    lines.write('d\n');
    await nextTurn();
    expect(t.writes).toEqual(['a\nb\nc\n', 'd\n']);
  });

  it('writes what it holds at once on flush, and nothing twice', async () => {
    const t = target();
    const lines = new BatchedLines(t);
    lines.flush();
    expect(t.writes).toEqual([]);
    lines.write('a\n');
    lines.flush();
    expect(t.writes).toEqual(['a\n']);
    await nextTurn();
    expect(t.writes).toEqual(['a\n']);
  });

  it('keeps the lines written while a flush is scheduled for that flush', async () => {
    const t = target();
    const lines = new BatchedLines(t);
    lines.write('a\n');
    await nextTurn();
    lines.write('b\n');
    lines.flush();
    lines.write('c\n');
    await nextTurn();
    expect(t.writes.join('')).toBe('a\nb\nc\n');
  });
});
