// A region's kcp shard. Cloud profile: rendered into the region's cluster (namespace `kcp`): serving and
// client certificates signed by the fleet CAs (the home stack's outputs), Secrets, etcd (an etcd StatefulSet
// beside it, or embedded for dev), the kcp Deployment/StatefulSet, a Service the front-proxy reaches it
// through, a PodDisruptionBudget; then its Shard object on kcp is labelled with the region so region
// workspaces land on it. Local profile: local/env.sh already runs the shard process, so only the labels
// are claimed (a server-side-apply patch of the Shard object named by the local env's `kcpShard`).
// The server's command line, files and workload are server-workload.ts's (shared with the root shard).
//
// kcp registers its own Shard object in the root workspace at start (create, or update of spec only), so
// labels applied by the patch survive restarts; the patch's field manager owns only those labels.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Profile } from "../local-profile";
import { podSecurityLabels } from "../manifests";
import { issueCert } from "./pki";
import { configChecksumOf } from "./checksum";
import { Etcd } from "./etcd";
import type { KcpHome } from "./home-reference";
import {
  ETCD_NAME,
  type KcpSecretKind,
  SHARD_NAMESPACE,
  etcdClientSecretName,
  kcpSecretName,
  shardObjectName,
} from "./names";
import {
  type ContainerResources,
  KCP_PORT,
  checkResources,
  httpsUrl,
  isDnsLabel,
  serviceDnsNames,
  shardLabels,
  splitSans,
  workloadLabels,
} from "./render";
import {
  DEFAULT_KCP_RESOURCES,
  KCP_PATHS,
  kcpServerWorkload,
  kcpShardMounts,
  kcpShardSecretNames,
  renderKcpPodTemplate,
  renderKcpShardArgs,
  shardHost,
} from "./server-workload";
import {
  type KcpServerOptions,
  checkServerOptions,
  checkServerReplicas,
  resolveServerSettings,
  serverReplicas,
} from "./settings";

export const SHARD_API_VERSION = "core.kcp.io/v1alpha1";

export interface ShardArgs extends KcpServerOptions {
  /**
   * "cloud": render the shard into the region's cluster. "local": local/env.sh runs the shard; only its
   * Shard object's region labels are claimed. @default "cloud"
   */
  profile?: Profile;
  /** The region (RegionConfig.region): the value of the pipeline-service.dev/region label. */
  region: string;
  /** Shard name, unique in the fleet (RegionConfig.kcp.shardName; locally the env's `kcpShard`). @default region */
  shardName?: string;
  /** Provider for kcp's root workspace (kcp-provider.ts newKcpProvider): the Shard object is patched there. */
  kcpProvider: k8s.Provider;

  // Cloud profile only (and so are the KcpServerOptions).
  /** The region cluster's provider. Required in the cloud profile. */
  provider?: k8s.Provider;
  /** The fleet's kcp root (readKcpHome(homeStack), or Root.home in the home region). Required in the cloud profile. */
  home?: KcpHome;
  /**
   * DNS name the front-proxy and other regions reach this shard at (point it at the Service's load
   * balancer). @default the load balancer's hostname or IP (serviceType LoadBalancer), else the Service's
   * in-cluster name
   */
  externalHostname?: string;
  /** @default "LoadBalancer" (the front-proxy runs in the home region's cluster) */
  serviceType?: "LoadBalancer" | "ClusterIP";
  /** E.g. internal load balancer annotations. @default {} */
  serviceAnnotations?: Record<string, string>;
  /** kcp replicas: any number with external etcd (leader election), exactly 1 with embedded. @default 2 | 1 */
  replicas?: number;
  /** @default "kcp" */
  namespace?: string;
  /** @default { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "2Gi" } } (no CPU limit: throttling an API server hurts everyone) */
  resources?: ContainerResources;
}

