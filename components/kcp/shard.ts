// A region's kcp shard. Cloud profile: rendered into the region's cluster (namespace `kcp`): serving and
// client certificates signed by the fleet CAs (the home stack's outputs), Secrets, etcd (an etcd StatefulSet
// beside it, or embedded for dev), the kcp Deployment/StatefulSet, a Service the front-proxy reaches it
// through, a PodDisruptionBudget; then its Shard object on kcp is labelled with the region so region
// workspaces land on it. Local profile: local/env.sh already runs the shard process, so only the labels
// are claimed (a server-side-apply patch of the Shard object named by the local env's `kcpShard`).
//
// kcp registers its own Shard object in the root workspace at start (create, or update of spec only), so
// labels applied by the patch survive restarts; the patch's field manager owns only those labels.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Profile } from "../local-profile";
import { podSecurityLabels } from "../manifests";
import { issueCert } from "./pki";
import { ETCD_CLIENT_MOUNT, Etcd, etcdClientSecretName } from "./etcd";
import type { KcpHome } from "./home-reference";
import {
  type ContainerResources,
  DEFAULT_ETCD_IMAGE,
  DEFAULT_KCP_IMAGE,
  type EtcdMode,
  KCP_PORT,
  type SecretMount,
  checkPinnedImage,
  checkResources,
  checkStorageSize,
  checkZones,
  containerSecurityContext,
  httpsProbe,
  httpsUrl,
  isDnsLabel,
  loadBalancerHost,
  pdbSpec,
  podSecurityContext,
  secretVolumes,
  serviceDnsNames,
  shardLabels,
  splitSans,
  workloadLabels,
  zonePlacement,
} from "./render";

export const SHARD_NAMESPACE = "kcp";
export const SHARD_API_VERSION = "core.kcp.io/v1alpha1";

/** Files in a kcp shard pod (Root's root shard uses the same layout). */
export const KCP_PATHS = {
  rootDir: "/var/lib/kcp",
  serverTls: "/etc/kcp/tls/server",
  shardClientTls: "/etc/kcp/tls/shard-client",
  mountsProxyTls: "/etc/kcp/tls/mounts-proxy",
  /** serving-ca.crt, client-ca.crt, requestheader-ca.crt */
  ca: "/etc/kcp/tls/ca",
  /** tls.key */
  serviceAccount: "/etc/kcp/tls/service-account",
  /** root-shard, cache, logical-cluster-admin, external-logical-cluster-admin (.kubeconfig) */
  kubeconfigs: "/etc/kcp/kubeconfigs",
  etcd: ETCD_CLIENT_MOUNT,
} as const;

/** Common names of the requestheader clients shards accept identity headers from. */
export const REQUESTHEADER_ALLOWED_NAMES = ["kcp-front-proxy", "kcp-mounts-proxy"];

export interface KcpShardFlags {
  shardName: string;
  /** URL the front-proxy (and other shards) reach this shard at: `https://<host>:6443`. */
  baseUrl: string;
  /** The front-proxy URL: what clients see in workspace URLs. */
  externalUrl: string;
  /** Region shards register with the root shard; the root shard itself does not. */
  role: "root" | "region";
  etcd: { mode: "embedded" } | { mode: "external"; servers: string[]; prefix: string };
}

/**
 * kcp's command line (after `/kcp start`), every flag checked against kcp v0.32.3's option set
 * (pkg/server/options, cmd/sharded-test-server/shard.go).
 *
 * `--external-hostname` is not used: kcp v0.32.3 keeps it only as a hidden, deprecated no-op
 * (pkg/server/options/options.go). The external host comes from `--shard-base-url`, which sets the
 * server's ExternalHost and the Shard object's spec.baseURL.
 */
