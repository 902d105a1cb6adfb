/**
 * The files people have (issue 21): headers with spaces, hyphens and capitals, `;` `|` and tab
 * separators (sniffed, `--delimiter`, `--tsv`), latin1 text, a UTF-8 BOM, CRLF line ends, a JSON
 * array, gzip in and out, and exporting a table whose column names are not plain identifiers.
 * Every fixture is generated here.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/index.js";
import { quoteIdentifier } from "../../src/sql/identifiers.js";
import { backends, tempDir, uniqueTable } from "../support/backends.js";
import { databaseUrl, openDb, tablekit, tempFile } from "./cli-harness.js";

for (const backend of backends()) {
  describe(`tablekit import/export of messy files [${backend.name}]`, () => {
    const url = databaseUrl(backend);
    let db: Database;
    const created: string[] = [];
    const table = (prefix = "cli_files"): string => {
      const t = uniqueTable(prefix);
      created.push(t);
      return t;
    };

    beforeAll(() => {
      db = openDb(url);
    });

    const quoted: string[] = [];

    afterAll(async () => {
      for (const t of created) await db.dropTable(t);
      for (const t of quoted) await db.execute(`DROP TABLE IF EXISTS ${quoteIdentifier(t)}`);
      if (await db.tableExists("tablekit_names")) await db.deleteMany("tablekit_names", { table_name: { in: [...created, ...quoted] } });
      await db.close();
    });

    it("a ';' file with a BOM, CRLF and headers with spaces, hyphens and capitals, --create", async () => {
      const t = table();
      const file = tempFile("excel.csv", "\uFEFFFirst Name;e-mail;Age;Größe (cm)\r\nAnn;ann@x.org;31;170\r\n\"Bob; Jr.\";bob@x.org;;182\r\n");
      const run = await tablekit(["import", t, file, "--create", "--db", url]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe("");
      expect(run.stderr).toContain('tablekit: note: "First Name" is imported into the column first_name\n');
      expect(run.stderr).toContain('"e-mail" is imported into the column e_mail');
      expect((await db.columns(t)).map((c) => c.name)).toEqual(["first_name", "e_mail", "Age", "grosse_cm"]);
      expect(await db.select(t, { orderBy: "e_mail" })).toEqual([
        { first_name: "Ann", e_mail: "ann@x.org", Age: 31, grosse_cm: 170 },
        { first_name: "Bob; Jr.", e_mail: "bob@x.org", Age: null, grosse_cm: 182 },
      ]);
      // The same file into the existing table: names map the same way; --quiet hides the notes.
      const again = await tablekit(["import", t, file, "--db", url, "--quiet"]);
      expect(again).toEqual({ code: 0, stdout: "", stderr: "" });
      expect(await db.count(t)).toBe(4);
    });

    it("headers match an existing table's columns ignoring case", async () => {
      const t = table();
      await db.createTable(t, { first_name: "TEXT", email: "TEXT" });
      const file = tempFile("caps.csv", "FIRST NAME,Email\nAnn,a@x\n");
      const run = await tablekit(["import", t, file, "--db", url]);
      expect(run.code).toBe(0);
      expect(await db.select(t)).toEqual([{ first_name: "Ann", email: "a@x" }]);
      const clash = tempFile("clash.csv", "First Name,first_name\nA,B\n");
      const bad = await tablekit(["import", t, clash, "--db", url]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain(`${clash}:1: the names "First Name" and "first_name" both become the column first_name`);
    });

    it("separators: '|' and tab sniffed, --tsv, --delimiter; a wrong one is a usage error", async () => {
      const t = table();
      await db.createTable(t, { id: "INTEGER", name: "TEXT" });
      for (const [name, text, extra] of [
        ["pipe.csv", "id|name\n1|a,b\n", []],
        ["tab.csv", "id\tname\n2\ta;b\n", []],
        ["plain.tsv", "id\tname\n3\tc\n", []],
        ["forced.txt", "id\tname\n4\td\n", ["--tsv"]],
        ["semi.csv", "id;name\n5;e,f\n", ["--delimiter", ";"]],
      ] as const) {
        const run = await tablekit(["import", t, tempFile(name, text), ...extra, "--db", url]);
        expect(run, name).toEqual({ code: 0, stdout: "", stderr: "" });
      }
      expect(await db.select(t, { orderBy: "id" })).toEqual([
        { id: 1, name: "a,b" },
        { id: 2, name: "a;b" },
        { id: 3, name: "c" },
        { id: 4, name: "d" },
        { id: 5, name: "e,f" },
      ]);
      expect((await tablekit(["import", t, tempFile("x.csv", "id\n"), "--delimiter", "ab", "--db", url])).code).toBe(2);
    });

    it("--encoding latin1 reads Latin-1 text; an unknown encoding is a usage error", async () => {
      const t = table();
      await db.createTable(t, { id: "INTEGER", name: "TEXT" });
      const path = join(tempDir(), "latin1.csv");
      writeFileSync(path, Buffer.from("id,name\n1,José Müller\n", "latin1"));
      const run = await tablekit(["import", t, path, "--encoding", "latin1", "--db", url]);
      expect(run.code).toBe(0);
      expect(await db.select(t)).toEqual([{ id: 1, name: "José Müller" }]);
      expect((await tablekit(["import", t, path, "--encoding", "klingon", "--db", url])).code).toBe(2);
    });

    it("Excel's and Windows' files: a latin1 ';' CSV with spaced headers, JSON Lines and a JSON array with a BOM and CRLF", async () => {
      const t = table();
      const path = join(tempDir(), "excel-latin1.csv");
      writeFileSync(path, Buffer.from("Kunden Nr;Straße;Zip Code\r\n1;Königsallee 5;40212\r\n2;Rue de l'Été;\r\n", "latin1"));
      const run = await tablekit(["import", t, path, "--create", "--encoding", "latin1", "--quiet", "--db", url]);
      expect(run).toEqual({ code: 0, stdout: "", stderr: "" });
      expect(await db.select(t, { orderBy: "kunden_nr" })).toEqual([
        { kunden_nr: 1, strasse: "Königsallee 5", zip_code: 40212 },
        { kunden_nr: 2, strasse: "Rue de l'Été", zip_code: null },
      ]);
      expect((await tablekit(["export", t, "--format", "csv", "--db", url])).stdout).toBe("Kunden Nr,Straße,Zip Code\n1,Königsallee 5,40212\n2,Rue de l'Été,\n");
      const lines = table();
      await db.createTable(lines, { id: "INTEGER PRIMARY KEY", name: "TEXT" });
      const jsonl = tempFile("win.jsonl", '\uFEFF{"id":1,"name":"a"}\r\n{"id":2,"name":"b\\r\\n"}\r\n\r\n');
      expect(await tablekit(["import", lines, jsonl, "--db", url])).toEqual({ code: 0, stdout: "", stderr: "" });
      const array = tempFile("win.json", '\uFEFF[\r\n  {"id": 3, "name": "c"},\r\n  {"id": 4, "name": "d"}\r\n]\r\n');
      expect(await tablekit(["import", lines, array, "--db", url])).toEqual({ code: 0, stdout: "", stderr: "" });
      expect(await db.select(lines, { orderBy: "id" })).toEqual([
        { id: 1, name: "a" },
        { id: 2, name: "b\r\n" },
        { id: 3, name: "c" },
        { id: 4, name: "d" },
      ]);
    });

    it("a JSON array file (pretty-printed), and a bad element named by its line", async () => {
      const t = table();
      const file = tempFile("people.json", JSON.stringify([{ id: 1, name: "Ann", tags: ["a", "]"] }, { id: 2, name: 'B "}" b' }], null, 2));
      const run = await tablekit(["import", t, file, "--create", "--db", url]);
      expect(run.code).toBe(0);
      expect(await db.select(t, { orderBy: "id" })).toEqual([
        { id: 1, name: "Ann", tags: ["a", "]"] },
        { id: 2, name: 'B "}" b', tags: null },
      ]);
      const bad = tempFile("bad.json", '[\n  {"id": 3, "name": "c"},\n  {"id": 4, "name": }\n]\n');
      const failed = await tablekit(["import", t, bad, "--db", url]);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(new RegExp(`bad\\.json:3: invalid JSON: .*\\(nothing was imported\\)`));
      const notArray = tempFile("obj.json", '{"id": 1}');
      expect((await tablekit(["import", t, notArray, "--db", url])).stderr).toContain("obj.json:1: expected a JSON array");
    });

    it("gzip: .csv.gz and .jsonl.gz in, export --out FILE.gz out, round trip", async () => {
      const t = table();
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", name: "TEXT" });
      const gz = join(tempDir(), "in.csv.gz");
      writeFileSync(gz, gzipSync("id;name\r\n1;a\r\n2;b\r\n"));
      expect((await tablekit(["import", t, gz, "--db", url])).code).toBe(0);
      const out = join(tempDir(), "out.jsonl.gz");
      expect(await tablekit(["export", t, "--out", out, "--order-by", "id", "--db", url])).toEqual({ code: 0, stdout: "", stderr: "" });
      expect(gunzipSync(readFileSync(out)).toString()).toBe('{"id":1,"name":"a"}\n{"id":2,"name":"b"}\n');
      await db.deleteMany(t, {});
      expect((await tablekit(["import", t, out, "--db", url])).code).toBe(0);
      expect(await db.count(t)).toBe(2);
    });

    it("gzip is recognised by its magic bytes: on stdin (with --format) and in a file without .gz", async () => {
      const t = table();
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", name: "TEXT" });
      // cat x.csv.gz | tablekit import t - --format csv
      const csv = await tablekit(["import", t, "-", "--format", "csv", "--db", url], { stdin: gzipSync("id;name\r\n1;a\r\n") });
      expect(csv).toEqual({ code: 0, stdout: "", stderr: "" });
      const jsonl = await tablekit(["import", t, "-", "--format", "jsonl", "--db", url], { stdin: gzipSync('{"id":2,"name":"b"}\n') });
      expect(jsonl).toEqual({ code: 0, stdout: "", stderr: "" });
      // latin1 inside gzip, on stdin.
      const latin = await tablekit(["import", t, "-", "--format", "csv", "--encoding", "latin1", "--db", url], { stdin: gzipSync(Buffer.from("id,name\n3,Müller\n", "latin1")) });
      expect(latin).toEqual({ code: 0, stdout: "", stderr: "" });
      // A gzip file whose name does not say so.
      const hidden = join(tempDir(), "download.csv");
      writeFileSync(hidden, gzipSync("id,name\n4,d\n"));
      expect(await tablekit(["import", t, hidden, "--db", url])).toEqual({ code: 0, stdout: "", stderr: "" });
      // Plain text on stdin is still read as it is.
      expect((await tablekit(["import", t, "-", "--format", "csv", "--db", url], { stdin: "id,name\n5,e\n" })).code).toBe(0);
      expect(await db.select(t, { orderBy: "id" })).toEqual([
        { id: 1, name: "a" },
        { id: 2, name: "b" },
        { id: 3, name: "Müller" },
        { id: 4, name: "d" },
        { id: 5, name: "e" },
      ]);
    });

    it("export --format json and tsv read back", async () => {
      const t = table();
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", name: "TEXT" });
      await db.batchInsert(t, [{ id: 1, name: "a\tb" }, { id: 2, name: null }], { returning: false });
      const json = await tablekit(["export", t, "--format", "json", "--order-by", "id", "--db", url]);
      expect(JSON.parse(json.stdout)).toEqual([{ id: 1, name: "a\tb" }, { id: 2, name: null }]);
      const empty = table();
      await db.createTable(empty, { id: "INTEGER" });
      expect(JSON.parse((await tablekit(["export", empty, "--format", "json", "--db", url])).stdout)).toEqual([]);
      const tsv = join(tempDir(), "t.tsv");
      expect((await tablekit(["export", t, "--out", tsv, "--order-by", "id", "--db", url])).code).toBe(0);
      await db.deleteMany(t, {});
      expect((await tablekit(["import", t, tsv, "--db", url])).code).toBe(0);
      expect(await db.select(t, { orderBy: "id" })).toEqual([{ id: 1, name: "a\tb" }, { id: 2, name: null }]);
    });

    it("exports a table whose columns are not plain identifiers", async () => {
      const t = table();
      await db.execute(`CREATE TABLE ${t} ("First Name" TEXT, "e-mail" TEXT)`);
      await db.execute(`INSERT INTO ${t} ("First Name", "e-mail") VALUES ('Ann', 'a@x')`);
      const run = await tablekit(["export", t, "--db", url]);
      expect(run).toEqual({ code: 0, stdout: '{"First Name":"Ann","e-mail":"a@x"}\n', stderr: "" });
      const csv = await tablekit(["export", t, "--format", "csv", "--db", url]);
      expect(csv.stdout).toBe("First Name,e-mail\nAnn,a@x\n");
      const where = await tablekit(["export", t, "--where", '{"e-mail": "a@x"}', "--db", url]);
      expect(where.code).toBe(2);
      expect(where.stderr).toContain("tablekit sql");
    });

    it("exports and describes any existing table, whatever its name; a name that is not a table is refused", async () => {
      const base = uniqueTable("cli_names");
      const spaced = `${base} First Table`;
      const hyphen = `${base}-e-mail list`;
      const quote = `${base} "q"`;
      quoted.push(spaced, hyphen, quote);
      await db.execute(`CREATE TABLE ${quoteIdentifier(spaced)} (id INTEGER PRIMARY KEY, "First Name" TEXT)`);
      await db.execute(`INSERT INTO ${quoteIdentifier(spaced)} (id, "First Name") VALUES (1, 'Ann'), (2, NULL)`);
      await db.execute(`CREATE TABLE ${quoteIdentifier(hyphen)} (id INTEGER, email TEXT)`);
      await db.execute(`INSERT INTO ${quoteIdentifier(hyphen)} (id, email) VALUES (7, 'a@x')`);
      await db.execute(`CREATE TABLE ${quoteIdentifier(quote)} (id INTEGER)`);
      await db.execute(`INSERT INTO ${quoteIdentifier(quote)} (id) VALUES (3)`);

      expect(await tablekit(["export", spaced, "--db", url])).toEqual({ code: 0, stdout: '{"id":1,"First Name":"Ann"}\n{"id":2,"First Name":null}\n', stderr: "" });
      expect((await tablekit(["export", spaced, "--format", "csv", "--db", url])).stdout).toBe("id,First Name\n1,Ann\n2,\n");
      expect(await tablekit(["export", hyphen, "--format", "csv", "--db", url])).toEqual({ code: 0, stdout: "id,email\n7,a@x\n", stderr: "" });
      expect((await tablekit(["export", quote, "--db", url])).stdout).toBe('{"id":3}\n');
      const out = join(tempDir(), "spaced.csv.gz");
      expect((await tablekit(["export", spaced, "--out", out, "--db", url])).code).toBe(0);
      expect(gunzipSync(readFileSync(out)).toString()).toBe("id,First Name\n1,Ann\n2,\n");
      const described = await tablekit(["describe", hyphen, "--json", "--db", url]);
      expect(described.code).toBe(0);
      expect(JSON.parse(described.stdout)).toMatchObject({ table: hyphen, columns: [{ name: "id" }, { name: "email" }] });
      // --where and --order-by go through the library's plain names: refused, pointing at tablekit sql.
      const where = await tablekit(["export", hyphen, "--where", '{"id": 7}', "--db", url]);
      expect(where.code).toBe(2);
      expect(where.stderr).toContain("tablekit sql");
      // import writes through the library, which takes plain names only: said before anything is read.
      const into = await tablekit(["import", hyphen, tempFile("more.csv", "id,email\n8,b@x\n"), "--db", url]);
      expect(into.code).toBe(1);
      expect(into.stderr).toContain(`cannot import into "${hyphen}": tablekit writes only to tables whose names are plain identifiers`);
      // A name that is no table, SQL in it or not: an error before any SQL runs on it; nothing dropped.
      for (const name of [`${base} missing`, `${hyphen}"; DROP TABLE "${hyphen}"; --`, `x" FROM "${hyphen}`]) {
        for (const command of ["export", "describe"]) {
          const run = await tablekit([command, name, "--db", url]);
          expect(run.code, `${command} ${name}`).toBe(1);
          expect(run.stderr).toContain("does not exist");
          expect(run.stdout).toBe("");
        }
      }
      expect(await db.execute(`SELECT count(*) AS n FROM ${quoteIdentifier(hyphen)}`)).toEqual([{ n: 1 }]);
    });

    it("round trip: headers 'First Name', 'e-mail', 'Zip Code' and the table name come back as they were", async () => {
      const name = `${uniqueTable("cli_rt")} Mailing List`;
      const t = name.toLowerCase().replace(/ /g, "_");
      created.push(t);
      const text = "First Name,e-mail,Zip Code\nAnn,ann@x.org,01234\nBob,,99999\n";
      const file = tempFile("people.csv", text);
      const run = await tablekit(["import", name, file, "--create", "--db", url]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe("");
      expect(run.stderr).toContain(`tablekit: note: the table "${name}" is created as ${t}\n`);
      expect(run.stderr).toContain('tablekit: note: "First Name" is imported into the column first_name\n');
      expect((await db.columns(t)).map((c) => c.name)).toEqual(["first_name", "e_mail", "zip_code"]);
      // Export gives back the file's own names, by the table's name or by the name it was imported as.
      for (const which of [t, name]) {
        const csv = await tablekit(["export", which, "--format", "csv", "--db", url]);
        expect(csv, which).toEqual({ code: 0, stdout: text, stderr: "" });
      }
      const back = join(tempDir(), "back.csv");
      expect((await tablekit(["export", name, "--out", back, "--db", url])).code).toBe(0);
      expect(readFileSync(back, "utf8")).toBe(text);
      expect((await tablekit(["export", t, "--db", url])).stdout).toBe(
        '{"First Name":"Ann","e-mail":"ann@x.org","Zip Code":"01234"}\n{"First Name":"Bob","e-mail":null,"Zip Code":"99999"}\n',
      );
      // --column-names writes the names the columns have in the database.
      expect((await tablekit(["export", t, "--format", "csv", "--column-names", "--db", url])).stdout).toBe("first_name,e_mail,zip_code\nAnn,ann@x.org,01234\nBob,,99999\n");
      // The exported file imports back into the same table (by either name).
      expect((await tablekit(["import", name, back, "--quiet", "--db", url])).code).toBe(0);
      expect(await db.count(t)).toBe(4);
      expect((await tablekit(["describe", name, "--json", "--db", url])).stdout).toContain(`"table": "${t}"`);
    });
  });
}
