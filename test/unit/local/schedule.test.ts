import { startSchedule } from '../../../src/local/schedule.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('Function: startSchedule', () => {
  it('runs the job again and again, never two runs at once, and stop() waits for the run in progress', async () => {
    // Prepare
    let running = 0;
    let most = 0;
    let runs = 0;
    let finished = 0;
    const schedule = startSchedule(5, async () => {
      running += 1;
      most = Math.max(most, running);
      runs += 1;
      await sleep(20);
      running -= 1;
      finished += 1;
    }, () => undefined);

    // Act
    await sleep(150);
    await schedule.stop();
    const runsAtStop = runs;
    await sleep(50);

    // Assess
    expect(runsAtStop).toBeGreaterThanOrEqual(3);
    expect(most).toBe(1);
    expect(finished).toBe(runsAtStop);
    expect(runs).toBe(runsAtStop);
  });

  it('reports a failed run and keeps going', async () => {
    // Prepare
    const errors: unknown[] = [];
    let runs = 0;
    const schedule = startSchedule(5, async () => {
      runs += 1;
      throw new Error(`run ${runs}`);
    }, (error) => errors.push(error));

    // Act
    await sleep(60);
    await schedule.stop();

    // Assess
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(errors).toHaveLength(runs);
    expect((errors[0] as Error).message).toBe('run 1');
  });
});
