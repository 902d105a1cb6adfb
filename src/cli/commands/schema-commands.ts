/**
 * `tablekit tables`, `tablekit describe TABLE`; `tablekit sql` is in `sql-command.ts`.
 *
 * @module
 */
import type { Command } from "commander";
import type { ColumnInfo } from "../../queryable.js";
import { type CliIo, OutputWriter } from "../cli-io.js";
import { type CommonOptions, addCommonOptions, withDatabase } from "../common.js";
import { outputMode, renderRows, renderTable } from "../output.js";
import { requireTable, tableColumns } from "../table-names.js";
import { toJson } from "../values.js";
import { type IndexInfo, listIndexes } from "./indexes.js";
import { registerSqlCommand } from "./sql-command.js";

/** The JSON `tablekit describe --json` prints. */
export interface TableDescription {
  /** Table name. */
  table: string;
  /** Columns in order. */
  columns: ColumnInfo[];
  /** Indexes, sorted by name. */
  indexes: IndexInfo[];
}

async function print(io: CliIo, text: string): Promise<void> {
  const out = new OutputWriter(io.stdout);
  try {
    await out.write(text);
  } finally {
    out.release();
  }
}

function describeText(description: TableDescription, mode: "table" | "tsv"): string {
  const columnRows = description.columns.map((c) => ({
    column: c.name,
    type: c.type,
    nullable: c.notNull ? "not null" : "",
    key: c.primaryKey ? "primary key" : "",
  }));
  const indexRows = description.indexes.map((i) => ({
    index: i.name,
    columns: i.columns.join(", "),
    unique: i.unique ? "unique" : "",
    primary: i.primary ? "primary key" : "",
    partial: i.partial ? "partial" : "",
  }));
  const indexColumns = ["index", "columns", "unique", "primary", "partial"];
  if (mode === "tsv") return renderRows("tsv", columnRows) + "\n" + renderRows("tsv", indexRows, indexColumns);
  const lines = [`Table "${description.table}"`, renderTable(["column", "type", "nullable", "key"], columnRows, false).trimEnd(), "", "Indexes:"];
  if (indexRows.length === 0) lines.push("  (none)");
  for (const i of description.indexes) {
    const kind = i.primary ? "PRIMARY KEY " : i.unique ? "UNIQUE " : "";
    lines.push(`  ${i.name} ${kind}(${i.columns.join(", ")})${i.partial ? " partial" : ""}`);
  }
  return lines.join("\n") + "\n";
}

/** Registers `tables`, `describe` and `sql` on the program. */
export function registerSchemaCommands(program: Command, io: CliIo): void {
  addCommonOptions(
    program
      .command("tables")
      .description("list the tables")
      .addHelpText("after", "\nExamples:\n  tablekit tables\n  tablekit tables --json --db postgres://app@localhost/app"),
  ).action(async (options: CommonOptions) => {
    const tables = await withDatabase(options, io, (db) => db.listTables());
    await print(io, options.json === true ? toJson(tables, 2) + "\n" : tables.map((t) => t + "\n").join(""));
  });

  addCommonOptions(
    program
      .command("describe")
      .description("show a table's columns, types and indexes")
      .argument("<table>", "table name")
      .addHelpText("after", "\nExamples:\n  tablekit describe users\n  tablekit describe users --json"),
  ).action(async (table: string, options: CommonOptions) => {
    const description = await withDatabase(options, io, async (db): Promise<TableDescription> => {
      // Any existing table, whatever its name (or the table import made for it).
      const ref = await requireTable(db, table);
      return { table: ref.name, columns: await tableColumns(db, ref), indexes: await listIndexes(db, ref.name) };
    });
    const mode = outputMode(options.json, io.isTTY);
    await print(io, mode === "json" ? toJson(description, 2) + "\n" : describeText(description, mode));
  });

  registerSqlCommand(program, io);
}
