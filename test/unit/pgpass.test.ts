/** libpq's password-file rules (src/backends/postgres/pgpass.ts). */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { passwordFromFile } from "../../src/backends/postgres/pgpass.js";

const dir = mkdtempSync(join(tmpdir(), "tablekit-pgpass-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(text: string, mode = 0o600): string {
  const path = join(dir, `pgpass-${++n}`);
  writeFileSync(path, text, { mode });
  chmodSync(path, mode);
  return path;
}

const target = { host: "db.example.com", port: 5432, database: "shop", user: "app" };

describe("passwordFromFile", () => {
  it("returns the first matching line's password; * matches anything; # lines are comments", () => {
    const path = file(["# db.example.com:5432:shop:app:commented", "other:5432:shop:app:no", "db.example.com:*:shop:app:first", "*:*:*:*:second", ""].join("\n"));
    expect(passwordFromFile(path, target)).toBe("first");
    expect(passwordFromFile(path, { ...target, host: "elsewhere" })).toBe("second");
  });

  it("matches every field literally, the port as a decimal number", () => {
    const path = file("db.example.com:6543:shop:app:p1\ndb.example.com:5432:Shop:app:p2\ndb.example.com:5432:shop:APP:p3\n");
    expect(passwordFromFile(path, target)).toBeUndefined();
    expect(passwordFromFile(path, { ...target, port: 6543 })).toBe("p1");
  });

  it("unescapes \\: and \\\\ in every field; an escaped * is literal; the password ends at an unescaped colon", () => {
    const path = file("db.example.com:5432:sh\\:op:app:pa\\:ss\\\\word:ignored\n\\*:5432:shop:app:literal-star\r\n");
    expect(passwordFromFile(path, { ...target, database: "sh:op" })).toBe("pa:ss\\word");
    expect(passwordFromFile(path, { ...target, host: "*" })).toBe("literal-star");
    expect(passwordFromFile(path, { ...target, host: "x" })).toBeUndefined();
  });

  it("matches localhost for a Unix socket in a default directory, and the directory itself otherwise", () => {
    const path = file("localhost:5432:shop:app:via-localhost\n/srv/pg:5432:shop:app:via-dir\n");
    expect(passwordFromFile(path, { ...target, host: "/var/run/postgresql" })).toBe("via-localhost");
    expect(passwordFromFile(path, { ...target, host: "/srv/pg" })).toBe("via-dir");
  });

  it("ignores a group- or world-accessible file, a directory, and a missing file", () => {
    expect(passwordFromFile(file("*:*:*:*:pw\n", 0o640), target)).toBeUndefined();
    expect(passwordFromFile(file("*:*:*:*:pw\n", 0o604), target)).toBeUndefined();
    expect(passwordFromFile(file("*:*:*:*:pw\n", 0o400), target)).toBe("pw");
    expect(passwordFromFile(dir, target)).toBeUndefined();
    expect(passwordFromFile(join(dir, "missing"), target)).toBeUndefined();
  });

  it("skips lines with fewer than five fields", () => {
    expect(passwordFromFile(file("db.example.com:5432:shop:app\n*:*:*:*:ok\n"), target)).toBe("ok");
  });
});
