/** What every create benchmark prints and how it ends: one place, so their figures read alike. */
export function printPhases(timings: Array<{ phase: string; ms: number }>): void {
  for (const t of timings) console.log(`  ${t.phase.padEnd(22)} ${(t.ms / 1000).toFixed(2)} s`);
}

/** Runs a benchmark's main, turning a failure into its message and exit code 1. */
export function runBenchmark(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
