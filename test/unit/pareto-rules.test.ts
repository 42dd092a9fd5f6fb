import { describe, expect, it } from 'vitest';
import { paretoFront, paretoSteps } from '../../src-shared/pareto.js';

const ids = (ps: { id: string }[]) => ps.map((p) => p.id);

describe('Pareto front: order, costs that cannot be drawn, ties', () => {
  it('equal points are ordered by id whatever the input order', () => {
    const r = paretoFront([
      { id: 'y', cost: 10, acc: 0.8 },
      { id: 'w', cost: 20, acc: 0.9 },
      { id: 'x', cost: 10, acc: 0.8 },
      { id: 'v', cost: 20, acc: 0.9 },
    ]);
    expect(ids(r.front)).toEqual(['x', 'y', 'v', 'w']);
    expect(r.dominated).toEqual([]);
  });

  // (A NaN cost is refused by the same Number.isFinite; it is left out here because admitting it
  // would hang the grouping loop, NaN !== NaN, instead of failing an assertion.)
  it('refuses negative and infinite costs: excluded, neither on the front nor dominating', () => {
    const r = paretoFront([
      { id: 'neg', cost: -5, acc: 0.99 },
      { id: 'inf', cost: Number.POSITIVE_INFINITY, acc: 0.99 },
      { id: 'minf', cost: Number.NEGATIVE_INFINITY, acc: 0.99 },
      { id: 'ok', cost: 10, acc: 0.8 },
      { id: 'str', cost: '3' as unknown as number, acc: 0.99 },
      { id: 'accinf', cost: 1, acc: Number.POSITIVE_INFINITY },
    ]);
    expect(ids(r.front)).toEqual(['ok']);
    expect(ids(r.excluded)).toEqual(['neg', 'inf', 'minf', 'str', 'accinf']);
    expect([...r.frontIds]).toEqual(['ok']);
  });

  it('a cost of exactly zero is usable', () => {
    const r = paretoFront([
      { id: 'free', cost: 0, acc: 0.5 },
      { id: 'paid', cost: 1, acc: 0.4 },
    ]);
    expect(ids(r.front)).toEqual(['free']);
    expect(ids(r.dominated)).toEqual(['paid']);
    expect(r.excluded).toEqual([]);
  });

  it('a cheaper point with the same accuracy dominates; a dearer, better one joins the front', () => {
    // Hand-worked: a (1, .5) front; b (2, .5) dominated by a; c (2, .6) front; d (3, .55) dominated by c.
    const r = paretoFront([
      { id: 'd', cost: 3, acc: 0.55 },
      { id: 'c', cost: 2, acc: 0.6 },
      { id: 'b', cost: 2, acc: 0.5 },
      { id: 'a', cost: 1, acc: 0.5 },
    ]);
    expect(ids(r.front)).toEqual(['a', 'c']);
    expect(ids(r.dominated)).toEqual(['d', 'b']);
    expect(r.frontIds).toEqual(new Set(['a', 'c']));
  });

  it('the best accuracy among cheaper groups counts, not only the previous group', () => {
    // (1, .9) beats everything after it: (2, .5) and (3, .8) are both dominated.
    const r = paretoFront([
      { id: 'a', cost: 1, acc: 0.9 },
      { id: 'b', cost: 2, acc: 0.5 },
      { id: 'c', cost: 3, acc: 0.8 },
      { id: 'd', cost: 4, acc: 0.95 },
    ]);
    expect(ids(r.front)).toEqual(['a', 'd']);
    expect(ids(r.dominated)).toEqual(['b', 'c']);
  });
});

describe('Pareto step line', () => {
  it('is empty for an empty front, with or without an end', () => {
    expect(paretoSteps([])).toEqual([]);
    expect(paretoSteps([], 10)).toEqual([]);
  });

  it('without an end stops at the last point; an end at or before it adds nothing', () => {
    const front = [
      { id: 'a', cost: 1, acc: 0.5 },
      { id: 'b', cost: 3, acc: 0.6 },
    ];
    expect(paretoSteps(front)).toEqual([
      [1, 0.5],
      [3, 0.5],
      [3, 0.6],
    ]);
    expect(paretoSteps(front, 3)).toEqual(paretoSteps(front));
    expect(paretoSteps(front, 2)).toEqual(paretoSteps(front));
    expect(paretoSteps(front, 4).at(-1)).toEqual([4, 0.6]);
  });

  it('equal points on the front draw no duplicate corners', () => {
    const front = [
      { id: 'x', cost: 1, acc: 0.5 },
      { id: 'y', cost: 1, acc: 0.5 },
      { id: 'z', cost: 2, acc: 0.5 },
    ];
    expect(paretoSteps(front)).toEqual([
      [1, 0.5],
      [2, 0.5],
    ]);
  });
});

describe('Pareto front: id order among equal points in every input order', () => {
  it('all six orders of three equal points give a, b, c', () => {
    const p = (id: string) => ({ id, cost: 5, acc: 0.5 });
    const orders = [
      ['a', 'b', 'c'],
      ['a', 'c', 'b'],
      ['b', 'a', 'c'],
      ['b', 'c', 'a'],
      ['c', 'a', 'b'],
      ['c', 'b', 'a'],
    ];
    for (const order of orders) expect(ids(paretoFront(order.map(p)).front), order.join('')).toEqual(['a', 'b', 'c']);
  });
});
