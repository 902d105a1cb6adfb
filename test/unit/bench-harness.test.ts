import { describe, expect, it } from "vitest";
import { repetitionOrder } from "../../bench/harness/measure.js";
import { pairedRatio } from "../../bench/harness/stats.js";

describe("bench: paired ratios", () => {
  it("takes the median of the per-repetition ratios, not the ratio of the medians", () => {
    const tablekit = [170, 105, 168, 180, 160];
    const raw = [214, 166, 223, 200, 215];
    // per repetition: 1.259, 1.581, 1.327, 1.111, 1.344; the medians' ratio would be 214 / 168
    expect(pairedRatio(raw, tablekit)).toBeCloseTo(223 / 168, 10);
    expect(pairedRatio(tablekit, raw)).toBeCloseTo(168 / 223, 10);
  });

  it("falls back to the ratio of the medians when the counts differ", () => {
    expect(pairedRatio([4, 6, 8], [2, 2])).toBe(3);
  });
});

describe("bench: repetition order", () => {
  const e = (name: string, role: "tablekit" | "raw" | "peer" | "reference") => ({ name, role });
  const names = (xs: { name: string }[]) => xs.map((x) => x.name).join(" ");

  it("keeps tablekit between the raw drivers, reversing the block and rotating it among the peers", () => {
    const live = [e("tk", "tablekit"), e("pg", "raw"), e("pjs", "raw"), e("kysely", "peer"), e("knex", "peer")];
    expect([0, 1, 2, 3].map((rep) => names(repetitionOrder(live, rep)))).toEqual([
      "pg tk pjs kysely knex",
      "kysely knex pjs tk pg",
      "knex pg tk pjs kysely",
      "pjs tk pg kysely knex",
    ]);
  });

  it("runs every contender once per repetition, with one raw driver or none", () => {
    const live = [e("tk", "tablekit"), e("raw", "raw"), e("map", "reference"), e("keyv", "peer")];
    for (let rep = 0; rep < 6; rep++) expect(names(repetitionOrder(live, rep)).split(" ").sort()).toEqual(["keyv", "map", "raw", "tk"]);
    expect(names(repetitionOrder(live, 1))).toBe("map keyv tk raw");
    expect(names(repetitionOrder([e("tk", "tablekit"), e("knex", "peer")], 1))).toBe("knex tk");
  });
});
