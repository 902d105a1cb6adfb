/**
 * Adversary (KV adapters offered by the dialect): what Keyv is told before the store opens.
 *
 * Found by the adversary run: `KeyvTablekit` tells Keyv the backend from the URL it was given
 * (`dialectForUrl` in src/backends/registry.ts) before connecting, and Keyv reads it once. The
 * Database trims a URL (`resolveConfig`), the registry did not: `"  postgres://…"` (a URL read from
 * a file or pasted) connected to PostgreSQL while Keyv was told `"sqlite"`. Fixed in dialectForUrl.
 */
import { describe, expect, it } from "vitest";
import { dialectForUrl } from "../../src/backends/registry.js";
import { resolveConfig } from "../../src/config/connection-config.js";
import { KeyvTablekit } from "../../src/keyv.js";

const URLS = ["postgres://127.0.0.1:1/app", " postgresql://h/db", "\tcockroachdb://h/db\n", " sqlite:x.db", "  x.db ", " :memory:"];

describe("the backend a URL names, for Keyv and for the Database alike", () => {
  it("dialectForUrl names the backend resolveConfig connects to, whitespace around the URL included", () => {
    for (const url of URLS) {
      const connects = resolveConfig(url, {}).dialect;
      expect([url, dialectForUrl(url)?.name]).toEqual([url, connects]);
    }
  });

  it("KeyvTablekit tells Keyv \"postgres\" for a PostgreSQL URL with a leading blank", async () => {
    const adapter = new KeyvTablekit({ url: "  postgres://127.0.0.1:1/app?connect_timeout=1" });
    adapter.on("error", () => undefined);
    expect(adapter.opts.dialect).toBe("postgres");
    await adapter.disconnect().catch(() => undefined);
  });
});
