// ExistingCluster under mocks, and the provider-churn contract every cluster component shares.
//
// Why this proves "no churn" without a real engine: pulumi-kubernetes v4 DiffConfig replaces its provider
// (and so every resource on it) when the kubeconfig is unknown at preview or its active cluster entry
// changes - unless `clusterIdentifier` is set and unchanged, in which case it drops every replace. The
// engine additionally treats a provider with a different URN (name, parent, type) as a new provider.
// So a kubeconfig-only change is an update iff: same URN, same clusterIdentifier. That is what we assert.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { stringify as stringifyYaml } from "yaml";
import { ExistingCluster, existingArgsFromConfig } from "../../components/cluster/existing";
import { WorkloadCluster } from "../../components/cluster/workload-cluster";
import { Registered, settle, setupMocks, valueOf } from "../helpers/mocks";

const PROVIDER = "pulumi:providers:kubernetes";
const ZONES = ["local-east-a", "local-east-b", "local-east-c"];

function kubeconfig(opts: { server?: string; ca?: string; token?: string; context?: string } = {}): string {
  const ctx = opts.context ?? "kwok-east";
  return stringifyYaml({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "east",
        cluster: {
          server: opts.server ?? "https://127.0.0.1:32766",
          "certificate-authority-data": opts.ca ?? "Q0ExCg==",
        },
      },
      { name: "west", cluster: { server: "https://127.0.0.1:32767" } },
    ],
    contexts: [
      { name: ctx, context: { cluster: "east", user: "admin" } },
      { name: "kwok-west", context: { cluster: "west", user: "admin" } },
    ],
    "current-context": ctx,
    users: [{ name: "admin", user: { token: opts.token ?? "t0ken-1" } }],
  });
}

/** Registers one ExistingCluster on fresh mocks (a fresh "deployment") and returns its provider's record. */
async function deploy(
  args: Partial<ConstructorParameters<typeof ExistingCluster>[1]> & { kubeconfig: pulumi.Input<string> },
): Promise<{ cluster: ExistingCluster; urn: string; provider: Registered; resources: Registered[] }> {
  const { resources } = setupMocks();
  const cluster = new ExistingCluster("local-east", { region: "local-east", zones: ZONES, ...args });
  const urn = await valueOf(cluster.provider.urn);
  await settle();
  const providers = resources.filter((r) => r.type === PROVIDER);
  assert.equal(providers.length, 1, "exactly one Kubernetes provider");
  return { cluster, urn, provider: providers[0], resources };
}

/** The value inside a secret as the engine receives it, or fail if it is not a secret. */
function secretValue(v: unknown): unknown {
  assert.ok(pulumi.runtime.isRpcSecret(v), `expected a secret, got ${JSON.stringify(v)?.slice(0, 60)}`);
  return pulumi.runtime.unwrapRpcSecret(v);
}

void describe("ExistingCluster", () => {
  void it("satisfies the WorkloadCluster contract and registers nothing but itself and its provider", async () => {
    const { cluster, resources } = await deploy({ kubeconfig: kubeconfig() });
    const wc: WorkloadCluster = cluster;
    assert.equal(wc.region, "local-east");
    assert.deepEqual(wc.zones, ZONES);
    assert.equal(await valueOf(wc.name), "kwok-east");
    assert.equal(await valueOf(cluster.server), "https://127.0.0.1:32766");
    assert.deepEqual(
      resources.map((r) => r.type).sort(),
      [PROVIDER, "pipeline-service:cluster:ExistingCluster"].sort(),
    );
  });

  void it("creates the provider with the kubeconfig as a secret, and exports it only as a secret", async () => {
    const kc = kubeconfig();
    const { cluster, provider } = await deploy({ kubeconfig: kc });
    assert.equal(secretValue(provider.inputs.kubeconfig), kc);
    assert.equal(await pulumi.isSecret(cluster.kubeconfig), true);
    // Derived, non-secret facts are readable (not tainted by the secret kubeconfig).
    assert.equal(await pulumi.isSecret(cluster.name), false);
    assert.equal(provider.inputs.clusterIdentifier, "https://127.0.0.1:32766");
    assert.equal(provider.inputs.enableServerSideApply, "true");
    assert.equal(provider.inputs.deleteUnreachable, undefined, "deleteUnreachable must stay unset");
  });

  void it("keeps the provider URN and clusterIdentifier across a kubeconfig-only change (update, not replace)", async () => {
    const before = await deploy({ kubeconfig: kubeconfig() });
    // Rotated token, rotated CA and a renamed context: the same cluster behind the same URL.
    const rotated = kubeconfig({ token: "t0ken-2", ca: "Q0EyCg==", context: "kwok-east-renamed" });
    const after = await deploy({ kubeconfig: rotated });
    assert.notEqual(
      secretValue(after.provider.inputs.kubeconfig),
      secretValue(before.provider.inputs.kubeconfig),
    );
    assert.equal(after.urn, before.urn);
    assert.equal(
      after.urn,
      "urn:pulumi:test::pipeline-service::pipeline-service:cluster:ExistingCluster$pulumi:providers:kubernetes::local-east-k8s",
    );
    assert.equal(after.provider.name, before.provider.name);
    assert.equal(after.provider.inputs.clusterIdentifier, before.provider.inputs.clusterIdentifier);
  });

  void it("keeps the identifier when the kubeconfig arrives as a secret Output", async () => {
    const plain = await deploy({ kubeconfig: kubeconfig() });
    const wrapped = await deploy({ kubeconfig: pulumi.secret(kubeconfig({ token: "other" })) });
    assert.equal(wrapped.urn, plain.urn);
    assert.equal(wrapped.provider.inputs.clusterIdentifier, plain.provider.inputs.clusterIdentifier);
    assert.equal(await pulumi.isSecret(wrapped.cluster.name), false);
  });

  void it("changes the identifier (a real replacement) when the region points at another API server", async () => {
    const before = await deploy({ kubeconfig: kubeconfig() });
    const moved = await deploy({ kubeconfig: kubeconfig({ server: "https://10.0.0.5:6443" }) });
    assert.equal(moved.urn, before.urn);
    assert.notEqual(moved.provider.inputs.clusterIdentifier, before.provider.inputs.clusterIdentifier);
  });

  void it("honours an explicit context and clusterIdentifier", async () => {
    const { cluster, provider } = await deploy({
      kubeconfig: kubeconfig(),
      context: "kwok-west",
      clusterIdentifier: "local-west-v2",
    });
    assert.equal(await valueOf(cluster.server), "https://127.0.0.1:32767");
    assert.equal(provider.inputs.context, "kwok-west");
    assert.equal(provider.inputs.clusterIdentifier, "local-west-v2");
  });

  void it("rejects a missing context before registering anything, naming the component", () => {
    setupMocks();
    assert.throws(
      () =>
        new ExistingCluster("bad", { kubeconfig: kubeconfig(), context: "nope", region: "r", zones: ["a"] }),
      (e: Error) =>
        e instanceof pulumi.ResourceError &&
        /ExistingCluster bad: kubeconfig has no context "nope"/.test(e.message),
    );
  });

  void it("maps region config to args", () => {
    const args = existingArgsFromConfig(
      { context: "kwok-east" },
      { region: "local-east", zones: ZONES },
      "content",
    );
    assert.deepEqual(args, {
      kubeconfig: "content",
      context: "kwok-east",
      region: "local-east",
      zones: ZONES,
    });
  });
});
