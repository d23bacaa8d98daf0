// A node:test reporter that prints only the final tally, "N passed, N failed", as the last line.
export default async function* summaryReporter(source) {
  let passed = 0;
  let failed = 0;
  for await (const event of source) {
    // Count leaf tests only: a suite's own pass/fail would count its tests twice.
    if (event.type === 'test:pass' && event.data.details?.type !== 'suite') passed++;
    if (event.type === 'test:fail' && event.data.details?.type !== 'suite') failed++;
  }
  yield `${passed} passed, ${failed} failed\n`;
}
