// Owns the one language client: start, stop and restart, one at a time, so a
// burst of setting changes never leaves two servers running.
import { Launch, Resolution } from "./interpreter";

export interface ClientLike {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A request to the server (threatlint/diagram); the real LanguageClient has it. */
  sendRequest?<R>(method: string, params: unknown): Promise<R>;
}

export interface ControllerDeps {
  resolve(): Promise<Resolution>;
  createClient(launch: Launch): ClientLike;
  /** No interpreter could run threatlint. */
  onMissing(resolution: Extract<Resolution, { ok: false }>): void;
  /** The interpreter has threatlint, but the server process failed to start. */
  onStartFailed(python: string, error: unknown): void;
  log(message: string): void;
}

export type ServerState = "stopped" | "starting" | "running" | "missing" | "failed";

export interface ServerStatus {
  state: ServerState;
  python?: string;
  /** What the running server is: "threatlint 0.1.0 (bundled)". */
  detail?: string;
}

export class ServerController {
  private client: ClientLike | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private current: ServerStatus = { state: "stopped" };
  private listeners: Array<(status: ServerStatus) => void> = [];
  private launchInUse: Launch | undefined;

  constructor(private readonly deps: ControllerDeps) {}

  /** The state after the last finished start/stop ("starting" while one runs), and the interpreter in use. */
  get status(): ServerStatus {
    return this.current;
  }

  /** How threatlint is run while the server runs (the risk register runs the same one). */
  get launch(): Launch | undefined {
    return this.current.state === "running" ? this.launchInUse : undefined;
  }

  /** The running client, for requests. */
  get runningClient(): ClientLike | undefined {
    return this.current.state === "running" ? this.client : undefined;
  }

  onDidChangeStatus(listener: (status: ServerStatus) => void): { dispose(): void } {
    this.listeners.push(listener);
    return { dispose: () => void (this.listeners = this.listeners.filter((l) => l !== listener)) };
  }

  start(): Promise<ServerState> {
    return this.enqueue(() => this.doStart());
  }

  stop(): Promise<ServerState> {
    return this.enqueue(() => this.doStop());
  }

  restart(): Promise<ServerState> {
    return this.enqueue(async () => {
      await this.doStop();
      return this.doStart();
    });
  }

  private set(status: ServerStatus): void {
    this.current = status;
    for (const listener of [...this.listeners]) listener(status);
  }

  private enqueue(step: () => Promise<ServerState>): Promise<ServerState> {
    const next = this.queue.then(step, step);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async doStart(): Promise<ServerState> {
    if (this.client) return this.current.state;
    this.set({ state: "starting" });
    const resolution = await this.deps.resolve();
    if (!resolution.ok) {
      this.set({ state: "missing" });
      this.deps.onMissing(resolution);
      return "missing";
    }
    const detail = `threatlint ${resolution.version} (${resolution.strategy === "useBundled" ? "bundled" : "from the environment"})`;
    this.deps.log(
      `starting: ${[resolution.launch.python, ...resolution.launch.args, "lsp"].join(" ")} (${detail}, Python from ${resolution.source})`,
    );
    const client = this.deps.createClient(resolution.launch);
    this.client = client;
    this.set({ state: "starting", python: resolution.python, detail });
    try {
      await client.start();
    } catch (error) {
      this.client = undefined;
      this.set({ state: "failed", python: resolution.python, detail });
      // A half-started client may still hold the process; stopping it is best effort.
      await client.stop().catch(() => undefined);
      this.deps.onStartFailed(resolution.python, error);
      return "failed";
    }
    this.launchInUse = resolution.launch;
    this.set({ state: "running", python: resolution.python, detail });
    return "running";
  }

  private async doStop(): Promise<ServerState> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.stop();
      } catch (error) {
        this.deps.log(`stopping the server failed: ${String(error)}`);
      }
    }
    this.set({ state: "stopped" });
    return "stopped";
  }
}
