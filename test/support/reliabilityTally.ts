// Counts, per category, the faults and bad inputs a reliability test file tried and how many the
// product survived (handled as documented in docs/reliability.md), and prints one line per category
// when the file ends:
//     [reliability] <category>: N tried, N survived
// A fault that is not survived still fails its test (the assertion error propagates); the tally only
// makes the acceptance numbers visible. When scripts/test.sh runs the suite (LDAPUM_TEST_RUN set),
// the lines are also appended to one file per run, so a summary over all files can be printed.
import { appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

interface Count {
  tried: number;
  survived: number;
  failures: string[];
}

const counts = new Map<string, Count>();
// Registered when the test file imports this module (at its top level), so the hook belongs to the
// file's root and runs once, after every test of the file.
after(printTally);

/** The file every test process of one `npm test` run appends its tally lines to. */
export function tallyFilePath(): string | undefined {
  const run = process.env.LDAPUM_TEST_RUN;
  return run ? join(tmpdir(), `ldapum-reliability-${run.replace(/[^A-Za-z0-9_-]/g, '_')}.log`) : undefined;
}

function countOf(category: string): Count {
  let count = counts.get(category);
  if (!count) {
    count = { tried: 0, survived: 0, failures: [] };
    counts.set(category, count);
  }
  return count;
}

/** The tally lines so far, one per category, in the order categories were first used. */
export function tallyLines(): string[] {
  return [...counts].map(([category, c]) => `[reliability] ${category}: ${c.tried} tried, ${c.survived} survived`);
}

function printTally(): void {
  const lines = tallyLines();
  if (lines.length === 0) return;
  const failed = [...counts].flatMap(([category, c]) => c.failures.map((f) => `[reliability] ${category}: NOT survived: ${f}`));
  const text = [...lines, ...failed].join('\n');
  console.log(text);
  const file = tallyFilePath();
  if (file) {
    try {
      appendFileSync(file, `${lines.join('\n')}\n`);
    } catch {
      // the console line is what counts
    }
  }
}

/** Records one fault of `category` as tried, and as survived or not. */
export function recordFault(category: string, fault: string, survived: boolean): void {
  const count = countOf(category);
  count.tried++;
  if (survived) count.survived++;
  else count.failures.push(fault);
}

/**
 * Runs one fault's check: counted as survived when `check` completes, as not survived when it
 * throws — and the error is rethrown, so the test fails with the assertion's message.
 */
export async function tryFault<T>(category: string, fault: string, check: () => T | Promise<T>): Promise<T> {
  try {
    const result = await check();
    recordFault(category, fault, true);
    return result;
  } catch (error) {
    recordFault(category, fault, false);
    throw error;
  }
}

/**
 * Like {@link tryFault} for a list of inputs checked in one test: every input is tried (one failure
 * does not hide the others), then the first failure is rethrown with the names of all failing inputs.
 */
export async function tryEach<I>(category: string, inputs: readonly I[], name: (input: I) => string, check: (input: I) => unknown): Promise<void> {
  const failures: { name: string; error: unknown }[] = [];
  for (const input of inputs) {
    try {
      await tryFault(category, name(input), () => check(input));
    } catch (error) {
      failures.push({ name: name(input), error });
    }
  }
  if (failures.length > 0) {
    const first = failures[0].error;
    const summary = `${failures.length} of ${inputs.length} ${category} inputs not handled: ${failures.map((f) => JSON.stringify(f.name)).join(', ')}`;
    if (first instanceof Error) {
      first.message = `${summary}\nfirst failure (${failures[0].name}): ${first.message}`;
      throw first;
    }
    throw new Error(`${summary}: ${String(first)}`);
  }
}
