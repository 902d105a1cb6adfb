/**
 * A TCP proxy in front of PostgreSQL that the tests can cut: every open connection is destroyed
 * and new ones are refused until it comes back. To the client this is the server going away and
 * returning, without disturbing other tests that share the real server.
 */
import { type Server, type Socket, createConnection, createServer } from "node:net";

/** A cuttable proxy to a TCP server. */
export class CuttableProxy {
  #server: Server | undefined;
  #sockets = new Set<Socket>();
  #port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** The local port clients connect to. */
  get port(): number {
    return this.#port;
  }

  /** Starts listening (on a fresh port the first time, the same port afterwards). */
  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
      this.#sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.#sockets.delete(client);
        this.#sockets.delete(upstream);
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#port, "127.0.0.1", () => resolve());
    });
    this.#server = server;
    const address = server.address();
    if (typeof address === "object" && address !== null) this.#port = address.port;
  }

  /** Destroys every connection and refuses new ones. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Stops for good. */
  async stop(): Promise<void> {
    await this.cut();
  }
}
