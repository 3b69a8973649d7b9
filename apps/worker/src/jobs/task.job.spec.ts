import { forEachBounded } from './task.job';

describe('forEachBounded', () => {
  it('never runs more than the bound at once and runs every item', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachBounded([...Array(20).keys()], 3, async (item) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(item);
      running -= 1;
    });
    expect(peak).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
  });

  it('after an error starts nothing new and throws the first error', async () => {
    const started: number[] = [];
    await expect(
      forEachBounded([...Array(10).keys()], 2, async (item) => {
        started.push(item);
        if (item === 3) throw new Error('boom');
        await new Promise((resolve) => setImmediate(resolve));
      }),
    ).rejects.toThrow('boom');
    expect(started.length).toBeLessThanOrEqual(5);
  });
});
