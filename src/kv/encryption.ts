/**
 * Encryption at rest of {@link KVStore} values: AES-256-GCM from `node:crypto`, a fresh random
 * 96-bit nonce per stored value, and the id of the key that sealed it stored in front, so keys can
 * be rotated. The stored text of an encrypted value is
 *
 * ```text
 * tk1e:<key id>:<base64 of nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)>
 * ```
 *
 * The plaintext is the value's codec text (see codec.ts). The authenticated data is the header and
 * the key name (`tk1e:<key id>:<name>`), so a value copied onto another key, or relabelled with
 * another key id, fails authentication like a modified ciphertext, nonce or tag. The key id is a
 * fingerprint of the key (an HMAC-SHA-256 of a fixed label, truncated to 72 bits): it names the key
 * without revealing it. Key material is held in `KeyObject`s, which never print it.
 *
 * @module
 */
import { type KeyObject, createCipheriv, createDecipheriv, createHmac, createSecretKey, randomFillSync } from "node:crypto";
import { inspect } from "node:util";
import { ValidationError } from "../errors/errors.js";
import { DecryptionError, EncryptionKeyError } from "./kv-errors.js";

/** Options of `KVStore.open(…, { encryption })`. */
export interface KVEncryptionOptions {
  /** The key that encrypts new values: 32 bytes (a `Uint8Array` or `Buffer`). Never logged, never in errors. */
  key: Uint8Array;
  /**
   * Older keys still accepted for reading, e.g. while a {@link KVStore.rotate} that was interrupted
   * is resumed. Values are always written with `key`.
   */
  previousKeys?: readonly Uint8Array[] | undefined;
  /**
   * Hide key names too: with this second 32-byte secret, each name is stored as its keyed hash
   * (`h1:` + base64url HMAC-SHA-256, 46 characters) and the name itself travels inside the
   * ciphertext. Reads by name work as before; prefix scans and `clear({ prefix })` are refused, and
   * `keys()`, `entries()` and scans come in no particular order. Choose it when the table is created:
   * rows stored under plain names are not found under hashed ones. `rotate()` never changes it.
   */
  nameKey?: Uint8Array | undefined;
}

/** The prefix of every encrypted stored value (format version 1). */
export const SEALED_PREFIX = "tk1e:";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_ID_LABEL = "tablekit kv key id v1";
/** The prefix of a hashed key name. */
export const HASHED_NAME_PREFIX = "h1:";

/**
 * Random nonces, drawn from the CSPRNG 1,024 at a time: one `randomBytes(12)` call per value cost
 * more than the encryption itself (a system call each). Every nonce is still fresh random bytes,
 * used once; the pool is refilled only after all of it was handed out.
 */
const noncePool = Buffer.alloc(NONCE_BYTES * 1024);
let nonceOffset = noncePool.length;

function freshNonce(): Buffer {
  if (nonceOffset === noncePool.length) {
    randomFillSync(noncePool);
    nonceOffset = 0;
  }
  const nonce = noncePool.subarray(nonceOffset, nonceOffset + NONCE_BYTES);
  nonceOffset += NONCE_BYTES;
  return nonce;
}

function badKey(path: (string | number)[], got: string): ValidationError {
  const message = `An encryption key must be 32 bytes (a Uint8Array or Buffer); got ${got}`;
  return new ValidationError(message, [{ message, path }]);
}

/** A 32-byte key as a KeyObject (validated; the message never shows key material). */
function secretKey(key: unknown, path: (string | number)[]): KeyObject {
  if (!(key instanceof Uint8Array)) throw badKey(path, key === null ? "null" : typeof key === "string" ? "a string (decode it into bytes first)" : typeof key);
  if (key.byteLength !== KEY_BYTES) throw badKey(path, `${key.byteLength} bytes`);
  return createSecretKey(Buffer.from(key.buffer, key.byteOffset, key.byteLength));
}

/** The public fingerprint of a key: 72 bits of HMAC-SHA-256(key, label), base64url (12 characters). */
function keyIdOf(key: KeyObject): string {
  return createHmac("sha256", key).update(KEY_ID_LABEL).digest().subarray(0, 9).toString("base64url");
}

/** The key id of a stored value, or undefined when it is not an encrypted value. */
export function sealedKeyId(stored: string): string | undefined {
  if (!stored.startsWith(SEALED_PREFIX)) return undefined;
  const end = stored.indexOf(":", SEALED_PREFIX.length);
  return end === -1 ? undefined : stored.slice(SEALED_PREFIX.length, end);
}

/**
 * The keys of one encrypted store: the current key, which seals every new value, and older keys
 * accepted for reading. Holds no key bytes in plain properties: `util.inspect`, `JSON.stringify`
 * and `String()` show key ids only.
 */
export class KVKeyring {
  readonly #current: KeyObject;
  readonly #currentId: string;
  readonly #keys: ReadonlyMap<string, KeyObject>;
  readonly #nameKey: KeyObject | undefined;

