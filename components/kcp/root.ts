// The kcp root, hosted by the home region's cluster (cloud profile; locally local/env.sh runs it): the
// fleet's kcp PKI, the root shard, the cache server and the front-proxy, in namespace `kcp-root`.
//
// PKI (@pulumi/tls through components/shared/pki.ts, keys only in Pulumi secrets and Kubernetes Secrets):
//   serving CA        signs every server certificate (front-proxy, root shard, cache server, region shards)
//   client CA         signs client certificates (kcp-admin, shard-admin, cache-client, logical-cluster-admins)
//   requestheader CA  signs the front-proxy's and the mounts-proxy's identity-forwarding certificates
//   service-account   one key every shard signs and verifies ServiceAccount tokens with
// Region shards are issued their own serving/client certificates in their own stacks, so the serving and
// client CA keys are part of the home outputs (secrets) read by the other regions.
//
// Reachability: the front-proxy is behind a LoadBalancer at `externalUrl`; the root shard and the cache
// server are behind their own LoadBalancers (use `internalServiceAnnotations` for internal ones) because
// region shards in other clusters connect to both, and the front-proxy reaches every shard at its base URL.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PrivateKey as TlsPrivateKey } from "@pulumi/tls";
import { stringify as stringifyYaml } from "yaml";
import { podSecurityLabels } from "../manifests";
import { RSA_2048, selfSignedCa } from "../shared/pki";
import { type CertRequest, issueCert, type KeyPair } from "./pki";
import { ETCD_CLIENT_MOUNT, Etcd, etcdClientSecretName } from "./etcd";
import type { KcpHomeOutputs } from "./home-reference";
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
  httpsUrl,
  isDnsLabel,
  normalizeHttpsUrl,
  pdbSpec,
  serviceDnsNames,
  splitSans,
  urlHostPort,
  workloadLabels,
} from "./render";
import {
  DEFAULT_KCP_RESOURCES,
  KCP_PATHS,
  REQUESTHEADER_ALLOWED_NAMES,
  kcpShardMounts,
  renderKcpPodTemplate,
  renderKcpShardArgs,
  shardHost,
} from "./shard";

export const ROOT_NAMESPACE = "kcp-root";
/** Object names in the namespace (Services, Deployments, Secret prefixes). */
export const ROOT_OBJECTS = {
  rootShard: "kcp-root",
  cache: "kcp-cache",
  frontProxy: "kcp-front-proxy",
} as const;

/** kcp's built-in groups (pkg/authorization/bootstrap, k8s.io/apiserver user). */
export const KCP_GROUPS = {
  admin: "system:kcp:admin",
  masters: "system:masters",
  logicalClusterAdmin: "system:kcp:logical-cluster-admin",
  externalLogicalClusterAdmin: "system:kcp:external-logical-cluster-admin",
} as const;

// ---------------------------------------------------------------------------------------------
// Pure rendering

/** A kubeconfig with one cluster, one client-certificate user and one context (deterministic). */
export function renderKubeconfig(p: {
  server: string;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** Name of the cluster, user and context entries. @default "kcp" */
  name?: string;
}): string {
  let server: URL;
  try {
    server = new URL(p.server);
  } catch {
    throw new Error(`kubeconfig server ${JSON.stringify(p.server)} is not a URL`);
  }
  if (server.protocol !== "https:")
    throw new Error(`kubeconfig server ${JSON.stringify(p.server)} must be https`);
  if (!p.caPem.includes("-----BEGIN CERTIFICATE-----")) throw new Error("caPem must be a PEM certificate");
  if (!p.clientCertPem.includes("-----BEGIN CERTIFICATE-----"))
    throw new Error("clientCertPem must be a PEM certificate");
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(p.clientKeyPem))
    throw new Error("clientKeyPem must be a PEM private key"); // never quote the key
  const name = p.name ?? "kcp";
  const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
  return stringifyYaml({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server: p.server, "certificate-authority-data": b64(p.caPem) } }],
    users: [
      {
        name,
        user: { "client-certificate-data": b64(p.clientCertPem), "client-key-data": b64(p.clientKeyPem) },
      },
    ],
    contexts: [{ name, context: { cluster: name, user: name } }],
    "current-context": name,
  });
}

