import * as assert from "assert";
import { Resolution } from "../../src/interpreter";
import { ClientLike, ServerController } from "../../src/serverController";

class FakeClient implements ClientLike {
  static running = 0;
  static maxRunning = 0;
  started = false;
  stopped = false;
  constructor(
    readonly python: string,
    private readonly failStart = false,
  ) {}
  async start(): Promise<void> {
    await new Promise((r) => setTimeout(r, 5));
    if (this.failStart) throw new Error("Pending response rejected since connection got disposed");
    this.started = true;
    FakeClient.running += 1;
    FakeClient.maxRunning = Math.max(FakeClient.maxRunning, FakeClient.running);
  }
  async stop(): Promise<void> {
    await new Promise((r) => setTimeout(r, 5));
    if (this.started && !this.stopped) FakeClient.running -= 1;
    this.stopped = true;
  }
}

function controllerWith(resolutions: Resolution[], options: { failStart?: boolean } = {}) {
  const clients: FakeClient[] = [];
  const missing: unknown[] = [];
  const failed: Array<[string, unknown]> = [];
  const controller = new ServerController({
    // The last resolution repeats once the list is used up.
    resolve: async () => (resolutions.length > 1 ? resolutions.shift()! : resolutions[0]),
    createClient: (launch) => {
      const client = new FakeClient(launch.python, options.failStart);
      clients.push(client);
      return client;
    },
    onMissing: (r) => missing.push(r),
    onStartFailed: (python, error) => failed.push([python, error]),
    log: () => undefined,
  });
  return { controller, clients, missing, failed };
}

const found = (python: string): Resolution => ({
  ok: true,
  python,
  version: "0.1.0",
  source: "setting",
  launch: { python, args: ["-I", "/ext/bundled/tool/launch.py"] },
  strategy: "useBundled",
});

describe("ServerController", () => {
  beforeEach(() => {
    FakeClient.running = 0;
    FakeClient.maxRunning = 0;
  });

  it("starts one client with the resolved interpreter and stops it", async () => {
    const { controller, clients } = controllerWith([found("/a/python")]);
    assert.strictEqual(await controller.start(), "running");
    assert.strictEqual(await controller.start(), "running"); // already running: no second client
    assert.deepStrictEqual(controller.status, { state: "running", python: "/a/python", detail: "threatlint 0.1.0 (bundled)" });
    assert.deepStrictEqual(controller.launch, { python: "/a/python", args: ["-I", "/ext/bundled/tool/launch.py"] });
    assert.strictEqual(clients.length, 1);
    assert.strictEqual(await controller.stop(), "stopped");
    assert.ok(clients[0].stopped);
  });

  it("restarts with the newly resolved interpreter", async () => {
    const { controller, clients } = controllerWith([found("/a/python"), found("/b/python")]);
    await controller.start();
    await controller.restart();
    assert.deepStrictEqual(
      clients.map((c) => c.python),
      ["/a/python", "/b/python"],
    );
    assert.ok(clients[0].stopped && !clients[1].stopped);
    assert.strictEqual(controller.status.python, "/b/python");
  });

  it("never runs two servers at once, however many restarts arrive together", async () => {
    const { controller, clients } = controllerWith([found("/a/python")]);
    await Promise.all([controller.start(), controller.restart(), controller.restart(), controller.restart()]);
    assert.strictEqual(FakeClient.maxRunning, 1);
    assert.strictEqual(FakeClient.running, 1);
    assert.strictEqual(clients.filter((c) => !c.stopped).length, 1);
  });

  it("reports a missing threatlint without creating a client", async () => {
    const attempts = [{ python: "python3", source: "PATH" as const, reason: "interpreter not found" }];
    const { controller, clients, missing } = controllerWith([{ ok: false, attempts, strategy: "useBundled" }]);
    assert.strictEqual(await controller.start(), "missing");
    assert.strictEqual(clients.length, 0);
    assert.deepStrictEqual(missing, [{ ok: false, attempts, strategy: "useBundled" }]);
    assert.strictEqual(controller.launch, undefined);
  });

  it("tells listeners it is starting, then running, then stopped", async () => {
    const { controller } = controllerWith([found("/a/python")]);
    const seen: string[] = [];
    const listener = controller.onDidChangeStatus((s) => seen.push(s.state));
    await controller.start();
    await controller.stop();
    listener.dispose();
    await controller.start();
    assert.deepStrictEqual(seen, ["starting", "starting", "running", "stopped"]);
  });

  it("reports a server that fails to start, and can start again later", async () => {
    const { controller, clients, failed } = controllerWith([found("/a/python")], { failStart: true });
    assert.strictEqual(await controller.start(), "failed");
    assert.strictEqual(failed.length, 1);
    assert.strictEqual(failed[0][0], "/a/python");
    assert.ok(clients[0].stopped, "the half-started client is stopped");
    assert.strictEqual(await controller.start(), "failed");
    assert.strictEqual(clients.length, 2, "a later start tries again");
  });
});