export function renderKcpShardArgs(f: KcpShardFlags): string[] {
  const p = KCP_PATHS;
  const args = [
    `--shard-name=${f.shardName}`,
    `--root-directory=${p.rootDir}`,
    `--secure-port=${KCP_PORT}`,
    `--shard-base-url=${f.baseUrl}`,
    `--shard-external-url=${f.externalUrl}`,
    // No admin battery: no admin.kubeconfig or shard-admin token on disk; admins use client certificates.
    "--batteries-included=-admin",
    // Several replicas share one etcd; kcp's controllers run in the leader only.
    "--enable-leader-election=true",
    `--tls-cert-file=${p.serverTls}/tls.crt`,
    `--tls-private-key-file=${p.serverTls}/tls.key`,
    `--client-ca-file=${p.ca}/client-ca.crt`,
    `--requestheader-client-ca-file=${p.ca}/requestheader-ca.crt`,
    `--requestheader-allowed-names=${REQUESTHEADER_ALLOWED_NAMES.join(",")}`,
    "--requestheader-username-headers=X-Remote-User",
    "--requestheader-group-headers=X-Remote-Group",
    "--requestheader-extra-headers-prefix=X-Remote-Extra-",
    `--service-account-key-file=${p.serviceAccount}/tls.key`,
    `--service-account-private-key-file=${p.serviceAccount}/tls.key`,
    `--service-account-signing-key-file=${p.serviceAccount}/tls.key`,
    `--shard-client-cert-file=${p.shardClientTls}/tls.crt`,
    `--shard-client-key-file=${p.shardClientTls}/tls.key`,
    `--shard-virtual-workspace-ca-file=${p.ca}/serving-ca.crt`,
    `--mount-proxy-client-cert-file=${p.mountsProxyTls}/tls.crt`,
    `--mount-proxy-client-key-file=${p.mountsProxyTls}/tls.key`,
    `--cache-kubeconfig=${p.kubeconfigs}/cache.kubeconfig`,
    `--logical-cluster-admin-kubeconfig=${p.kubeconfigs}/logical-cluster-admin.kubeconfig`,
    `--external-logical-cluster-admin-kubeconfig=${p.kubeconfigs}/external-logical-cluster-admin.kubeconfig`,
  ];
  if (f.role === "region") args.push(`--root-shard-kubeconfig-file=${p.kubeconfigs}/root-shard.kubeconfig`);
  if (f.etcd.mode === "external") {
    if (f.etcd.servers.length === 0) throw new Error("external etcd needs at least one server URL");
    args.push(
      `--etcd-servers=${f.etcd.servers.join(",")}`,
      `--etcd-prefix=${f.etcd.prefix}`,
      `--etcd-cafile=${p.etcd}/ca.crt`,
      `--etcd-certfile=${p.etcd}/tls.crt`,
      `--etcd-keyfile=${p.etcd}/tls.key`,
    );
  }
  return args;
}

/** Secret names of one kcp shard's files. */
export interface KcpShardSecrets {
  serverTls: string;
  shardClientTls: string;
  mountsProxyTls: string;
  ca: string;
  serviceAccount: string;
  kubeconfigs: string;
  /** External etcd only. */
  etcdClient?: string;
}

/** The secret mounts of a kcp shard (pure; order is stable). */
export function kcpShardMounts(s: KcpShardSecrets): SecretMount[] {
  const p = KCP_PATHS;
  const mounts: SecretMount[] = [
    { volume: "server-tls", secretName: s.serverTls, mountPath: p.serverTls },
    { volume: "shard-client-tls", secretName: s.shardClientTls, mountPath: p.shardClientTls },
    { volume: "mounts-proxy-tls", secretName: s.mountsProxyTls, mountPath: p.mountsProxyTls },
    { volume: "ca", secretName: s.ca, mountPath: p.ca },
    { volume: "service-account", secretName: s.serviceAccount, mountPath: p.serviceAccount },
    { volume: "kubeconfigs", secretName: s.kubeconfigs, mountPath: p.kubeconfigs },
  ];
  if (s.etcdClient) mounts.push({ volume: "etcd-client", secretName: s.etcdClient, mountPath: p.etcd });
  return mounts;
}

/**
 * The pod template of a kcp server (shard or cache server): non-root, read-only root file system, state
 * under `dataVolume` (a claim for embedded etcd, else an emptyDir), secrets mounted read-only, kept on
 * the region's zones.
 */
