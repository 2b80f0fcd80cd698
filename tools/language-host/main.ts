// pulumi-language-nodejs: a small Node.js language host speaking Pulumi's LanguageRuntime gRPC protocol,
// standing in for the upstream Go binary that our Go proxy cannot serve.
//
// Plugin handshake (pkg/resource/plugin: newPlugin, buildArgsForNewPlugin): the CLI starts us as
//   pulumi-language-nodejs [--logtostderr] [-v=N] [--tracing URL] <engine-address>
// with cwd = the program's working directory, reads the first stdout line as our gRPC port, then dials
// 127.0.0.1:<port> and probes it until it answers. Anything we print afterwards shows up as CLI diagnostics.
import * as grpc from "@grpc/grpc-js";
import { LanguageRuntimeService } from "@pulumi/pulumi/proto/language_grpc_pb";
import { HOST_VERSION, parseHostArgs } from "./args";
import { LanguageHost } from "./host";
import { GRPC_OPTIONS } from "./policy-proxy";

/** Like upstream: probe the engine every 5 minutes and quit when it is gone, so a killed CLI leaves no orphans. */
const HEALTH_INTERVAL_MS = 5 * 60 * 1000;

function watchEngine(address: string, onGone: () => void): void {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const timer = setInterval(() => {
    client.makeUnaryRequest(
      "/grpc.health.v1.Health/Check",
      () => Buffer.alloc(0), // HealthCheckRequest{service: ""} encodes to zero bytes
      (b: Buffer) => b,
      {},
      { deadline: Date.now() + 30_000 },
      (err: grpc.ServiceError | null) => {
        if (err && err.code !== grpc.status.UNIMPLEMENTED) onGone();
      },
    );
  }, HEALTH_INTERVAL_MS);
  timer.unref();
}

function main(argv: string[]): void {
  if (argv.includes("--version") || argv.includes("-version")) {
    process.stdout.write(`${HOST_VERSION}\n`);
    return;
  }
  const { engineAddress, tracing } = parseHostArgs(argv);
  const host = new LanguageHost(engineAddress, tracing);
  const server = new grpc.Server(GRPC_OPTIONS);
  server.addService(LanguageRuntimeService, host.service());

  const shutdown = (code: number) => {
    host.stopAll();
    server.tryShutdown(() => process.exit(code));
    setTimeout(() => process.exit(code), 6000).unref(); // children get 5 s to flush, see stop()
  };
  process.on("SIGINT", () => shutdown(0));
  process.on("SIGTERM", () => shutdown(0));

  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) {
      process.stderr.write(`could not start language host RPC server: ${err.message}\n`);
      process.exit(1);
    }
    // The one line the CLI is waiting for.
    process.stdout.write(`${port}\n`);
    if (engineAddress) watchEngine(engineAddress, () => shutdown(1));
  });
}

main(process.argv.slice(2));
