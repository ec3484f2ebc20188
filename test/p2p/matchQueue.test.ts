import { describe, expect, it } from 'vitest';
import { MatchQueue } from '../../src/p2p/matchQueue.js';
import { mulberry32 } from '../helpers/fakeEndpoint.js';

describe('MatchQueue', () => {
  it('behaves as an array with splice under random pushes and removals anywhere, through compactions', () => {
    const random = mulberry32(42);
    const queue = new MatchQueue<number>();
    const model: number[] = [];
    for (let step = 0; step < 20_000; step++) {
      if (model.length === 0 || random() < 0.55) {
        queue.push(step);
        model.push(step);
      } else {
        // Mostly near the front, as matching takes them, sometimes anywhere.
        const index = random() < 0.8 ? Math.floor(random() * Math.min(3, model.length)) : Math.floor(random() * model.length);
        expect(queue.removeAt(index)).toBe(model.splice(index, 1)[0]);
      }
      if (step % 997 === 0) expect([...queue]).toEqual(model);
    }
    expect(queue.length).toBe(model.length);
    expect(queue.indexOf(model[model.length - 1]!)).toBe(model.length - 1);
    expect(queue.indexOf(-1)).toBe(-1);
    expect(queue.removeWhere((n) => n % 2 === 0)).toEqual(model.filter((n) => n % 2 === 0));
    expect([...queue]).toEqual(model.filter((n) => n % 2 !== 0));
  });

  it('drains 300 000 entries from the front in linear time, where splice would take minutes', () => {
    const queue = new MatchQueue<number>();
    for (let i = 0; i < 300_000; i++) queue.push(i);
    let sum = 0;
    while (queue.length > 0) sum += queue.removeAt(queue.length > 1 ? 1 : 0);
    expect(sum).toBe((300_000 * 299_999) / 2);
  });
});
