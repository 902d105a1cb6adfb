/**
 * Keeping a server config's secrets (`password`, `sslpassword`) out of sight: non-enumerable
 * properties, hidden from `JSON.stringify`, spread, `Object.keys`, and from `util.inspect` even
 * with `showHidden`.
 *
 * @module
 */

const INSPECT_CUSTOM = Symbol.for("nodejs.util.inspect.custom");

function inspectWithoutSecrets(
  this: object,
  _depth: number,
  options: object,
  inspect: (value: unknown, options: object) => string,
): string {
  return inspect({ ...this }, options);
}

/** The secrets of a server config. */
export interface ConfigSecrets {
  /** The password, or undefined for none. */
  readonly password: string | undefined;
  /** The passphrase of the TLS client key, or undefined. */
  readonly sslpassword: string | undefined;
}

/**
 * Adds `secrets` to `config` as non-enumerable, read-only properties with an inspect hook that
 * shows only the enumerable ones, then freezes it.
 */
export function freezeWithSecrets<T extends object>(config: Omit<T, keyof ConfigSecrets>, secrets: ConfigSecrets): T {
  Object.defineProperty(config, "password", { value: secrets.password, enumerable: false, writable: false, configurable: false });
  Object.defineProperty(config, "sslpassword", { value: secrets.sslpassword, enumerable: false, writable: false, configurable: false });
  // util.inspect with showHidden (console.log("%o"), inspect(…, { showHidden: true })) would
  // otherwise show non-enumerable properties: render a copy made of the enumerable ones only.
  Object.defineProperty(config, INSPECT_CUSTOM, { value: inspectWithoutSecrets, enumerable: false, writable: false, configurable: false });
  return Object.freeze(config) as T;
}
