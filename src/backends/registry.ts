/**
 * The one place the core reaches a backend: a registry keyed by URL scheme (and by dialect name,
 * which is a scheme too). It is also the one owner of what a connection URL means: which schemes
 * exist, which backend and dialect each selects, and each server dialect's default port, user and
 * database (each backend's `urls` descriptor); src/config asks here and names no backend itself.
 * Each backend's driver module, and with it its database library (better-sqlite3, pg), is imported
 * on the first connect that needs it, so importing tablekit (or reading a descriptor) loads
 * neither.
 *
 * @module
 */
import type { DialectName, ResolvedConfig } from "../config/connection-config.js";
import type { Backend, BackendUrls, Driver, DriverFactory, ServerDefaults, SqlDialect } from "./contract.js";
import { postgresBackend } from "./postgres/index.js";
import { sqliteBackend } from "./sqlite/index.js";

const BACKENDS: readonly Backend[] = [sqliteBackend, postgresBackend];

const BY_SCHEME: ReadonlyMap<string, Backend> = new Map(BACKENDS.flatMap((backend) => Object.keys(backend.urls.schemes).map((scheme) => [scheme, backend] as const)));

/** What a URL scheme selects. */
export interface SchemeMeaning {
  /** The dialect the scheme selects. */
  readonly dialect: DialectName;
  /** How the rest of the URL is written (see {@link BackendUrls.form}). */
  readonly form: BackendUrls["form"];
}

/** What URL scheme `scheme` (any case, without the colon) means, or undefined for none of tablekit's. */
export function schemeMeaning(scheme: string): SchemeMeaning | undefined {
  const lower = scheme.toLowerCase();
  const backend = BY_SCHEME.get(lower);
  return backend === undefined ? undefined : { dialect: backend.urls.schemes[lower]!, form: backend.urls.form };
}

/** Every URL scheme, in display order (`sqlite`, `file`, `postgres`, …). */
export const URL_SCHEMES: readonly string[] = Object.freeze(BACKENDS.flatMap((backend) => Object.keys(backend.urls.schemes)));

/** How messages show the URLs of every backend, in display order (`sqlite:…`, `postgres://…`, …). */
export const URL_EXAMPLES: readonly string[] = Object.freeze(BACKENDS.flatMap((backend) => backend.urls.examples));

/** Every dialect name, in display order. */
export const REGISTERED_DIALECTS: readonly DialectName[] = Object.freeze([...new Set(BACKENDS.flatMap((backend) => Object.values(backend.urls.schemes)))]);

/** The dialect of a string without a scheme that a file backend takes as one of its files (`app.db`), or undefined. */
export function barePathDialect(text: string): DialectName | undefined {
  for (const backend of BACKENDS) {
    if (backend.urls.barePath?.test(text) === true) return Object.values(backend.urls.schemes)[0];
  }
  return undefined;
}

/** How messages describe the bare paths the file backends accept. */
export const BARE_PATH_DESCRIPTIONS: readonly string[] = Object.freeze(BACKENDS.flatMap((backend) => (backend.urls.barePath === undefined ? [] : [backend.urls.barePath.description])));

/** How `dialect`'s URLs are written: `"file"` or `"server"`. */
export function urlFormOf(dialect: DialectName): BackendUrls["form"] {
  return backendFor(dialect).urls.form;
}

/** The first dialect whose URLs have the form `form`: the dialect chosen when only the form is known. */
export function defaultDialectOf(form: BackendUrls["form"]): DialectName {
  const backend = BACKENDS.find((b) => b.urls.form === form);
  if (backend === undefined) throw new Error(`No tablekit backend with ${form} URLs`);
  return Object.values(backend.urls.schemes)[0]!;
}

/** The scheme messages show for `dialect` (its first): `"postgres"`, `"cockroachdb"`. */
export function urlSchemeOf(dialect: DialectName): string {
  return Object.entries(backendFor(dialect).urls.schemes).find(([, d]) => d === dialect)![0];
}

/** A server dialect's defaults (port, user, database, whether libpq's variables apply). */
export function serverDefaultsOf(dialect: DialectName): ServerDefaults {
  const defaults = backendFor(dialect).urls.serverDefaults?.[dialect];
  if (defaults === undefined) throw new Error(`"${dialect}" is not a server dialect`);
  return defaults;
}

const loaded = new Map<Backend, DriverFactory>();
const loading = new Map<Backend, Promise<DriverFactory>>();

/** The backend of a URL scheme or dialect name (`"sqlite"`, `"postgresql"`, `"cockroachdb"` …). */
export function backendFor(scheme: string): Backend {
  const backend = BY_SCHEME.get(scheme.toLowerCase());
  if (backend === undefined) throw new Error(`No tablekit backend for "${scheme}"`);
  return backend;
}

const DIALECTS: ReadonlyMap<string, SqlDialect> = new Map(BACKENDS.flatMap((backend) => Object.entries(backend.dialects) as [string, SqlDialect][]));

/** The SQL dialect of a backend (called for every statement: one map lookup). */
export function sqlDialectFor(name: DialectName): SqlDialect {
  const dialect = DIALECTS.get(name);
  if (dialect === undefined) throw new Error(`No tablekit dialect "${name}"`);
  return dialect;
}

/**
 * The SQL dialect a database URL names, before anything connects: its scheme's backend, and of
 * that backend's dialects the one the scheme selects (`postgresql:` → PostgreSQL, `cockroach:` →
 * CockroachDB, `file:` → SQLite: {@link schemeMeaning}). A string
 * without a scheme (a one-letter one is a Windows drive) is a file path, as a `file:` URL; a
 * scheme no backend serves gives undefined. Provisional: a `postgres://` server may turn out to be
 * CockroachDB once connected (`Database.dialect` then says so).
 */
export function dialectForUrl(url: string): SqlDialect | undefined {
  // Trimmed as resolveConfig trims it, so the dialect is the one the Database connects to.
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]+):/.exec(url.trim())?.[1] ?? "file";
  const meaning = schemeMeaning(scheme);
  return meaning === undefined ? undefined : sqlDialectFor(meaning.dialect);
}

/** Loads (once) the driver module of `config`'s backend and returns its factory. */
function driverFactory(backend: Backend): DriverFactory | Promise<DriverFactory> {
  const factory = loaded.get(backend);
  if (factory !== undefined) return factory;
  let pending = loading.get(backend);
  if (pending === undefined) {
    pending = backend.loadDriver().then((f) => {
      loaded.set(backend, f);
      return f;
    });
    loading.set(backend, pending);
    // A failed import may be retried by the next connect.
    pending.catch(() => loading.delete(backend));
  }
  return pending;
}

/**
 * Registers a backend's driver factory up front (the `tablekit/sqlite` and `tablekit/postgres`
 * entry points do, having imported the driver statically): connects then skip the dynamic import.
 */
export function preloadDriver(backend: Backend, factory: DriverFactory): void {
  loaded.set(backend, factory);
}

/** A new, unconnected driver for `config`, its backend's driver module loaded first if needed. */
export async function createDriver(config: ResolvedConfig): Promise<Driver> {
  const factory = driverFactory(backendFor(config.dialect));
  return (factory instanceof Promise ? await factory : factory)(config);
}

/**
 * A new, unconnected driver for `config` when its backend's driver module is already loaded (a
 * replica's driver: the primary's connect loaded it); throws otherwise.
 */
export function createLoadedDriver(config: ResolvedConfig): Driver {
  const factory = loaded.get(backendFor(config.dialect));
  if (factory === undefined) throw new Error(`The ${config.dialect} driver is not loaded yet`);
  return factory(config);
}
