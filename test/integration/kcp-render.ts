// Renders the cloud profile's kcp root (Root) and one region shard (Shard) under Pulumi mocks and writes what
// the two clusters would hold as JSON: every Kubernetes object (inputs and mocked outputs, secrets
// unwrapped) with the cluster it belongs to, and kubeconfigs to reach them. The region shard enrolls as in
// a fleet (components/kcp/enrollment.ts): it publishes its request, Root signs it, and the shard mounts the
// certificates Root signed (one process stands for both stacks: the certificates reach the shard as an
// Output resolved once Root has signed). Run as its own process
// by kcp-render-run.test.ts: Pulumi mocks are process-wide, the test itself runs real binaries.
//   node --import tsx test/integration/kcp-render.ts <out.json> <externalUrl> <rootShardHostname> <region>
import * as fs from "node:fs";
import * as k8s from "@pulumi/kubernetes";
import { settle, setupMocks, valueOf } from "../helpers/mocks";
import * as pulumi from "@pulumi/pulumi";
import { type ShardCertificates, shardCertSpecs } from "../../components/kcp/enrollment";
import { kcpSecretName, shardObjectName } from "../../components/kcp/names";
import { Root } from "../../components/kcp/root";
import type { KcpHome } from "../../components/kcp/home-reference";
import { type KcpFleet, Shard } from "../../components/kcp/shard";
import { requestLeafCert } from "../../components/shared/pki";

/** A load balancer's address as the cloud would publish it: one DNS name per Service. */
export const lbHostname = (pulumiName: string): string => `${pulumiName}.lb.render-run.test`;

export interface RenderedObject {
  cluster: "home" | "region";
  type: string;
  name: string;
  value: Record<string, unknown>;
}

export interface Rendered {
  objects: RenderedObject[];
  adminKubeconfig: string;
  rootShardKubeconfig: string;
  rootShardUrl: string;
  shardBaseUrl: string;
  shardName: string;
}

async function main(): Promise<void> {
  const [out, externalUrl, rootShardHostname, region] = process.argv.slice(2);
  const { resources, states } = setupMocks({
    outputs: {
      "kubernetes:core/v1:Service": (a) =>
        (a.inputs.spec as { type?: string }).type === "LoadBalancer"
          ? { status: { loadBalancer: { ingress: [{ hostname: lbHostname(a.name) }] } } }
          : {},
    },
  });
  const home = new k8s.Provider("home-cluster", { kubeconfig: "{}" });
  const regionCluster = new k8s.Provider("region-cluster", { kubeconfig: "{}" });
  const kcp = new k8s.Provider("kcp-root-workspace", { kubeconfig: "{}" });
  let signed!: (c: ShardCertificates) => void;
  const certificates = pulumi.output(new Promise<ShardCertificates>((r) => (signed = r)));
  const admin = shardCertSpecs(region).admin;
  const adminRequest = requestLeafCert(`${region}-kcp-admin`, admin, {});
  let resolveFleet!: (f: KcpHome) => void;
  const fleet = pulumi.output(new Promise<KcpHome>((r) => (resolveFleet = r)));
  const fact = (k: keyof KcpFleet) => fleet.apply((f) => f[k]);
  const shard = new Shard(region, {
    region,
    kcpProvider: kcp,
    provider: regionCluster,
    fleet: {
      frontProxyUrl: fact("frontProxyUrl"),
      caBundle: fact("caBundle"),
      clientCaCertPem: fact("clientCaCertPem"),
      requestHeaderCaCertPem: fact("requestHeaderCaCertPem"),
      rootShardUrl: fact("rootShardUrl"),
      cacheUrl: fact("cacheUrl"),
    },
    certificates,
    adminCertificateRequest: adminRequest.csr.certRequestPem,
  });
  const request = await valueOf(shard.request!);
  const root = new Root("home", { provider: home, externalUrl, rootShardHostname, shardRequests: [request] });
  resolveFleet(root.home);
  root.home.shards.apply((s) => signed(s[request.shardName]));
  const outputs = await Promise.all([
    valueOf(root.adminKubeconfig),
    valueOf(root.rootShardUrl),
    valueOf(shard.baseUrl!),
  ]);
  await settle();
  await new Promise((r) => setTimeout(r, 200));
  await settle();
  const clusterOf = (provider?: string) =>
    provider?.includes("::home-cluster::")
      ? "home"
      : provider?.includes("::region-cluster::")
        ? "region"
        : undefined;
  const objects: RenderedObject[] = [];
  for (const r of resources) {
    const cluster = clusterOf(r.provider);
    // Objects on kcp itself (the Shard label patch) go with the region: the test applies them on root.
    const onKcp = r.provider?.includes("::kcp-root-workspace::");
    if (!cluster && !onKcp) continue;
    objects.push({ cluster: cluster ?? "region", type: r.type, name: r.name, value: states.get(r.name)! });
  }
  // The region shard's own identity on the root shard (system:masters there), from its kubeconfigs Secret.
  const kubeconfigs = objects.find((o) => o.cluster === "region" && o.name === `${region}-kubeconfigs`)
    ?.value as { stringData?: Record<string, string> } | undefined;
  const rootShardKubeconfig = kubeconfigs?.stringData?.["root-shard.kubeconfig"];
  if (!rootShardKubeconfig)
    throw new Error(`no ${kcpSecretName(shardObjectName(region), "kubeconfigs")} with root-shard.kubeconfig`);
  const rendered: Rendered = {
    objects,
    adminKubeconfig: outputs[0],
    rootShardKubeconfig,
    rootShardUrl: outputs[1],
    shardBaseUrl: outputs[2],
    shardName: shard.shardName,
  };
  fs.writeFileSync(out, JSON.stringify(rendered), { mode: 0o600 });
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
