// Counts the HTTP requests an AWS SDK v3 client really sends (every attempt, retries included)
// by operation, and for DynamoDB the read capacity the service reports for them.

/** The part of an SDK client the counter needs: its middleware stack. */
interface WithMiddleware {
  readonly middlewareStack: {
    add(middleware: unknown, options: { step: 'initialize' | 'deserialize'; name?: string }): void;
  };
}

type Handler = (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>;

class RequestCounter {
  private readonly counts = new Map<string, number>();
  private capacity = 0;

  /**
   * Counts `client`'s requests. With `askCapacity`, every read also asks DynamoDB for
   * ReturnConsumedCapacity TOTAL (only what the reply reports changes), summed by `capacityUnits`.
   */
  public attach(client: WithMiddleware, options: { askCapacity?: boolean } = {}): this {
    // The deserialize step runs once per HTTP attempt, inside the SDK's retry loop (before the
    // reply is parsed); the initialize step once per call, with the parsed reply.
    client.middlewareStack.add(
      (next: Handler, context: { commandName?: string }) => async (args: { input: Record<string, unknown> }) => {
        const name = (context.commandName ?? 'unknown').replace(/Command$/, '');
        this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
        return next(args);
      },
      { step: 'deserialize', name: 'testRequestCounter' },
    );
    client.middlewareStack.add(
      (next: Handler) => async (args: { input: Record<string, unknown> }) => {
        if (options.askCapacity === true && args.input['TransactItems'] === undefined) args.input['ReturnConsumedCapacity'] = 'TOTAL';
        const result = await next(args);
        const consumed = result.output['ConsumedCapacity'] as { CapacityUnits?: number } | undefined;
        this.capacity += consumed?.CapacityUnits ?? 0;
        return result;
      },
      { step: 'initialize', name: 'testCapacityCounter' },
    );
    return this;
  }

  /** Requests per operation since the last reset (GetItem, Query, HeadObject…). */
  public get byOperation(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.counts);
  }

  public count(operation: string): number {
    return this.counts.get(operation) ?? 0;
  }

  public get total(): number {
    return [...this.counts.values()].reduce((sum, n) => sum + n, 0);
  }

  /** Capacity units DynamoDB reported for the counted requests. */
  public get capacityUnits(): number {
    return this.capacity;
  }

  public reset(): void {
    this.counts.clear();
    this.capacity = 0;
  }
}

export { RequestCounter };
