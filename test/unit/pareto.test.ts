import { describe, expect, it } from 'vitest';
import { paretoFront, paretoSteps } from '../../src-shared/pareto.js';

const ids = (ps: { id: string }[]) => ps.map((p) => p.id);

describe('Pareto front of accuracy against cost', () => {
  it('keeps the runs no other run beats on both cost and accuracy, cheapest first', () => {
    const r = paretoFront([
      { id: 'big', cost: 100, acc: 0.9 },
      { id: 'small', cost: 10, acc: 0.8 },
      { id: 'worse', cost: 50, acc: 0.75 },
      { id: 'mid', cost: 40, acc: 0.85 },
      { id: 'huge-but-worse', cost: 200, acc: 0.89 },
    ]);
    expect(ids(r.front)).toEqual(['small', 'mid', 'big']);
    expect(ids(r.dominated)).toEqual(['worse', 'huge-but-worse']);
    expect(r.frontIds.has('mid')).toBe(true);
  });

  it('on equal cost only the most accurate stays', () => {
    const r = paretoFront([
      { id: 'a', cost: 10, acc: 0.7 },
      { id: 'b', cost: 10, acc: 0.8 },
      { id: 'c', cost: 20, acc: 0.85 },
    ]);
    expect(ids(r.front)).toEqual(['b', 'c']);
    expect(ids(r.dominated)).toEqual(['a']);
  });

  it('equal points are all on the front; the same accuracy at a higher cost is dominated', () => {
    const r = paretoFront([
      { id: 'x', cost: 10, acc: 0.8 },
      { id: 'y', cost: 10, acc: 0.8 },
      { id: 'z', cost: 30, acc: 0.8 },
    ]);
    expect(ids(r.front)).toEqual(['x', 'y']);
    expect(ids(r.dominated)).toEqual(['z']);
  });

  it('unfinished runs (no accuracy) are excluded, neither on the front nor dominated', () => {
    const r = paretoFront([
      { id: 'done', cost: 10, acc: 0.8 },
      { id: 'running', cost: 5, acc: null },
      { id: 'queued', cost: 1, acc: undefined },
      { id: 'nan', cost: 3, acc: Number.NaN },
    ]);
    expect(ids(r.front)).toEqual(['done']);
    expect(ids(r.excluded)).toEqual(['running', 'queued', 'nan']);
    expect(r.dominated).toEqual([]);
    expect(paretoFront([]).front).toEqual([]);
  });

  it('draws the front as a rising step line', () => {
    const front = paretoFront([
      { id: 'a', cost: 1, acc: 0.5 },
      { id: 'b', cost: 4, acc: 0.7 },
    ]).front;
    expect(paretoSteps(front, 10)).toEqual([
      [1, 0.5],
      [4, 0.5],
      [4, 0.7],
      [10, 0.7],
    ]);
  });
});