/** Checks the plain-value arguments; throws an Error naming the first problem. */
export function validateShardArgs(args: ShardArgs): void {
  if (!isDnsLabel(args.region)) throw new Error(`region ${JSON.stringify(args.region)} is not a DNS label`);
  const shardName = args.shardName ?? args.region;
  if (!isDnsLabel(shardName) || shardName === "root")
    throw new Error(`shardName ${JSON.stringify(shardName)} must be a DNS label other than "root"`);
  if (!args.kcpProvider) throw new Error("kcpProvider is required (the Shard object lives on kcp)");
  if ((args.profile ?? "cloud") === "local") return;
  if (!args.provider) throw new Error("provider (the region cluster's) is required in the cloud profile");
  if (!args.home) throw new Error("home (the kcp root's outputs) is required in the cloud profile");
  if (!isDnsLabel(args.namespace ?? SHARD_NAMESPACE)) throw new Error("namespace must be a DNS label");
  checkServerOptions(args);
  checkServerReplicas("replicas", args.etcd ?? "external", args.replicas);
  if (args.externalHostname !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(args.externalHostname))
    throw new Error(`externalHostname ${JSON.stringify(args.externalHostname)} is not a host name`);
  checkResources("resources", args.resources ?? DEFAULT_KCP_RESOURCES);
}

/** A kcp shard of one region. */
export class Shard extends pulumi.ComponentResource {
  public readonly shardName: string;
  /** The URL the front-proxy reaches the shard at (cloud profile). */
  public readonly baseUrl?: pulumi.Output<string>;
  public readonly namespace?: pulumi.Output<string>;
  /** The Shard object's label patch on kcp. */
  public readonly labelPatch: k8s.apiextensions.CustomResourcePatch;

  constructor(name: string, args: ShardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pipeline-service:kcp:Shard", name, { region: args.region }, opts);
    try {
      validateShardArgs(args);
    } catch (e) {
      throw new pulumi.ResourceError(`Shard ${name}: ${(e as Error).message}`, this);
    }
    this.shardName = args.shardName ?? args.region;
    const dependsOn: pulumi.Resource[] = [];
    if ((args.profile ?? "cloud") === "cloud") {
      const rendered = this.renderWorkload(name, args);
      this.baseUrl = rendered.baseUrl;
      this.namespace = rendered.namespace;
      // kcp creates its Shard object once it runs: label it after the workload is ready.
      dependsOn.push(rendered.workload);
    }
    this.labelPatch = new k8s.apiextensions.CustomResourcePatch(
      `${name}-shard-labels`,
      {
        apiVersion: SHARD_API_VERSION,
        kind: "Shard",
        metadata: { name: this.shardName, labels: shardLabels(args.region, "region") },
      },
      { parent: this, provider: args.kcpProvider, dependsOn },
    );
    this.registerOutputs({ shardName: this.shardName, baseUrl: this.baseUrl, namespace: this.namespace });
  }