  private constructor(current: KeyObject, others: readonly KeyObject[], nameKey: KeyObject | undefined) {
    this.#current = current;
    this.#nameKey = nameKey;
    this.#currentId = keyIdOf(current);
    const keys = new Map<string, KeyObject>([[this.#currentId, current]]);
    for (const key of others) {
      const id = keyIdOf(key);
      if (!keys.has(id)) keys.set(id, key);
    }
    this.#keys = keys;
  }

  /** A keyring from `KVStore.open`'s `encryption` option; bad keys are a {@link ValidationError} naming their length only. */
  static from(options: KVEncryptionOptions): KVKeyring {
    if (typeof options !== "object" || options === null) {
      throw new ValidationError("encryption must be an object such as { key }", [{ message: "must be an object", path: ["encryption"] }]);
    }
    for (const name of Object.keys(options)) {
      if (name !== "key" && name !== "previousKeys" && name !== "nameKey") {
        throw new ValidationError(`encryption has no option ${JSON.stringify(name)}; its options are key, previousKeys, nameKey`, [{ message: "unknown option", path: ["encryption", name] }]);
      }
    }
    const current = secretKey(options.key, ["encryption", "key"]);
    const previous = options.previousKeys ?? [];
    if (!Array.isArray(previous)) throw new ValidationError("encryption.previousKeys must be an array of keys", [{ message: "must be an array", path: ["encryption", "previousKeys"] }]);
    return new KVKeyring(
      current,
      previous.map((key, i) => secretKey(key, ["encryption", "previousKeys", i])),
      options.nameKey === undefined ? undefined : secretKey(options.nameKey, ["encryption", "nameKey"]),
    );
  }

  /** A keyring whose current key is `key`, keeping every key of this one for reading. */
  rotatedTo(key: Uint8Array): KVKeyring {
    return new KVKeyring(secretKey(key, ["newKey"]), [...this.#keys.values()], this.#nameKey);
  }

  /** Whether key names are stored as keyed hashes (`nameKey`). */
  get hashesNames(): boolean {
    return this.#nameKey !== undefined;
  }

  /** The stored form of a key name: the name itself, or its keyed hash with `nameKey`. */
  storedKey(name: string): string {
    const nameKey = this.#nameKey;
    return nameKey === undefined ? name : HASHED_NAME_PREFIX + createHmac("sha256", nameKey).update(name, "utf8").digest("base64url");
  }

  /** The id of the key that seals new values. */
  get currentId(): string {
    return this.#currentId;
  }

  /** Whether values sealed with key id `id` can be read. */
  knows(id: string): boolean {
    return this.#keys.has(id);
  }

  /**
   * Encrypts the codec text of the value of `name`, stored under `stored` (see {@link KVKeyring.storedKey}).
   * With hashed names the plaintext is `name`, U+0000, then the text (names never contain U+0000).
   */
  seal(stored: string, name: string, text: string): string {
    const plain = this.#nameKey === undefined ? text : `${name}\u0000${text}`;
    const nonce = freshNonce();
    const header = `${SEALED_PREFIX}${this.#currentId}:`;
    const cipher = createCipheriv("aes-256-gcm", this.#current, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(header + stored, "utf8"));
    const body = Buffer.concat([nonce, cipher.update(plain, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return header + body.toString("base64");
  }

  /** The codec text of the value stored under `stored`; see {@link KVKeyring.openEntry}. */
  open(stored: string, value: string, table: string): string {
    return this.openEntry(stored, value, table)[1];
  }

  /**
   * The key name and codec text of the value stored under `stored`. A value sealed with a key this ring does not hold is an
   * {@link EncryptionKeyError}; a value that is not encrypted, or fails authentication (modified
   * ciphertext, nonce or tag, or copied from another key) is a {@link DecryptionError}.
   */
  openEntry(name: string, stored: string, table: string): [string, string] {
    const id = sealedKeyId(stored);
    if (id === undefined) throw new DecryptionError(name, table, "the stored value is not encrypted (written without encryption, or by other SQL); rotate() encrypts such values");
    const key = this.#keys.get(id);
    if (key === undefined) throw new EncryptionKeyError(table, id, this.#currentId);
    const header = `${SEALED_PREFIX}${id}:`;
    const body = Buffer.from(stored.slice(header.length), "base64");
    let plain: string;
    if (body.length < NONCE_BYTES + TAG_BYTES) throw new DecryptionError(name, table, "the stored value is too short to be an encrypted value");
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, body.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(header + name, "utf8"));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      plain = Buffer.concat([decipher.update(body.subarray(NONCE_BYTES, body.length - TAG_BYTES)), decipher.final()]).toString("utf8");
    } catch (error) {
      throw new DecryptionError(name, table, "the stored value failed authentication: its ciphertext, nonce or tag was modified, or it was copied from another key", { cause: error });
    }
    if (this.#nameKey === undefined) return [name, plain];
    const end = plain.indexOf("\u0000");
    if (end === -1) throw new DecryptionError(name, table, "the stored value holds no key name: it was written without nameKey");
    return [plain.slice(0, end), plain.slice(end + 1)];
  }

  /** `KVKeyring(current key id …, 2 keys)`: ids only. */
  toString(): string {
    return `KVKeyring(current key id ${this.#currentId}, ${this.#keys.size} key${this.#keys.size === 1 ? "" : "s"})`;
  }

  /** Key ids only. */
  toJSON(): { currentKeyId: string; keyIds: string[] } {
    return { currentKeyId: this.#currentId, keyIds: [...this.#keys.keys()] };
  }

  /** Key ids only. */
  [inspect.custom](): string {
    return this.toString();
  }
}
