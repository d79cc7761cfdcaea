// Prints one plain closing line, "tests: N passed, N failed, N skipped", after jest's own
// summary, so that CI (which reads a run's closing lines) counts what ran.
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failedSuites = results.numFailedTestSuites > 0 ? ` (${results.numFailedTestSuites} suites failed)` : '';
    process.stdout.write(
      `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped${failedSuites}\n`,
    );
  }
}
