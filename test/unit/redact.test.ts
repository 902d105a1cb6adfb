import { describe, expect, it } from "vitest";
import fc from "fast-check";

import { REDACTED, redactSecrets, redactUrl } from "../../src/util/redact.js";

describe("redactSecrets", () => {
  it("replaces every occurrence of a secret", () => {
    expect(redactSecrets("pw=hunter2; again hunter2", ["hunter2"])).toBe("pw=***; again ***");
  });

  it("replaces the percent-encoded form too", () => {
    expect(redactSecrets("postgres://app:p%40ss%2Fw0rd@db/x and p@ss/w0rd", ["p@ss/w0rd"])).toBe(
      "postgres://app:***@db/x and ***",
    );
  });

  it("ignores undefined and empty secrets", () => {
    expect(redactSecrets("nothing secret here", [undefined, ""])).toBe("nothing secret here");
    expect(redactSecrets("", ["x"])).toBe("");
  });

  it("handles several secrets, longest first", () => {
    expect(redactSecrets("abc abcdef def", ["abc", "abcdef"])).toBe("*** *** def");
    expect(redactSecrets("user=alice pass=s3cr3t sslpass=k3y", ["s3cr3t", "k3y"])).toBe("user=alice pass=*** sslpass=***");
  });

  it("treats secrets literally (no regular-expression meaning)", () => {
    expect(redactSecrets("a.b a+b (x)* $&", ["a+b", "(x)*", "$&"])).toBe("a.b *** *** ***");
  });

  it("returns text unchanged when the secret does not occur", () => {
    expect(redactSecrets("connect ECONNREFUSED 127.0.0.1:5432", ["hunter2"])).toBe("connect ECONNREFUSED 127.0.0.1:5432");
  });

  it("scrubs realistic postgres.js error texts and stacks", () => {
    const password = "Tr0ub4dor&3";
    // A server error that echoes the statement text containing the password.
    const serverError = `PostgresError: syntax error at or near "'${password}'"\n    at ErrorResponse (file:///app/node_modules/postgres/src/connection.js:794:26)`;
    expect(redactSecrets(serverError, [password])).toBe(
      `PostgresError: syntax error at or near "'***'"\n    at ErrorResponse (file:///app/node_modules/postgres/src/connection.js:794:26)`,
    );
    // ALTER ROLE … PASSWORD in a logged query, and the URL-encoded form in a connection string.
    const log = `query failed: ALTER ROLE app PASSWORD '${password}' (url postgres://app:${encodeURIComponent(password)}@db:5432/app)`;
    expect(redactSecrets(log, [password])).toBe("query failed: ALTER ROLE app PASSWORD '***' (url postgres://app:***@db:5432/app)");
    // Texts without the password are left alone.
    const auth = 'PostgresError: password authentication failed for user "app"';
    expect(redactSecrets(auth, [password])).toBe(auth);
    const timeout = "Error: write CONNECT_TIMEOUT db.example.com:5432";
    expect(redactSecrets(timeout, [password])).toBe(timeout);
  });

  it("never leaves a secret (or its encoded form) in the text", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }), fc.string(), fc.string(), (secret, before, after) => {
        const text = `${before}${secret}${after} ${encodeURIComponent(secret)}`;
        const out = redactSecrets(text, [secret]);
        if (secret !== REDACTED && !REDACTED.includes(secret)) {
          expect(out.includes(secret)).toBe(false);
          expect(out.includes(encodeURIComponent(secret))).toBe(false);
        }
      }),
    );
  });
});