/** Files in the front-proxy pod. */
export const FRONT_PROXY_PATHS = {
  rootDir: "/var/lib/kcp-front-proxy",
  config: "/etc/kcp-front-proxy/config",
  tls: "/etc/kcp-front-proxy/tls",
  requestHeaderClient: "/etc/kcp-front-proxy/requestheader-client",
  kubeconfigs: "/etc/kcp-front-proxy/kubeconfigs",
  ca: KCP_PATHS.ca,
  serviceAccount: KCP_PATHS.serviceAccount,
} as const;

/**
 * The front-proxy's path mapping (its --mapping-file): workspace and virtual-workspace requests go to the
 * root shard, which redirects the front-proxy to the shard that owns the workspace.
 */
export function renderFrontProxyMapping(rootShardUrl: string): string {
  const entry = (path: string) => ({
    path,
    backend: rootShardUrl,
    backend_server_ca: `${FRONT_PROXY_PATHS.ca}/serving-ca.crt`,
    proxy_client_cert: `${FRONT_PROXY_PATHS.requestHeaderClient}/tls.crt`,
    proxy_client_key: `${FRONT_PROXY_PATHS.requestHeaderClient}/tls.key`,
  });
  return stringifyYaml([entry("/clusters/"), entry("/services/")]);
}

/** kcp-front-proxy's command line (flags of kcp v0.32.3 pkg/proxy/options and cmd/sharded-test-server). */
export function renderFrontProxyArgs(): string[] {
  const p = FRONT_PROXY_PATHS;
  return [
    `--secure-port=${KCP_PORT}`,
    `--root-directory=${p.rootDir}`,
    `--mapping-file=${p.config}/mapping.yaml`,
    `--root-kubeconfig=${p.kubeconfigs}/shards.kubeconfig`,
    `--shards-kubeconfig=${p.kubeconfigs}/shards.kubeconfig`,
    `--tls-cert-file=${p.tls}/tls.crt`,
    `--tls-private-key-file=${p.tls}/tls.key`,
    `--client-ca-file=${p.ca}/client-ca.crt`,
    // Shards' mount proxies re-enter the front-proxy with identity headers (requestheader CA).
    `--requestheader-client-ca-file=${p.ca}/requestheader-ca.crt`,
    "--requestheader-username-headers=X-Remote-User",
    "--requestheader-group-headers=X-Remote-Group",
    "--requestheader-extra-headers-prefix=X-Remote-Extra-",
    `--requestheader-allowed-names=${REQUESTHEADER_ALLOWED_NAMES.join(",")}`,
    // ServiceAccount tokens of any shard authenticate at the front-proxy.
    `--service-account-key-file=${p.serviceAccount}/tls.key`,
  ];
}

/** The cache server's command line. */
export function renderCacheServerArgs(
  etcd: { mode: "embedded" } | { mode: "external"; servers: string[]; prefix: string },
): string[] {
  const args = [
    "--root-directory=/var/lib/kcp-cache",
    `--secure-port=${KCP_PORT}`,
    `--tls-cert-file=${KCP_PATHS.serverTls}/tls.crt`,
    `--tls-private-key-file=${KCP_PATHS.serverTls}/tls.key`,
    // Only system:masters of the fleet's client CA may read or write.
    `--client-ca-file=${KCP_PATHS.ca}/client-ca.crt`,
  ];
  if (etcd.mode === "external") {
    if (etcd.servers.length === 0) throw new Error("external etcd needs at least one server URL");
    args.push(
      `--etcd-servers=${etcd.servers.join(",")}`,
      `--etcd-prefix=${etcd.prefix}`,
      `--etcd-cafile=${ETCD_CLIENT_MOUNT}/ca.crt`,
      `--etcd-certfile=${ETCD_CLIENT_MOUNT}/tls.crt`,
      `--etcd-keyfile=${ETCD_CLIENT_MOUNT}/tls.key`,
    );
  }
  return args;
}

