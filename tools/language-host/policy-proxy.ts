// Analyzer proxy for Node.js policy packs, the same trick upstream's language hosts use: @pulumi/policy reads
// the stack's organization/project/stack/config from the environment at start-up, but the CLI only sends them
// later, in Analyzer.ConfigureStack. So RunPlugin first serves this proxy (its port is what the CLI reads),
// answers Handshake and ConfigureStack itself, then starts the real pack with that environment and forwards
// every other Analyzer call to it unchanged.
import * as grpc from "@grpc/grpc-js";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import { AnalyzerService } from "@pulumi/pulumi/proto/analyzer_grpc_pb";

/** Same ceiling as Pulumi's own servers: stack-wide AnalyzeStack requests easily exceed gRPC's 4 MiB default. */
export const MAX_RPC_MESSAGE_SIZE = 400 * 1024 * 1024;
export const GRPC_OPTIONS = {
  "grpc.max_receive_message_length": MAX_RPC_MESSAGE_SIZE,
  "grpc.max_send_message_length": MAX_RPC_MESSAGE_SIZE,
};

type StackConfig = analyzerpb.AnalyzerStackConfigureRequest | undefined;

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // rejections are observed by whoever awaits; never crash the host
  return { promise, resolve, reject };
}

export class PolicyProxy {
  private readonly config = deferred<StackConfig>();
  private readonly client = deferred<grpc.Client>();
  private attached?: grpc.Client;

  private constructor(
    private readonly server: grpc.Server,
    readonly port: number,
  ) {}

  static async start(): Promise<PolicyProxy> {
    const server = new grpc.Server(GRPC_OPTIONS);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    const proxy = new PolicyProxy(server, port);
    server.addService(AnalyzerService, proxy.handlers());
    return proxy;
  }

  /** Resolves with the CLI's ConfigureStack request, or undefined if it made another call first. */
  awaitConfiguration(): Promise<StackConfig> {
    return this.config.promise;
  }

  /** Connects to the real policy pack (listening on `port`) and replays the stack configuration to it. */
  async attach(port: number): Promise<void> {
    const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), GRPC_OPTIONS);
    this.attached = client;
    const cfg = await this.config.promise;
    if (cfg) await this.forward(client, "configureStack", cfg);
    this.client.resolve(client);
  }

  /** Makes every pending and future forwarded call fail with `err` (the pack died or never started). */
  fail(err: Error): void {
    this.config.reject(err);
    this.client.reject(err);
  }

  close(): void {
    this.fail(new Error("policy pack stopped"));
    this.attached?.close();
    // Graceful: calls still waiting for the pack get the failure above as their answer, not a bare CANCELLED.
    this.server.tryShutdown(() => undefined);
  }

  private handlers(): grpc.UntypedServiceImplementation {
    const impl: grpc.UntypedServiceImplementation = {};
    for (const name of Object.keys(AnalyzerService)) {
      impl[name] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        if (name === "handshake") {
          callback(null, new analyzerpb.AnalyzerHandshakeResponse());
        } else if (name === "configureStack") {
          this.config.resolve(call.request as analyzerpb.AnalyzerStackConfigureRequest);
          callback(null, new analyzerpb.AnalyzerStackConfigureResponse());
        } else {
          // Some commands (e.g. `pulumi policy publish`) never configure a stack: start the pack without it.
          this.config.resolve(undefined);
          this.client.promise.then(
            (client) => this.forward(client, name, call.request).then((res) => callback(null, res), callback),
            (err: Error) =>
              callback({ code: grpc.status.UNAVAILABLE, details: `policy pack not started: ${err.message}` }),
          );
        }
      };
    }
    return impl;
  }

  private forward(client: grpc.Client, name: string, request: unknown): Promise<unknown> {
    const def = (AnalyzerService as unknown as grpc.ServiceDefinition)[name];
    return new Promise((resolve, reject) =>
      client.makeUnaryRequest(
        def.path,
        def.requestSerialize,
        def.responseDeserialize,
        request,
        (err: grpc.ServiceError | null, res?: unknown) => (err ? reject(err) : resolve(res)),
      ),
    );
  }
}