  private renderWorkload(
    name: string,
    args: ShardArgs,
  ): { workload: pulumi.Resource; baseUrl: pulumi.Output<string>; namespace: pulumi.Output<string> } {
    const home = args.home!;
    const child = { parent: this, provider: args.provider! };
    const shardName = this.shardName;
    const objectName = shardObjectName(shardName);
    const settings = resolveServerSettings(args);
    const zones = settings.zones;
    const serviceType = args.serviceType ?? "LoadBalancer";
    const hours = settings.certValidityHours;
    const labels = workloadLabels("kcp-shard", objectName);

    const ns = new k8s.core.v1.Namespace(
      `${name}-ns`,
      {
        metadata: {
          name: args.namespace ?? SHARD_NAMESPACE,
          labels: { "app.kubernetes.io/part-of": "pipeline-service", ...podSecurityLabels("baseline") },
        },
      },
      child,
    );
    const namespace = ns.metadata.name;

    const etcd = settings.embedded
      ? undefined
      : new Etcd(
          `${name}-etcd`,
          {
            provider: args.provider!,
            namespace,
            zones,
            image: settings.etcdImage,
            storageSize: settings.storageSize ?? "10Gi",
            storageClassName: settings.storageClassName,
            certValidityHours: hours,
            protect: settings.protect,
          },
          { parent: this },
        );
    const etcdClient = etcd ? etcdClientSecretName(ETCD_NAME) : undefined;

    const service = new k8s.core.v1.Service(
      `${name}-svc`,
      {
        metadata: { name: objectName, namespace, labels, annotations: args.serviceAnnotations ?? {} },
        spec: {
          type: serviceType,
          selector: labels,
          ports: [{ name: "https", port: KCP_PORT, targetPort: "https", protocol: "TCP" }],
        },
      },
      child,
    );
    const host = pulumi.all([namespace, service.status]).apply(([n, status]) =>
      shardHost({
        externalHostname: args.externalHostname,
        serviceType,
        ingress: status?.loadBalancer?.ingress,
        serviceName: objectName,
        namespace: n,
      }),
    );
    const baseUrl = host.apply((h) => httpsUrl(h, KCP_PORT));

    // Serving certificate (fleet serving CA): the front-proxy and other shards verify it.
    const sans = pulumi
      .all([host, namespace])
      .apply(([h, n]) => splitSans([h, ...serviceDnsNames(objectName, n), "localhost", "127.0.0.1"]));
    const server = issueCert(
      this,
      `${name}-server`,
      { cert: home.caBundle, key: home.servingCaKeyPem },
      {
        commonName: objectName,
        uses: ["server_auth"],
        dnsNames: sans.dnsNames,
        ipAddresses: sans.ipAddresses,
      },
      hours,
    );
    // The shard's own client identity towards other kcp components (as kcp's sharded-test-server issues it).
    const shardClient = issueCert(
      this,
      `${name}-shard-client`,
      { cert: home.clientCaCertPem, key: home.clientCaKeyPem },
      { commonName: `kcp-shard-${shardName}`, organization: "system:masters", uses: ["client_auth"] },
      hours,
    );

    const mounted: Record<string, Record<string, pulumi.Input<string>>> = {};
    const secret = (kind: KcpSecretKind, type: string, data: Record<string, pulumi.Input<string>>) => {
      const secretName = kcpSecretName(objectName, kind);
      mounted[secretName] = data;
      return new k8s.core.v1.Secret(
        `${name}-${kind}`,
        {
          metadata: { name: secretName, namespace, labels },
          type,
          stringData: pulumi.secret(pulumi.output(data)),
        },
        child,
      );
    };
    const secrets = [
      secret("server-tls", "kubernetes.io/tls", { "tls.crt": server.cert, "tls.key": server.key }),
      secret("shard-client-tls", "kubernetes.io/tls", {
        "tls.crt": shardClient.cert,
        "tls.key": shardClient.key,
      }),
      secret("mounts-proxy-tls", "kubernetes.io/tls", {
        "tls.crt": home.mountsProxyCertPem,
        "tls.key": home.mountsProxyKeyPem,
      }),
      secret("ca", "Opaque", {
        "serving-ca.crt": home.caBundle,
        "client-ca.crt": home.clientCaCertPem,
        "requestheader-ca.crt": home.requestHeaderCaCertPem,
      }),
      secret("service-account", "Opaque", { "tls.key": home.serviceAccountKeyPem }),
      secret("kubeconfigs", "Opaque", {
        "root-shard.kubeconfig": home.rootShardKubeconfig,
        "cache.kubeconfig": home.cacheKubeconfig,
        "logical-cluster-admin.kubeconfig": home.logicalClusterAdminKubeconfig,
        "external-logical-cluster-admin.kubeconfig": home.externalLogicalClusterAdminKubeconfig,
      }),
    ];
    const checksum = configChecksumOf({
      ...mounted,
      ...(etcd && etcdClient ? { [etcdClient]: { checksum: etcd.clientChecksum } } : {}),
    });

    const mounts = kcpShardMounts(kcpShardSecretNames(objectName, etcdClient));
    const template = pulumi
      .all([
        baseUrl,
        pulumi.output(home.frontProxyUrl),
        etcd ? etcd.clientUrls : pulumi.output([] as string[]),
        checksum,
      ])
      .apply(([base, external, servers, sum]) =>
        renderKcpPodTemplate({
          containerName: "kcp",
          image: settings.image,
          command: ["/kcp", "start"],
          args: renderKcpShardArgs({
            shardName,
            baseUrl: base,
            externalUrl: external,
            role: "region",
            etcd: etcd ? { mode: "external", servers, prefix: `/kcp/${shardName}` } : { mode: "embedded" },
          }),
          mounts,
          labels,
          zones,
          resources: args.resources ?? DEFAULT_KCP_RESOURCES,
          dataPath: KCP_PATHS.rootDir,
          persistentData: settings.embedded,
          checksum: sum,
        }),
      );
    const workload = kcpServerWorkload(this, {
      resourcePrefix: name,
      provider: args.provider!,
      namespace,
      objectName,
      labels,
      replicas: serverReplicas(settings, args.replicas),
      persistent: settings.embedded,
      // Embedded etcd: kcp's own volume holds every workspace.
      storageSize: settings.storageSize ?? "20Gi",
      storageClassName: settings.storageClassName,
      protect: settings.protect,
      template,
      dependsOn: [...secrets, service, ...(etcd ? [etcd] : [])],
    });
    return { workload, baseUrl, namespace };
  }
}