// ---------------------------------------------------------------------------------------------
// The component

export interface RootArgs {
  /** The home cluster's Kubernetes provider (never the default provider). */
  provider: k8s.Provider;
  /** The front-proxy URL clients use (RegionConfig.kcp.externalUrl): https, no path. */
  externalUrl: string;
  /** Zones (RegionConfig.zones) pods stay in and spread over. @default [] */
  zones?: string[];
  /** @default "kcp-root" */
  namespace?: string;
  /** DNS name regions reach the root shard at. @default its load balancer's hostname or IP */
  rootShardHostname?: string;
  /** DNS name regions reach the cache server at. @default its load balancer's hostname or IP */
  cacheServerHostname?: string;
  /** Annotations of the front-proxy's LoadBalancer Service. @default {} */
  frontProxyServiceAnnotations?: Record<string, string>;
  /** Annotations of the root shard's and cache server's LoadBalancer Services (e.g. internal LBs). @default {} */
  internalServiceAnnotations?: Record<string, string>;
  /**
   * "external": one 3-member etcd StatefulSet shared by the root shard (prefix /kcp/root) and the cache
   * server (prefix /kcp-cache), spread over zones, with a PDB. "embedded": etcd inside each process (dev).
   * @default "external"
   */
  etcd?: EtcdMode;
  /** @default 2 (external etcd) | 1 (embedded: must be 1) */
  rootShardReplicas?: number;
  /** @default 2 (external etcd) | 1 (embedded: must be 1) */
  cacheServerReplicas?: number;
  /** @default 2 */
  frontProxyReplicas?: number;
  /** @default DEFAULT_KCP_IMAGE */
  image?: string;
  /** @default DEFAULT_ETCD_IMAGE */
  etcdImage?: string;
  /** @default DEFAULT_KCP_RESOURCES */
  rootShardResources?: ContainerResources;
  /** @default { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "1Gi" } } */
  cacheServerResources?: ContainerResources;
  /** @default { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } } */
  frontProxyResources?: ContainerResources;
  /** Per etcd member (external) or per embedded volume. @default "10Gi" */
  storageSize?: string;
  /** @default the cluster's default class */
  storageClassName?: string;
  /** CA validity in hours. @default 87600 (10 years) */
  caValidityHours?: number;
  /** Server and client certificate validity in hours. @default 8760 */
  certValidityHours?: number;
  /**
   * Pulumi-protects the stateful leaves: the etcd StatefulSet (external etcd), or the root shard's and
   * cache server's StatefulSets (embedded etcd: their claims hold the data). The PKI (certificates renew
   * by replacement), Secrets, Services, Deployments and PDBs stay unprotected. @default false
   */
  protect?: boolean;
}

export const DEFAULT_CACHE_RESOURCES: ContainerResources = {
  requests: { cpu: "250m", memory: "512Mi" },
  limits: { memory: "1Gi" },
};
export const DEFAULT_FRONT_PROXY_RESOURCES: ContainerResources = {
  requests: { cpu: "100m", memory: "128Mi" },
  limits: { memory: "512Mi" },
};

