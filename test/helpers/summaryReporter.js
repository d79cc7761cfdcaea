// Prints one plain closing line, "tests: N passed, N failed, N skipped", as the very last line
// of the run (after jest's own summary), so that CI, which reads a run's closing lines, counts
// what ran.
import { writeSync } from 'node:fs';

export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`;
    // jest prints its summary after the reporters' onRunComplete; 'exit' comes after all of it.
    process.once('exit', () => writeSync(1, line));
  }
}