describe("redactUrl", () => {
  it("hides the user-info password and the password query parameter", () => {
    expect(redactUrl("postgres://u:pw@h/db?password=x&sslmode=require")).toBe(
      "postgres://u:***@h/db?password=***&sslmode=require",
    );
  });

  it("leaves URLs without a password unchanged", () => {
    expect(redactUrl("postgres://u@h:5432/db?sslmode=require")).toBe("postgres://u@h:5432/db?sslmode=require");
    expect(redactUrl("postgres://h/db")).toBe("postgres://h/db");
    expect(redactUrl("cockroachdb://root@localhost:26257/defaultdb")).toBe("cockroachdb://root@localhost:26257/defaultdb");
    expect(redactUrl("sqlite:data/app.db")).toBe("sqlite:data/app.db");
    expect(redactUrl("postgres://u:@h/db")).toBe("postgres://u:@h/db");
  });

  it("hides percent-encoded passwords", () => {
    expect(redactUrl("postgresql://app:p%40ss%3Aw%2Frd@db.example.com:6543/shop")).toBe(
      "postgresql://app:***@db.example.com:6543/shop",
    );
  });

  it("hides passwords with unencoded reserved characters (unparseable URLs)", () => {
    expect(redactUrl("postgres://u:pa/ss@h/db")).toBe("postgres://u:***@h/db");
    expect(redactUrl("postgres://u:p@ss@h/db")).toBe("postgres://u:***@h/db");
    expect(redactUrl("postgres://u:p?s#s@h:5432/db")).toBe("postgres://u:***@h:5432/db");
    expect(redactUrl("postgres://u:pw@h:notaport/db")).toBe("postgres://u:***@h:notaport/db");
    expect(redactUrl("weird+scheme://user:se cret")).toBe("weird+scheme://user:se cret"); // no "@": nothing to hide
  });

  it("hides the password query parameter case-insensitively, wherever it is", () => {
    expect(redactUrl("postgres://h/db?sslmode=disable&PASSWORD=abc&application_name=x")).toBe(
      "postgres://h/db?sslmode=disable&PASSWORD=***&application_name=x",
    );
    expect(redactUrl("postgres://h/db?password=a%26b")).toBe("postgres://h/db?password=***");
    expect(redactUrl("postgres://h/db?sslpassword=k&password=")).toBe("postgres://h/db?sslpassword=***&password=***");
    expect(redactUrl("postgres://h/db?notpassword=visible")).toBe("postgres://h/db?notpassword=visible");
    // Judged by the decoded name: "pass%77ord" is "password".
    expect(redactUrl("postgres://h/db?pass%77ord=s3cret&sslmode=require")).toBe("postgres://h/db?pass%77ord=***&sslmode=require");
    expect(redactUrl("postgres://h/db?%70assword=s3cret")).toBe("postgres://h/db?%70assword=***");
    expect(redactUrl("postgres://u@h/db?password=a@b:c&sslmode=require")).toBe("postgres://u@h/db?password=***&sslmode=require");
    expect(redactUrl("postgres://u:pw@h/db?password=a@b")).toBe("postgres://u:***@h/db?password=***");
  });

  it("errs towards hiding more when the query contains '@'", () => {
    expect(redactUrl("postgres://u:pw@h/db?application_name=a@b")).toBe("postgres://u:***@b");
  });

  it("scrubs every URL inside a longer text", () => {
    expect(
      redactUrl('connect to "postgres://app:hunter2@db:5432/app" failed; fallback cockroachdb://root:pw2@crdb:26257/x?password=pw3 too'),
    ).toBe('connect to "postgres://app:***@db:5432/app" failed; fallback cockroachdb://root:***@crdb:26257/x?password=*** too');
  });

  it("returns text without '://' unchanged and never throws", () => {
    expect(redactUrl("")).toBe("");
    expect(redactUrl("not a url: user:pw@host")).toBe("not a url: user:pw@host");
    expect(redactUrl("%%%://::@@")).toBe("%%%://::@@");
    fc.assert(fc.property(fc.string(), (s) => typeof redactUrl(s) === "string"));
  });

  it("never shows a user-info password, however it is written", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_.~-]{1,10}$/),
        fc.stringMatching(/^[A-Za-z0-9/?#@:%!$&'()*+,;=~._-]{6,24}$/),
        (user, password) => {
          const out = redactUrl(`postgres://${user}:${password}@db.example.com:5432/app?sslmode=require`);
          expect(out).toBe(`postgres://${user}:***@db.example.com:5432/app?sslmode=require`);
        },
      ),
    );
  });
});
