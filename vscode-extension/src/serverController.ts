// Owns the one language client: start, stop and restart, one at a time, so a
// burst of setting changes never leaves two servers running.
import { Resolution } from "./interpreter";

export interface ClientLike {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ControllerDeps {
  resolve(): Promise<Resolution>;
  createClient(python: string): ClientLike;
  /** No interpreter could run threatlint. */
  onMissing(resolution: Extract<Resolution, { ok: false }>): void;
  /** The interpreter has threatlint, but the server process failed to start. */
  onStartFailed(python: string, error: unknown): void;
  log(message: string): void;
}

export type ServerState = "stopped" | "running" | "missing" | "failed";

export class ServerController {
  private client: ClientLike | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private current: { state: ServerState; python?: string } = { state: "stopped" };

  constructor(private readonly deps: ControllerDeps) {}

  /** The state after the last finished start/stop, and the interpreter in use. */
  get status(): { state: ServerState; python?: string } {
    return this.current;
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

  private enqueue(step: () => Promise<ServerState>): Promise<ServerState> {
    const next = this.queue.then(step, step);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async doStart(): Promise<ServerState> {
    if (this.client) return this.current.state;
    const resolution = await this.deps.resolve();
    if (!resolution.ok) {
      this.current = { state: "missing" };
      this.deps.onMissing(resolution);
      return "missing";
    }
    this.deps.log(`starting: ${resolution.python} -m threatlint lsp (threatlint ${resolution.version}, from ${resolution.source})`);
    const client = this.deps.createClient(resolution.python);
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      this.client = undefined;
      this.current = { state: "failed", python: resolution.python };
      // A half-started client may still hold the process; stopping it is best effort.
      await client.stop().catch(() => undefined);
      this.deps.onStartFailed(resolution.python, error);
      return "failed";
    }
    this.current = { state: "running", python: resolution.python };
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
    this.current = { state: "stopped" };
    return "stopped";
  }
}