export function renderKcpPodTemplate(p: {
  containerName: string;
  image: string;
  command: string[];
  args: string[];
  mounts: SecretMount[];
  /** ConfigMaps mounted read-only as directories. @default [] */
  configMaps?: { volume: string; configMap: string; mountPath: string }[];
  labels: Record<string, string>;
  zones: string[];
  resources: ContainerResources;
  dataPath: string;
  /** true: the `data` volume comes from a volumeClaimTemplate (StatefulSet). */
  persistentData: boolean;
}): k8s.types.input.core.v1.PodTemplateSpec {
  const { volumes, volumeMounts } = secretVolumes(p.mounts);
  const configMaps = p.configMaps ?? [];
  return {
    metadata: { labels: p.labels },
    spec: {
      // kcp serves its own API; it never calls the hosting cluster's.
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 60,
      securityContext: podSecurityContext(),
      ...zonePlacement(p.labels, p.zones),
      containers: [
        {
          name: p.containerName,
          image: p.image,
          imagePullPolicy: "IfNotPresent",
          command: p.command,
          args: p.args,
          ports: [{ name: "https", containerPort: KCP_PORT, protocol: "TCP" }],
          resources: p.resources,
          securityContext: containerSecurityContext(),
          startupProbe: httpsProbe("/livez", { periodSeconds: 5, failureThreshold: 120 }),
          readinessProbe: httpsProbe("/readyz", { periodSeconds: 5, failureThreshold: 3 }),
          livenessProbe: httpsProbe("/livez"),
          volumeMounts: [
            { name: "data", mountPath: p.dataPath },
            { name: "tmp", mountPath: "/tmp" },
            ...configMaps.map((c) => ({ name: c.volume, mountPath: c.mountPath, readOnly: true })),
            ...volumeMounts,
          ],
        },
      ],
      volumes: [
        ...(p.persistentData ? [] : [{ name: "data", emptyDir: {} }]),
        { name: "tmp", emptyDir: {} },
        ...configMaps.map((c) => ({ name: c.volume, configMap: { name: c.configMap } })),
        ...volumes,
      ],
    },
  };
}

export interface ShardArgs {
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

  // Cloud profile only.
  /** The region cluster's provider. Required in the cloud profile. */
  provider?: k8s.Provider;
  /** The fleet's kcp root (readKcpHome(homeStack), or Root.home in the home region). Required in the cloud profile. */
  home?: KcpHome;
  /** Zones (RegionConfig.zones) kcp and etcd pods stay in and spread over. @default [] */
  zones?: string[];
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
  /**
   * "external": a 3-member etcd StatefulSet in the namespace, spread over the zones, with a PDB (production).
   * "embedded": etcd inside the kcp process on its volume, one replica, no fault tolerance (dev).
   * @default "external"
   */
  etcd?: EtcdMode;
  /** kcp replicas: any number with external etcd (leader election), exactly 1 with embedded. @default 2 | 1 */
  replicas?: number;
  /** @default "kcp" */
  namespace?: string;
  /** @default DEFAULT_KCP_IMAGE */
  image?: string;
  /** @default DEFAULT_ETCD_IMAGE */
  etcdImage?: string;
  /** @default { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "2Gi" } } (no CPU limit: throttling an API server hurts everyone) */
  resources?: ContainerResources;
  /** Per etcd member (external) or for kcp's own volume (embedded). @default "10Gi" | "20Gi" */
  storageSize?: string;
  /** @default the cluster's default class */
  storageClassName?: string;
  /** Serving and client certificate validity in hours. @default 8760 */
  certValidityHours?: number;
  /**
   * Pulumi-protects the stateful leaves: the etcd StatefulSet (external etcd), or the kcp StatefulSet
   * (embedded etcd: its claim holds the data). Certificates (renewed by replacement), Secrets, Services,
   * the Deployment, the PDB and the Shard label patch stay unprotected. Cloud profile only. @default false
   */
  protect?: boolean;
}

export const DEFAULT_KCP_RESOURCES: ContainerResources = {
  requests: { cpu: "500m", memory: "1Gi" },
  limits: { memory: "2Gi" },
};

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
  checkZones(args.zones ?? []);
  const etcd = args.etcd ?? "external";
  if (etcd !== "external" && etcd !== "embedded") throw new Error(`etcd must be "external" or "embedded"`);
  const replicas = args.replicas ?? (etcd === "embedded" ? 1 : 2);
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 10)
    throw new Error(`replicas must be an integer from 1 to 10 (got ${replicas})`);
  if (etcd === "embedded" && replicas !== 1)
    throw new Error(`replicas must be 1 with embedded etcd (each replica would have its own data)`);
  if (args.externalHostname !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(args.externalHostname))
    throw new Error(`externalHostname ${JSON.stringify(args.externalHostname)} is not a host name`);
  checkPinnedImage("image", args.image ?? DEFAULT_KCP_IMAGE);
  checkPinnedImage("etcdImage", args.etcdImage ?? DEFAULT_ETCD_IMAGE);
  checkResources("resources", args.resources ?? DEFAULT_KCP_RESOURCES);
  checkStorageSize("storageSize", args.storageSize ?? "10Gi");
  const hours = args.certValidityHours ?? 8760;
  if (!Number.isInteger(hours) || hours < 24) throw new Error("certValidityHours must be an integer >= 24");
}

