// A kcp server process in its cluster (a shard: the root shard or a region's; the cache server and the
// front-proxy share the pod layout): its command line, the files it reads, its pod template, and the
// workload that runs it (Deployment with external etcd, single-replica StatefulSet with a claim for
// embedded etcd) with its disruption budget. The pod template carries a checksum of every Secret and
// ConfigMap it mounts, so a renewed certificate or a changed kubeconfig rolls the pods: kcp reads its
// certificates and kubeconfigs once, at start.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { FIELD_MANAGER_ANNOTATIONS } from "../manifests";
import { checksumAnnotations } from "./checksum";
import { ETCD_CLIENT_MOUNT } from "./etcd";
import { kcpSecretName } from "./names";
import {
  type ContainerResources,
  KCP_PORT,
  type SecretMount,
  containerSecurityContext,
  httpsProbe,
  loadBalancerHost,
  pdbSpec,
  podSecurityContext,
  secretVolumes,
  zonePlacement,
} from "./render";

/** Files in a kcp shard pod (the root shard and region shards use the same layout). */
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

export const DEFAULT_KCP_RESOURCES: ContainerResources = {
  requests: { cpu: "500m", memory: "1Gi" },
  limits: { memory: "2Gi" },
};

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

/** The Secrets a shard workload mounts (names from names.ts). */
export function kcpShardSecretNames(workload: string, etcdClient?: string): KcpShardSecrets {
  return {
    serverTls: kcpSecretName(workload, "server-tls"),
    shardClientTls: kcpSecretName(workload, "shard-client-tls"),
    mountsProxyTls: kcpSecretName(workload, "mounts-proxy-tls"),
    ca: kcpSecretName(workload, "ca"),
    serviceAccount: kcpSecretName(workload, "service-account"),
    kubeconfigs: kcpSecretName(workload, "kubeconfigs"),
    etcdClient,
  };
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
  /** configChecksum of what `mounts` and `configMaps` hold. @default none */
  checksum?: string;
}): k8s.types.input.core.v1.PodTemplateSpec {
  const { volumes, volumeMounts } = secretVolumes(p.mounts);
  const configMaps = p.configMaps ?? [];
  return {
    metadata: {
      labels: p.labels,
      ...(p.checksum ? { annotations: checksumAnnotations(p.checksum) } : {}),
    },
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

/** The host a kcp server is reached at: the given name, the load balancer's address, or in-cluster. */
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

/** What kcpServerWorkload needs: the object, its pod template and where its state lives. */
export interface KcpServerWorkloadArgs {
  /** Prefix of the Pulumi resource names: `<prefix>-deploy|-sts|-pdb`. */
  resourcePrefix: string;
  provider: k8s.Provider;
  namespace: pulumi.Input<string>;
  /** Object name of the Deployment/StatefulSet and PDB (names.ts). */
  objectName: string;
  labels: Record<string, string>;
  replicas: number;
  /** true (embedded etcd): a single-replica StatefulSet whose `data` claim holds the state. */
  persistent: boolean;
  storageSize: string;
  storageClassName?: string;
  /** Pulumi-protects the StatefulSet (persistent only: its claim holds the data). */
  protect: boolean;
  template: pulumi.Input<k8s.types.input.core.v1.PodTemplateSpec>;
  dependsOn: pulumi.Resource[];
}

/**
 * A kcp server workload and its disruption budget: a Deployment rolled one pod at a time with a surge
 * (external etcd: replicas share it), or a StatefulSet with one claim (embedded etcd).
 */
export function kcpServerWorkload(parent: pulumi.Resource, a: KcpServerWorkloadArgs): pulumi.Resource {
  const child = { parent, provider: a.provider };
  const meta = {
    name: a.objectName,
    namespace: a.namespace,
    labels: a.labels,
    annotations: FIELD_MANAGER_ANNOTATIONS,
  };
  new k8s.policy.v1.PodDisruptionBudget(
    `${a.resourcePrefix}-pdb`,
    { metadata: meta, spec: pdbSpec(a.labels, "serving", a.replicas) },
    child,
  );
  if (a.persistent) {
    return new k8s.apps.v1.StatefulSet(
      `${a.resourcePrefix}-sts`,
      {
        metadata: meta,
        spec: {
          serviceName: a.objectName,
          replicas: 1,
          selector: { matchLabels: a.labels },
          template: a.template,
          volumeClaimTemplates: [
            {
              metadata: { name: "data", labels: a.labels },
              spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: a.storageClassName,
                resources: { requests: { storage: a.storageSize } },
              },
            },
          ],
        },
      },
      { ...child, protect: a.protect, dependsOn: a.dependsOn },
    );
  }
  return new k8s.apps.v1.Deployment(
    `${a.resourcePrefix}-deploy`,
    {
      metadata: meta,
      spec: {
        replicas: a.replicas,
        selector: { matchLabels: a.labels },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: a.template,
      },
    },
    { ...child, dependsOn: a.dependsOn },
  );
}
