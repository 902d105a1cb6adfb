/**
 * Keyv over tablekit, with values encrypted at rest: a Keyv cache (the interface libraries such as
 * cacheable accept) on a KVStore whose values are AES-256-GCM ciphertext in the database, then a
 * key rotation with progress. With no configuration it uses the embedded SQLite file ./tablekit.db;
 * set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run the same code on
 * PostgreSQL. It drops its table at the end, and removes ./tablekit.db if it created the file.
 *
 * Run it: npm exec -- tsx examples/kv-keyv-encrypted.ts
 */
import { randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import Keyv from "keyv";
import { KeyvTablekit } from "tablekit/keyv";
import { KVStore, DecryptionError, EncryptionKeyError } from "tablekit";

const TABLE = "example_encrypted_cache";

async function main(): Promise<void> {
  // In an application the key comes from a secret store: Buffer.from(process.env.KV_KEY!, "base64").
  const key = randomBytes(32);
  const store = await KVStore.open({ url: process.env["DATABASE_URL"], table: TABLE, encryption: { key } });
  try {
    const cache = new Keyv({ store: new KeyvTablekit(store), namespace: "tokens", throwOnErrors: true });
    await cache.set("github", { token: "ghp_example", scopes: ["repo"] }, 60_000);
    console.log("read through Keyv:", await cache.get("github"));

    const [row] = await store.execute<{ value: string }>(`SELECT "value" FROM "${TABLE}" WHERE "key" = ?`, ["tokens:github"]);
    console.log("as stored:", `${row!.value.slice(0, 40)}…`, row!.value.includes("ghp_example") ? "(plaintext!)" : "(no plaintext)");

    // A wrong key is refused when the store opens, before it can write anything.
    await KVStore.open({ url: process.env["DATABASE_URL"], table: TABLE, encryption: { key: randomBytes(32) } }).catch((error: unknown) => {
      console.log("wrong key:", error instanceof EncryptionKeyError ? "EncryptionKeyError" : error);
    });

    // Rotation: new writes use the new key at once; older values are re-encrypted in batches.
    for (let i = 0; i < 25; i++) await cache.set(`service-${i}`, { token: `t${i}` });
    const newKey = randomBytes(32);
    const done = await store.rotate(newKey, { batchSize: 10, onProgress: (p) => console.log(`rotated ${p.examined}/${p.total}`) });
    console.log(`${done.reencrypted} values re-encrypted; key id now ${store.encryptionKeyId}`);
    console.log("after rotation:", await cache.get("service-7"));

    // Tampering is detected: flip one character of the stored ciphertext.
    await store.execute(
      `UPDATE "${TABLE}" SET "value" = substr("value", 1, 39) || CASE WHEN substr("value", 40, 1) = 'A' THEN 'B' ELSE 'A' END || substr("value", 41) WHERE "key" = ?`,
      ["tokens:service-3"],
    );
    await store.getFresh("tokens:service-3").catch((error: unknown) => console.log("tampered:", error instanceof DecryptionError ? "DecryptionError" : error));
  } finally {
    await store.dropTable(TABLE);
    await store.close();
  }
}

// Without DATABASE_URL the store uses ./tablekit.db: remove it afterwards if this example created it.
const embeddedFile = process.env["DATABASE_URL"] === undefined && !existsSync("tablekit.db") ? "tablekit.db" : undefined;
try {
  await main();
} finally {
  if (embeddedFile !== undefined) for (const suffix of ["", "-wal", "-shm"]) rmSync(`${embeddedFile}${suffix}`, { force: true });
}
