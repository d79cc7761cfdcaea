import { DEADLINE_MARGIN_MS, DEFAULT_BUDGET_MS, deadlineFrom } from '../../../src/withdrawal/index.js';

describe('Function: deadlineFrom', () => {
  it("keeps a margin back from the Lambda's remaining time", () => {
    expect(deadlineFrom(60_000, 1_000)).toBe(1_000 + 60_000 - DEADLINE_MARGIN_MS);
  });

  it('gives the default budget when there is no Lambda context (the local runners)', () => {
    expect(deadlineFrom(undefined, 1_000)).toBe(1_000 + DEFAULT_BUDGET_MS);
  });

  it('never sets the deadline before now, however little time is left', () => {
    expect(deadlineFrom(DEADLINE_MARGIN_MS - 1, 5_000)).toBe(5_000);
  });
});
