/** The KV keyring alone: nonces, the stored format, and what it shows of itself. */
import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { KVKeyring, sealedKeyId } from "../../src/kv/encryption.js";
import { DecryptionError } from "../../src/kv/kv-errors.js";

describe("KVKeyring", () => {
  it("seals with a fresh nonce every time, across refills of the nonce pool", () => {
    const ring = KVKeyring.from({ key: randomBytes(32) });
    const nonces = new Set<string>();
    for (let i = 0; i < 3_000; i++) {
      const sealed = ring.seal("k", "k", '"v"');
      const body = Buffer.from(sealed.slice(sealed.lastIndexOf(":") + 1), "base64");
      nonces.add(body.subarray(0, 12).toString("hex"));
      expect(ring.open("k", sealed, "t")).toBe('"v"');
    }
    expect(nonces.size).toBe(3_000);
  });

  it("writes tk1e:<key id>:<base64>, the key id a stable fingerprint that differs per key", () => {
    const key = randomBytes(32);
    const a = KVKeyring.from({ key });
    const b = KVKeyring.from({ key: Buffer.from(key) });
    const sealed = a.seal("k", "k", "1");
    expect(sealed).toMatch(/^tk1e:[A-Za-z0-9_-]{12}:[A-Za-z0-9+/=]+$/);
    expect(sealedKeyId(sealed)).toBe(a.currentId);
    expect(b.currentId).toBe(a.currentId);
    expect(KVKeyring.from({ key: randomBytes(32) }).currentId).not.toBe(a.currentId);
    expect(b.open("k", sealed, "t")).toBe("1");
    expect(() => b.open("other", sealed, "t")).toThrow(DecryptionError);
  });

  it("shows key ids only", () => {
    const key = randomBytes(32);
    const ring = KVKeyring.from({ key, nameKey: randomBytes(32) });
    for (const text of [inspect(ring, { showHidden: true, depth: 5 }), String(ring), JSON.stringify(ring)]) {
      expect(text).toContain(ring.currentId);
      expect(text).not.toContain(key.toString("hex"));
      expect(text).not.toContain(key.toString("base64"));
    }
  });
});