const HOST = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Checks the plain-value arguments; throws an Error naming the first problem. */
export function validateRootArgs(args: RootArgs): void {
  if (!args.provider) throw new Error("provider (the home cluster's) is required");
  normalizeHttpsUrl("externalUrl", args.externalUrl);
  if (!isDnsLabel(args.namespace ?? ROOT_NAMESPACE)) throw new Error("namespace must be a DNS label");
  checkZones(args.zones ?? []);
  for (const k of ["rootShardHostname", "cacheServerHostname"] as const) {
    const h = args[k];
    if (h !== undefined && !HOST.test(h)) throw new Error(`${k} ${JSON.stringify(h)} is not a host name`);
  }
  const etcd = args.etcd ?? "external";
  if (etcd !== "external" && etcd !== "embedded") throw new Error(`etcd must be "external" or "embedded"`);
  const servers: [string, number | undefined][] = [
    ["rootShardReplicas", args.rootShardReplicas],
    ["cacheServerReplicas", args.cacheServerReplicas],
  ];
  for (const [k, v] of servers) {
    const n = v ?? (etcd === "embedded" ? 1 : 2);
    if (!Number.isInteger(n) || n < 1 || n > 10) throw new Error(`${k} must be an integer from 1 to 10`);
    if (etcd === "embedded" && n !== 1) throw new Error(`${k} must be 1 with embedded etcd`);
  }
  const fp = args.frontProxyReplicas ?? 2;
  if (!Number.isInteger(fp) || fp < 1 || fp > 20)
    throw new Error("frontProxyReplicas must be an integer from 1 to 20");
  checkPinnedImage("image", args.image ?? DEFAULT_KCP_IMAGE);
  checkPinnedImage("etcdImage", args.etcdImage ?? DEFAULT_ETCD_IMAGE);
  checkResources("rootShardResources", args.rootShardResources ?? DEFAULT_KCP_RESOURCES);
  checkResources("cacheServerResources", args.cacheServerResources ?? DEFAULT_CACHE_RESOURCES);
  checkResources("frontProxyResources", args.frontProxyResources ?? DEFAULT_FRONT_PROXY_RESOURCES);
  checkStorageSize("storageSize", args.storageSize ?? "10Gi");
  const ca = args.caValidityHours ?? 87600;
  const leaf = args.certValidityHours ?? 8760;
  if (!Number.isInteger(leaf) || leaf < 24) throw new Error("certValidityHours must be an integer >= 24");
  if (!Number.isInteger(ca) || ca < leaf)
    throw new Error("caValidityHours must be an integer >= certValidityHours");
}

/** The kcp root of the fleet. */
export class Root extends pulumi.ComponentResource {
  /** What every region needs (export it from the home stack with homeStackOutput(root.home)). */
  public readonly home: KcpHomeOutputs;
  public readonly frontProxyUrl: pulumi.Output<string>;
  /** The serving CA certificate (public). */
  public readonly caBundle: pulumi.Output<string>;
  /** kcp-admin through the front-proxy (secret). */
  public readonly adminKubeconfig: pulumi.Output<string>;
  public readonly namespace: pulumi.Output<string>;
  /** The root shard's base URL (for the front-proxy and region shards). */
  public readonly rootShardUrl: pulumi.Output<string>;

