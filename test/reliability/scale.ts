/**
 * Sizes of the reliability scenarios: small in `npm test`, full with `npm run test:stress`
 * (TABLEKIT_STRESS=1). Stress runs also write each scenario's figures to .tmp/reliability/ so
 * docs/reliability.md can quote the last run.
 */
import { mkdirSync, writeFileSync } from "node:fs";

/** Whether this is a stress run. */
export const STRESS = process.env["TABLEKIT_STRESS"] === "1";

/** `small` in normal runs, `full` in stress runs. */
export function scale(small: number, full: number): number {
  return STRESS ? full : small;
}

/** Records a scenario's figures (stress runs only). */
export function report(scenario: string, backend: string, figures: Record<string, unknown>): void {
  if (!STRESS) return;
  mkdirSync(".tmp/reliability", { recursive: true });
  writeFileSync(`.tmp/reliability/${scenario}-${backend}.json`, JSON.stringify({ scenario, backend, at: new Date().toISOString(), ...figures }, null, 2));
}

/** Counts unhandled promise rejections while `fn` runs. */
export async function countUnhandledRejections(fn: () => Promise<void>): Promise<number> {
  let count = 0;
  const listener = () => {
    count++;
  };
  process.on("unhandledRejection", listener);
  try {
    await fn();
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    process.off("unhandledRejection", listener);
  }
  return count;
}
