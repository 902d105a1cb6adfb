/**
 * The key-value store finds its storage adapter, and the Keyv adapter what to tell Keyv, through
 * the backend contract (`SqlDialect.keyValue`) and the registry (`dialectForUrl`), never by
 * comparing backend names.
 */
import { describe, expect, it } from "vitest";
import { DIALECT_NAMES } from "../../src/config/connection-config.js";
import { dialectForUrl, sqlDialectFor } from "../../src/backends/registry.js";
import { KeyvTablekit } from "../../src/keyv.js";

describe("SqlDialect.keyValue", () => {
  it("every dialect offers a key-value adapter, telling Keyv the name of Keyv's own adapter for it", () => {
    const told = Object.fromEntries(DIALECT_NAMES.map((name) => [name, sqlDialectFor(name).keyValue.keyvDialect]));
    expect(told).toEqual({ sqlite: "sqlite", postgres: "postgres", cockroachdb: "postgres" });
    for (const name of DIALECT_NAMES) expect(typeof sqlDialectFor(name).keyValue.storage).toBe("function");
  });

  it("PostgreSQL and CockroachDB have adapters of their own (the key column's collation differs)", () => {
    expect(sqlDialectFor("postgres").keyValue).not.toBe(sqlDialectFor("cockroachdb").keyValue);
  });
});

describe("dialectForUrl", () => {
  it.each([
    ["sqlite:cache.db", "sqlite"],
    ["file:cache.db", "sqlite"],
    ["cache.db", "sqlite"],
    ["C:\\data\\cache.db", "sqlite"],
    [":memory:", "sqlite"],
    ["", "sqlite"],
    ["postgres://u@h/db", "postgres"],
    ["PostgreSQL://u@h/db", "postgres"],
    ["cockroachdb://root@h:26257/defaultdb", "cockroachdb"],
    ["cockroach://root@h:26257/defaultdb", "cockroachdb"],
  ])("%j names the %s dialect", (url, dialect) => {
    expect(dialectForUrl(url)?.name).toBe(dialect);
  });

  it("gives undefined for a scheme no backend serves", () => {
    expect(dialectForUrl("mysql://u@h/db")).toBeUndefined();
    expect(dialectForUrl("redis://h")).toBeUndefined();
  });
});

describe("KeyvTablekit tells Keyv what the URL names before it connects", () => {
  it.each([
    ["postgresql://app@127.0.0.1:1/app?connect_timeout=1", "postgres"],
    ["cockroach://root@127.0.0.1:1/defaultdb?connect_timeout=1", "postgres"],
    ["sqlite:/nonexistent-dir-tablekit/x/cache.db", "sqlite"],
  ])("%s: opts.dialect is %j", async (url, told) => {
    const adapter = new KeyvTablekit({ url });
    adapter.on("error", () => {});
    expect(adapter.opts.dialect).toBe(told);
    await adapter.kvStore().catch(() => undefined);
    await adapter.disconnect();
  });
});