  constructor(name: string, args: RootArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pipeline-service:kcp:Root", name, {}, opts);
    try {
      validateRootArgs(args);
    } catch (e) {
      throw new pulumi.ResourceError(`Root ${name}: ${(e as Error).message}`, this);
    }
    const child = { parent: this, provider: args.provider };
    const externalUrl = normalizeHttpsUrl("externalUrl", args.externalUrl);
    const zones = args.zones ?? [];
    const etcdMode = args.etcd ?? "external";
    const caHours = args.caValidityHours ?? 87600;
    const hours = args.certValidityHours ?? 8760;
    const image = args.image ?? DEFAULT_KCP_IMAGE;
    const O = ROOT_OBJECTS;

    const ns = new k8s.core.v1.Namespace(
      `${name}-ns`,
      {
        metadata: {
          name: args.namespace ?? ROOT_NAMESPACE,
          labels: { "app.kubernetes.io/part-of": "pipeline-service", ...podSecurityLabels("baseline") },
        },
      },
      child,
    );
    const namespace = ns.metadata.name;

    // --- PKI -----------------------------------------------------------------------------------
    const newCa = (suffix: string, commonName: string): KeyPair => {
      const ca = selfSignedCa(`${name}-${suffix}`, { commonName, validityHours: caHours }, { parent: this });
      return { key: ca.keyPem, cert: ca.certPem };
    };
    const servingCa = newCa("serving-ca", "kcp-serving-ca");
    const clientCa = newCa("client-ca", "kcp-client-ca");
    const requestHeaderCa = newCa("requestheader-ca", "kcp-requestheader-ca");
    // RSA like kube's own service-account keys (every JWT verifier accepts RS256).
    const serviceAccountKey = new TlsPrivateKey(`${name}-service-account-key`, RSA_2048, {
      parent: this,
    }).privateKeyPemPkcs8;

    const issue = (suffix: string, ca: KeyPair, req: CertRequest): KeyPair =>
      issueCert(this, `${name}-${suffix}`, ca, req, hours);
    const client = (suffix: string, commonName: string, organization?: string, ca = clientCa) =>
      issue(suffix, ca, { commonName, organization, uses: ["client_auth"] });

    const kcpAdmin = client("kcp-admin", "kcp-admin", KCP_GROUPS.admin);
    const shardAdmin = client("shard-admin", "shard-admin", KCP_GROUPS.masters);
    const rootShardClient = client("root-shard-client", "kcp-shard-root", KCP_GROUPS.masters);
    const cacheClient = client("cache-client", "cache-client", KCP_GROUPS.masters);
    const lcAdmin = client("logical-cluster-admin", "logical-cluster-admin", KCP_GROUPS.logicalClusterAdmin);
    const elcAdmin = client(
      "external-logical-cluster-admin",
      "external-logical-cluster-admin",
      KCP_GROUPS.externalLogicalClusterAdmin,
    );
    const frontProxyRequestHeader = client(
      "front-proxy-requestheader",
      "kcp-front-proxy",
      undefined,
      requestHeaderCa,
    );
    const mountsProxy = client("mounts-proxy", "kcp-mounts-proxy", undefined, requestHeaderCa);

    // --- Services and the hosts they are reached at -----------------------------------------------
    const labelsOf = (obj: string) => workloadLabels(obj, obj);
    const service = (
      obj: string,
      type: "LoadBalancer",
      port: number,
      annotations: Record<string, string> | undefined,
    ) =>
      new k8s.core.v1.Service(
        `${name}-${obj}-svc`,
        {
          metadata: { name: obj, namespace, labels: labelsOf(obj), annotations: annotations ?? {} },
          spec: {
            type,
            selector: labelsOf(obj),
            ports: [{ name: "https", port, targetPort: "https", protocol: "TCP" }],
          },
        },
        child,
      );
    const rootSvc = service(O.rootShard, "LoadBalancer", KCP_PORT, args.internalServiceAnnotations);
    const cacheSvc = service(O.cache, "LoadBalancer", KCP_PORT, args.internalServiceAnnotations);
    const frontProxy = urlHostPort(externalUrl);
    const frontSvc = service(
      O.frontProxy,
      "LoadBalancer",
      frontProxy.port,
      args.frontProxyServiceAnnotations,
    );

    const hostOf = (svc: k8s.core.v1.Service, obj: string, given: string | undefined) =>
      pulumi.all([namespace, svc.status]).apply(([n, status]) =>
        shardHost({
          externalHostname: given,
          serviceType: "LoadBalancer",
          ingress: status?.loadBalancer?.ingress,
          serviceName: obj,
          namespace: n,
        }),
      );
    const rootHost = hostOf(rootSvc, O.rootShard, args.rootShardHostname);
    const cacheHost = hostOf(cacheSvc, O.cache, args.cacheServerHostname);
    const rootShardUrl = rootHost.apply((h) => httpsUrl(h, KCP_PORT));
    const cacheUrl = cacheHost.apply((h) => httpsUrl(h, KCP_PORT));
    const internalUrl = (obj: string) => namespace.apply((n) => httpsUrl(`${obj}.${n}.svc`, KCP_PORT));

    const serverSans = (obj: string, external: pulumi.Input<string>) =>
      pulumi
        .all([external, namespace])
        .apply(([h, n]) => splitSans([h, ...serviceDnsNames(obj, n), "localhost", "127.0.0.1"]));
    const server = (obj: string, external: pulumi.Input<string>) => {
      const sans = serverSans(obj, external);
      return issue(`${obj}-server`, servingCa, {
        commonName: obj,
        uses: ["server_auth"],
        dnsNames: sans.dnsNames,
        ipAddresses: sans.ipAddresses,
      });
    };
    const rootServer = server(O.rootShard, rootHost);
    const cacheServer = server(O.cache, cacheHost);
    const frontServer = server(O.frontProxy, frontProxy.host);

    // --- Kubeconfigs ---------------------------------------------------------------------------
    const kubeconfig = (serverUrl: pulumi.Input<string>, pair: KeyPair, entry: string) =>
      pulumi.secret(
        pulumi
          .all([serverUrl, servingCa.cert, pair.cert, pair.key])
          .apply(([s, ca, crt, key]) =>
            renderKubeconfig({ server: s, caPem: ca, clientCertPem: crt, clientKeyPem: key, name: entry }),
          ),
      );
    const adminKubeconfig = kubeconfig(externalUrl, kcpAdmin, "kcp-admin");

    // --- etcd ----------------------------------------------------------------------------------
    const etcd =
      etcdMode === "external"
        ? new Etcd(
            `${name}-etcd`,
            {
              provider: args.provider,
              namespace,
              zones,
              image: args.etcdImage,
              storageSize: args.storageSize ?? "10Gi",
              storageClassName: args.storageClassName,
              caValidityHours: caHours,
              certValidityHours: hours,
              protect: args.protect,
            },
            { parent: this },
          )
        : undefined;
    const etcdFlags = (prefix: string) =>
      (etcd ? etcd.clientUrls : pulumi.output([] as string[])).apply((servers) =>
        etcd ? { mode: "external" as const, servers, prefix } : { mode: "embedded" as const },
      );

    const secret = (obj: string, suffix: string, type: string, data: Record<string, pulumi.Input<string>>) =>
      new k8s.core.v1.Secret(
        `${name}-${obj}-${suffix}`,
        {
          metadata: { name: `${obj}-${suffix}`, namespace, labels: labelsOf(obj) },
          type,
          stringData: pulumi.secret(pulumi.output(data)),
        },
        child,
      );
    const tls = (obj: string, suffix: string, pair: KeyPair) =>
      secret(obj, suffix, "kubernetes.io/tls", { "tls.crt": pair.cert, "tls.key": pair.key });
    const caData = {
      "serving-ca.crt": servingCa.cert,
      "client-ca.crt": clientCa.cert,
      "requestheader-ca.crt": requestHeaderCa.cert,
    };

    // A kcp server workload: Deployment (external etcd) or single-replica StatefulSet with a claim
    // (embedded etcd), and its disruption budget.
    const workload = (
      obj: string,
      replicas: number,
      persistent: boolean,
      template: pulumi.Output<k8s.types.input.core.v1.PodTemplateSpec>,
      dependsOn: pulumi.Resource[],
    ): pulumi.Resource => {
      const labels = labelsOf(obj);
      const meta = { name: obj, namespace, labels };
      new k8s.policy.v1.PodDisruptionBudget(
        `${name}-${obj}-pdb`,
        { metadata: meta, spec: pdbSpec(labels, "serving", replicas) },
        child,
      );
      if (persistent) {
        return new k8s.apps.v1.StatefulSet(
          `${name}-${obj}-sts`,
          {
            metadata: meta,
            spec: {
              serviceName: obj,
              replicas: 1,
              selector: { matchLabels: labels },
              template,
              volumeClaimTemplates: [
                {
                  metadata: { name: "data", labels },
                  spec: {
                    accessModes: ["ReadWriteOnce"],
                    storageClassName: args.storageClassName,
                    resources: { requests: { storage: args.storageSize ?? "10Gi" } },
                  },
                },
              ],
            },
          },
          { ...child, protect: args.protect ?? false, dependsOn },
        );
      }
      return new k8s.apps.v1.Deployment(
        `${name}-${obj}-deploy`,
        {
          metadata: meta,
          spec: {
            replicas,
            selector: { matchLabels: labels },
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            template,
          },
        },
        { ...child, dependsOn },
      );
    };
    const embedded = etcdMode === "embedded";
    const serverReplicas = (n: number | undefined) => n ?? (embedded ? 1 : 2);
    const etcdMount: SecretMount[] = etcd
      ? [{ volume: "etcd-client", secretName: etcdClientSecretName("etcd"), mountPath: ETCD_CLIENT_MOUNT }]
      : [];

    // --- Cache server ----------------------------------------------------------------------------
    const cacheSecrets = [
      tls(O.cache, "server-tls", cacheServer),
      secret(O.cache, "ca", "Opaque", { "client-ca.crt": clientCa.cert }),
    ];
    const cacheReplicas = serverReplicas(args.cacheServerReplicas);
    const cacheWorkload = workload(
      O.cache,
      cacheReplicas,
      embedded,
      etcdFlags("/kcp-cache").apply((e) =>
        renderKcpPodTemplate({
          containerName: "cache-server",
          image,
          command: ["/cache-server"],
          args: renderCacheServerArgs(e),
          mounts: [
            { volume: "server-tls", secretName: `${O.cache}-server-tls`, mountPath: KCP_PATHS.serverTls },
            { volume: "ca", secretName: `${O.cache}-ca`, mountPath: KCP_PATHS.ca },
            ...etcdMount,
          ],
          labels: labelsOf(O.cache),
          zones,
          resources: args.cacheServerResources ?? DEFAULT_CACHE_RESOURCES,
          dataPath: "/var/lib/kcp-cache",
          persistentData: embedded,
        }),
      ),
      [...cacheSecrets, cacheSvc, ...(etcd ? [etcd] : [])],
    );

    // --- Root shard ------------------------------------------------------------------------------
    const rootSecrets = [
      tls(O.rootShard, "server-tls", rootServer),
      tls(O.rootShard, "shard-client-tls", rootShardClient),
      tls(O.rootShard, "mounts-proxy-tls", mountsProxy),
      secret(O.rootShard, "ca", "Opaque", caData),
      secret(O.rootShard, "service-account", "Opaque", { "tls.key": serviceAccountKey }),
      // The root shard talks to the cache server and to itself in-cluster.
      secret(O.rootShard, "kubeconfigs", "Opaque", {
        "cache.kubeconfig": kubeconfig(internalUrl(O.cache), cacheClient, "cache"),
        "logical-cluster-admin.kubeconfig": kubeconfig(
          internalUrl(O.rootShard),
          lcAdmin,
          "logical-cluster-admin",
        ),
        "external-logical-cluster-admin.kubeconfig": kubeconfig(
          externalUrl,
          elcAdmin,
          "external-logical-cluster-admin",
        ),
      }),
    ];
    const rootReplicas = serverReplicas(args.rootShardReplicas);
    const rootMounts = kcpShardMounts({
      serverTls: `${O.rootShard}-server-tls`,
      shardClientTls: `${O.rootShard}-shard-client-tls`,
      mountsProxyTls: `${O.rootShard}-mounts-proxy-tls`,
      ca: `${O.rootShard}-ca`,
      serviceAccount: `${O.rootShard}-service-account`,
      kubeconfigs: `${O.rootShard}-kubeconfigs`,
      etcdClient: etcd ? etcdClientSecretName("etcd") : undefined,
    });
    const rootWorkload = workload(
      O.rootShard,
      rootReplicas,
      embedded,
      pulumi.all([rootShardUrl, etcdFlags("/kcp/root")]).apply(([base, e]) =>
        renderKcpPodTemplate({
          containerName: "kcp",
          image,
          command: ["/kcp", "start"],
          args: renderKcpShardArgs({ shardName: "root", baseUrl: base, externalUrl, role: "root", etcd: e }),
          mounts: rootMounts,
          labels: labelsOf(O.rootShard),
          zones,
          resources: args.rootShardResources ?? DEFAULT_KCP_RESOURCES,
          dataPath: KCP_PATHS.rootDir,
          persistentData: embedded,
        }),
      ),
      // The root shard needs the cache server from its first start.
      [...rootSecrets, rootSvc, cacheWorkload, ...(etcd ? [etcd] : [])],
    );

    // --- Front-proxy -------------------------------------------------------------------------------
    const mapping = new k8s.core.v1.ConfigMap(
      `${name}-${O.frontProxy}-config`,
      {
        metadata: { name: `${O.frontProxy}-config`, namespace, labels: labelsOf(O.frontProxy) },
        data: { "mapping.yaml": internalUrl(O.rootShard).apply(renderFrontProxyMapping) },
      },
      child,
    );
    const frontSecrets = [
      tls(O.frontProxy, "server-tls", frontServer),
      tls(O.frontProxy, "requestheader-client-tls", frontProxyRequestHeader),
      secret(O.frontProxy, "ca", "Opaque", caData),
      secret(O.frontProxy, "service-account", "Opaque", { "tls.key": serviceAccountKey }),
      // system:masters towards the shards (the front-proxy strips that group from its own clients).
      secret(O.frontProxy, "kubeconfigs", "Opaque", {
        "shards.kubeconfig": kubeconfig(internalUrl(O.rootShard), shardAdmin, "shards"),
      }),
    ];
    const fp = FRONT_PROXY_PATHS;
    workload(
      O.frontProxy,
      args.frontProxyReplicas ?? 2,
      false,
      pulumi.output(
        renderKcpPodTemplate({
          containerName: "kcp-front-proxy",
          image,
          command: ["/kcp-front-proxy"],
          args: renderFrontProxyArgs(),
          configMaps: [{ volume: "config", configMap: `${O.frontProxy}-config`, mountPath: fp.config }],
          mounts: [
            { volume: "server-tls", secretName: `${O.frontProxy}-server-tls`, mountPath: fp.tls },
            {
              volume: "requestheader-client-tls",
              secretName: `${O.frontProxy}-requestheader-client-tls`,
              mountPath: fp.requestHeaderClient,
            },
            { volume: "ca", secretName: `${O.frontProxy}-ca`, mountPath: fp.ca },
            {
              volume: "service-account",
              secretName: `${O.frontProxy}-service-account`,
              mountPath: fp.serviceAccount,
            },
            { volume: "kubeconfigs", secretName: `${O.frontProxy}-kubeconfigs`, mountPath: fp.kubeconfigs },
          ],
          labels: labelsOf(O.frontProxy),
          zones,
          resources: args.frontProxyResources ?? DEFAULT_FRONT_PROXY_RESOURCES,
          dataPath: fp.rootDir,
          persistentData: false,
        }),
      ),
      [...frontSecrets, mapping, frontSvc, rootWorkload],
    );

    // --- Outputs ---------------------------------------------------------------------------------
    this.frontProxyUrl = pulumi.output(externalUrl);
    this.caBundle = servingCa.cert;
    this.adminKubeconfig = adminKubeconfig;
    this.namespace = namespace;
    this.rootShardUrl = rootShardUrl;
    // Region shards reach the root shard and the cache server at their external hosts.
    this.home = {
      frontProxyUrl: this.frontProxyUrl,
      caBundle: servingCa.cert,
      clientCaCertPem: clientCa.cert,
      requestHeaderCaCertPem: requestHeaderCa.cert,
      servingCaKeyPem: pulumi.secret(servingCa.key),
      clientCaKeyPem: pulumi.secret(clientCa.key),
      serviceAccountKeyPem: pulumi.secret(serviceAccountKey),
      mountsProxyCertPem: pulumi.secret(mountsProxy.cert),
      mountsProxyKeyPem: pulumi.secret(mountsProxy.key),
      rootShardKubeconfig: kubeconfig(rootShardUrl, shardAdmin, "root-shard"),
      cacheKubeconfig: kubeconfig(cacheUrl, cacheClient, "cache"),
      logicalClusterAdminKubeconfig: kubeconfig(rootShardUrl, lcAdmin, "logical-cluster-admin"),
      externalLogicalClusterAdminKubeconfig: kubeconfig(
        externalUrl,
        elcAdmin,
        "external-logical-cluster-admin",
      ),
      adminKubeconfig,
    };
    this.registerOutputs({
      frontProxyUrl: this.frontProxyUrl,
      caBundle: this.caBundle,
      adminKubeconfig: this.adminKubeconfig,
      namespace: this.namespace,
      rootShardUrl: this.rootShardUrl,
    });
  }
}
