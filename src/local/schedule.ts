/** A job the local stack runs every few seconds, as EventBridge Scheduler runs it on AWS. */
interface Schedule {
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `job` every `intervalMs`, one run at a time: the next run starts `intervalMs` after the
 * previous one ended, so a slow run delays the next instead of piling up. Errors go to `onError`.
 */
function startSchedule(intervalMs: number, job: () => Promise<void>, onError: (error: unknown) => void): Schedule {
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = (): void => {
    running = job().catch(onError).finally(() => {
      running = undefined;
      if (!stopped) timer = setTimeout(tick, intervalMs);
    });
  };
  timer = setTimeout(tick, intervalMs);
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

export { startSchedule };
export type { Schedule };
