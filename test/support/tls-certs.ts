/**
 * Test certificates made with `openssl`: a CA, a server certificate it signed (for `localhost`
 * and 127.0.0.1 only), a client certificate it signed (CN = a role name, for `cert` auth), the
 * client key also encrypted with a passphrase, and an unrelated CA that signed nothing the server
 * uses. Files are in `dir`; keys are mode 0600.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Paths (and PEM texts) of the test certificates. */
export interface TestCertificates {
  readonly dir: string;
  /** The CA that signed the server and client certificates. */
  readonly caCert: string;
  /** A CA that signed nothing used here. */
  readonly otherCaCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** `clientKey` encrypted (AES-256) with {@link TestCertificates.clientKeyPassphrase}. */
  readonly encryptedClientKey: string;
  readonly clientKeyPassphrase: string;
  /** PEM texts, for PgCluster's `files`. */
  readonly pem: { readonly caCert: string; readonly serverCert: string; readonly serverKey: string };
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** Makes the certificates; takes well under a second (EC keys). */
export function makeTestCertificates(clientCn: string): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "tablekit-certs-"));
  const key = (name: string): void => openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name], dir);
  const ca = (name: string, cn: string): void => {
    key(`${name}.key`);
    openssl(["req", "-x509", "-new", "-key", `${name}.key`, "-days", "2", "-subj", `/CN=${cn}`, "-out", `${name}.crt`], dir);
  };
  const signed = (name: string, cn: string, ext: string): void => {
    key(`${name}.key`);
    openssl(["req", "-new", "-key", `${name}.key`, "-subj", `/CN=${cn}`, "-out", `${name}.csr`], dir);
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", `${name}.ext`, "-out", `${name}.crt`], dir);
  };
  ca("ca", "tablekit test CA");
  ca("other-ca", "not the server's CA");
  signed("server", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  signed("client", clientCn, "extendedKeyUsage=clientAuth\n");
  const passphrase = "key-passphrase-7Qz";
  openssl(["pkey", "-in", "client.key", "-aes256", "-passout", `pass:${passphrase}`, "-out", "client-encrypted.key"], dir);
  for (const name of ["ca.key", "other-ca.key", "server.key", "client.key", "client-encrypted.key"]) chmodSync(join(dir, name), 0o600);
  const path = (name: string): string => join(dir, name);
  return {
    dir,
    caCert: path("ca.crt"),
    otherCaCert: path("other-ca.crt"),
    serverCert: path("server.crt"),
    serverKey: path("server.key"),
    clientCert: path("client.crt"),
    clientKey: path("client.key"),
    encryptedClientKey: path("client-encrypted.key"),
    clientKeyPassphrase: passphrase,
    pem: {
      caCert: readFileSync(path("ca.crt"), "utf8"),
      serverCert: readFileSync(path("server.crt"), "utf8"),
      serverKey: readFileSync(path("server.key"), "utf8"),
    },
  };
}