/** The host this shard is reached at (see ShardArgs.externalHostname). */
export function shardHost(p: {
  externalHostname?: string;
  serviceType: "LoadBalancer" | "ClusterIP";
  ingress?: { hostname?: string; ip?: string }[];
  serviceName: string;
  namespace: string;
}): string {
  if (p.externalHostname) return p.externalHostname;
  if (p.serviceType === "ClusterIP") return `${p.serviceName}.${p.namespace}.svc`;
  const lb = loadBalancerHost(p.ingress);
  if (!lb) throw new Error(`Service ${p.namespace}/${p.serviceName} has no load balancer address`);
  return lb;
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
    const objectName = `kcp-${shardName}`;
    const etcdMode = args.etcd ?? "external";
    const replicas = args.replicas ?? (etcdMode === "embedded" ? 1 : 2);
    const zones = args.zones ?? [];
    const serviceType = args.serviceType ?? "LoadBalancer";
    const hours = args.certValidityHours ?? 8760;
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

    const etcd =
      etcdMode === "external"
        ? new Etcd(
            `${name}-etcd`,
            {
              provider: args.provider!,
              namespace,
              zones,
              image: args.etcdImage,
              storageSize: args.storageSize ?? "10Gi",
              storageClassName: args.storageClassName,
              certValidityHours: hours,
              protect: args.protect,
            },
            { parent: this },
          )
        : undefined;

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

    const secret = (suffix: string, type: string, data: Record<string, pulumi.Input<string>>) =>
      new k8s.core.v1.Secret(
        `${name}-${suffix}`,
        {
          metadata: { name: `${objectName}-${suffix}`, namespace, labels },
          type,
          stringData: pulumi.secret(pulumi.output(data)),
        },
        child,
      );
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

    const mounts = kcpShardMounts({
      serverTls: `${objectName}-server-tls`,
      shardClientTls: `${objectName}-shard-client-tls`,
      mountsProxyTls: `${objectName}-mounts-proxy-tls`,
      ca: `${objectName}-ca`,
      serviceAccount: `${objectName}-service-account`,
      kubeconfigs: `${objectName}-kubeconfigs`,
      etcdClient: etcd ? etcdClientSecretName("etcd") : undefined,
    });
    const podArgs = pulumi
      .all([
        baseUrl,
        pulumi.output(home.frontProxyUrl),
        etcd ? etcd.clientUrls : pulumi.output([] as string[]),
      ])
      .apply(([base, external, servers]) =>
        renderKcpShardArgs({
          shardName,
          baseUrl: base,
          externalUrl: external,
          role: "region",
          etcd: etcd ? { mode: "external", servers, prefix: `/kcp/${shardName}` } : { mode: "embedded" },
        }),
      );
    const template = (args2: string[]) =>
      renderKcpPodTemplate({
        containerName: "kcp",
        image: args.image ?? DEFAULT_KCP_IMAGE,
        command: ["/kcp", "start"],
        args: args2,
        mounts,
        labels,
        zones,
        resources: args.resources ?? DEFAULT_KCP_RESOURCES,
        dataPath: KCP_PATHS.rootDir,
        persistentData: etcdMode === "embedded",
      });
    const workloadDeps = [...secrets, service, ...(etcd ? [etcd] : [])];
    const workload =
      etcdMode === "embedded"
        ? new k8s.apps.v1.StatefulSet(
            `${name}-sts`,
            {
              metadata: { name: objectName, namespace, labels },
              spec: {
                serviceName: objectName,
                replicas: 1,
                selector: { matchLabels: labels },
                template: podArgs.apply(template),
                volumeClaimTemplates: [
                  {
                    metadata: { name: "data", labels },
                    spec: {
                      accessModes: ["ReadWriteOnce"],
                      storageClassName: args.storageClassName,
                      resources: { requests: { storage: args.storageSize ?? "20Gi" } },
                    },
                  },
                ],
              },
            },
            { ...child, protect: args.protect ?? false, dependsOn: workloadDeps },
          )
        : new k8s.apps.v1.Deployment(
            `${name}-deploy`,
            {
              metadata: { name: objectName, namespace, labels },
              spec: {
                replicas,
                selector: { matchLabels: labels },
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                template: podArgs.apply(template),
              },
            },
            { ...child, dependsOn: workloadDeps },
          );
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      { metadata: { name: objectName, namespace, labels }, spec: pdbSpec(labels, "serving", replicas) },
      child,
    );
    return { workload, baseUrl, namespace };
  }
}
