/**
 * `tablekit kv get|set|delete|list`: the key-value store of a table (default `data`) from the
 * terminal. Reads never create the table; `set` does, like `KVStore.open`.
 *
 * @module
 */
import { type Command, Option } from "commander";
import type { Database } from "../../database.js";
import { KeyNotFoundError } from "../../kv/kv-errors.js";
import { KVStore } from "../../kv/kv-store.js";
import { CliError, type CliIo, OutputWriter, readAll } from "../cli-io.js";
import { type CommonOptions, addCommonOptions, positiveInteger, withDatabase } from "../common.js";
import { outputMode, renderRows, tsvLine } from "../output.js";
import { cellText, parseJson, toJson } from "../values.js";

/** Options of the `kv` subcommands. */
export interface KvOptions extends CommonOptions {
  /** `--table`: the store's table. Default `data`. */
  table: string;
  /** `--prefix` (list): only keys starting with it. */
  prefix?: string;
  /** `--ttl` (set): time to live in ms. */
  ttl?: number;
  /** `--string` (set): store the value as a string, even if it reads as JSON. */
  string?: boolean;
}

/** Runs `fn` on the store of `options.table`; with `missing`, a table that does not exist gives `missing()` and is not created. */
async function withStore<T>(options: KvOptions, io: CliIo, fn: (kv: KVStore) => Promise<T>, missing?: () => T | Promise<T>): Promise<T> {
  return withDatabase(
    options,
    io,
    async (db: Database) => {
      if (missing !== undefined && !(await db.tableExists(options.table))) return missing();
      const kv = await KVStore.open({ db, table: options.table, cacheSizeMb: 0, purgeIntervalMs: 0 });
      try {
        return await fn(kv);
      } finally {
        await kv.close();
      }
    },
    "number",
  );
}

function notFound(key: string, table: string): CliError {
  return new CliError(`key "${key}" not found in table "${table}"`);
}

/** The value `kv set` stores: JSON when the text is JSON (`42`, `{"a":1}`, `"quoted"`), otherwise the text itself. */
export function valueFromText(text: string, asString: boolean): unknown {
  if (asString) return text;
  try {
    return parseJson(text);
  } catch {
    return text;
  }
}

async function write(io: CliIo, text: string): Promise<void> {
  const out = new OutputWriter(io.stdout);
  try {
    await out.write(text);
  } finally {
    out.release();
  }
}

function kvCommand(parent: Command, name: string, description: string, json: string): Command {
  const command = parent.command(name).description(description).addOption(new Option("--table <name>", "the store's table").default("data"));
  return addCommonOptions(command, json);
}

/** Registers `kv` and its subcommands on the program. */
export function registerKvCommands(program: Command, io: CliIo): void {
  const kv = program
    .command("kv")
    .description("read and write the key-value store (KVStore) of a table")
    .addHelpText("after", '\nExamples:\n  tablekit kv set greeting "hello"\n  tablekit kv set user:1 \'{"name":"Ann"}\' --ttl 60000\n  tablekit kv get user:1\n  tablekit kv list --prefix user:\n  tablekit kv delete user:1');

  kvCommand(kv, "get", "print the value of a key (strings as they are, other values as JSON)", "print the value as JSON, strings too")
    .argument("<key>", "the key")
    .action(async (key: string, options: KvOptions) => {
      const value = await withStore(options, io, (store) => store.get(key), () => undefined);
      if (value === undefined) throw notFound(key, options.table);
      const text = options.json !== true && typeof value === "string" ? value : toJson(value, io.isTTY && options.json !== true ? 2 : undefined);
      await write(io, text + "\n");
    });

  kvCommand(kv, "set", "store a value under a key (JSON if it parses as JSON, else a string)", "print what was stored as JSON")
    .argument("<key>", "the key")
    .argument("<value>", 'the value; "-" reads it from stdin')
    .option("--ttl <ms>", "expire the key after this many milliseconds", positiveInteger)
    .option("--string", "store the value as a string even if it reads as JSON")
    .action(async (key: string, text: string, options: KvOptions) => {
      const raw = text === "-" ? (await readAll(io.stdin)).replace(/\r?\n$/, "") : text;
      const value = valueFromText(raw, options.string === true);
      await withStore(options, io, (store) => store.set(key, value, options.ttl === undefined ? {} : { ttl: options.ttl }));
      if (options.json === true) await write(io, toJson({ key, value }) + "\n");
    });

  kvCommand(kv, "delete", "delete a key (an error when it does not exist)", "print a JSON confirmation")
    .argument("<key>", "the key")
    .action(async (key: string, options: KvOptions) => {
      const deleted = await withStore(
        options,
        io,
        async (store) => {
          try {
            await store.delete(key);
            return true;
          } catch (error) {
            if (error instanceof KeyNotFoundError) return false;
            throw error;
          }
        },
        () => false,
      );
      if (!deleted) throw notFound(key, options.table);
      if (options.json === true) await write(io, toJson({ key, deleted: true }) + "\n");
    });

  kvCommand(kv, "list", "list keys and values in key order", "print one JSON object of key: value")
    .option("--prefix <prefix>", "only keys starting with this text")
    .action(async (options: KvOptions) => {
      const mode = outputMode(options.json, io.isTTY);
      const out = new OutputWriter(io.stdout);
      const emit = async (entries: AsyncIterable<[string, unknown]>): Promise<void> => {
        if (mode === "table") {
          // The terminal table needs every width first; a person does not page through millions of keys.
          const rows: { key: string; value: string | null }[] = [];
          for await (const [key, value] of entries) rows.push({ key, value: cellText(value) });
          await out.write(renderRows("table", rows, ["key", "value"]));
          return;
        }
        // JSON and tab-separated output stream, in constant memory.
        let first = true;
        await out.write(mode === "json" ? "{" : tsvLine(["key", "value"]));
        for await (const [key, value] of entries) {
          await out.write(mode === "json" ? `${first ? "\n" : ",\n"}  ${JSON.stringify(key)}: ${toJson(value)}` : tsvLine([key, cellText(value)]));
          first = false;
        }
        if (mode === "json") await out.write(first ? "}\n" : "\n}\n");
      };
      try {
        await withStore(options, io, (store) => emit(store.scan({ prefix: options.prefix })), () => emit(empty()));
      } finally {
        out.release();
      }
    });
}

async function* empty(): AsyncGenerator<[string, unknown]> {}
