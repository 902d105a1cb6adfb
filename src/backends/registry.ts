/**
 * The one place the core reaches a backend: a registry keyed by URL scheme (and by dialect name,
 * which is a scheme too). Each backend's driver module, and with it its database library
 * (better-sqlite3, pg), is imported on the first connect that needs it, so importing tablekit
 * loads neither.
 *
 * @module
 */
import type { DialectName, ResolvedConfig } from "../config/connection-config.js";
import type { Backend, Driver, DriverFactory, SqlDialect } from "./contract.js";
import { postgresBackend } from "./postgres/index.js";
import { sqliteBackend } from "./sqlite/index.js";

const BACKENDS: readonly Backend[] = [sqliteBackend, postgresBackend];

const BY_SCHEME: ReadonlyMap<string, Backend> = new Map(BACKENDS.flatMap((backend) => backend.schemes.map((scheme) => [scheme, backend] as const)));

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
 * that backend's dialects the one the scheme spells (`postgresql:` → PostgreSQL, `cockroach:` →
 * CockroachDB; a scheme naming no dialect, like `file:`, means the backend's first). A string
 * without a scheme (a one-letter one is a Windows drive) is a file path, as a `file:` URL; a
 * scheme no backend serves gives undefined. Provisional: a `postgres://` server may turn out to be
 * CockroachDB once connected (`Database.dialect` then says so).
 */
export function dialectForUrl(url: string): SqlDialect | undefined {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]+):/.exec(url)?.[1]?.toLowerCase() ?? "file";
  const backend = BY_SCHEME.get(scheme);
  if (backend === undefined) return undefined;
  const dialects = Object.values(backend.dialects);
  return dialects.find((d) => scheme.startsWith(d.name) || d.name.startsWith(scheme)) ?? dialects[0];
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
