// The kcp root, hosted by the home region's cluster (cloud profile; locally local/env.sh runs it): the
// fleet's kcp PKI, the root shard, the cache server and the front-proxy, in namespace `kcp-root`.
// This file composes them; each server's command line, files and pod layout live beside it
// (server-workload.ts, cache-server.ts, front-proxy.ts), object names in names.ts, the settings Root
// shares with Shard in settings.ts.
//
// PKI (@pulumi/tls through components/shared/pki.ts, keys only in Pulumi secrets and Kubernetes Secrets):
//   serving CA        signs every server certificate (front-proxy, root shard, cache server, region shards)
//   client CA         signs client certificates (kcp-admin, shard-admin, cache-client, logical-cluster-admins)
//   requestheader CA  signs the front-proxy's and the mounts-proxy's identity-forwarding certificates
//   cache client CA   signs only the cache server's client (system:masters, which the cache server alone
//                     authorizes): a region holds that certificate, and it is worth nothing on a shard
//   service-account   the root's key (the root shard and the home region's shard sign tokens with it;
//                     every other region's shard has its own, which the front-proxy also trusts)
// Region shards keep their own keys: the home stack signs their published requests (ShardEnrollment,
// enrollment.ts) and trusts each one's ServiceAccount public key at the front-proxy. The home stack exports
// only public values (home-reference.ts); test/unit/kcp-blast-radius.test.ts scans region stacks for any
// fleet credential.
//
// Reachability: the front-proxy is behind a LoadBalancer at `externalUrl`; the root shard and the cache
// server are behind their own LoadBalancers because region shards in other clusters connect to both, and
// the front-proxy reaches every shard at its base URL. All three are internal load balancers unless the
// caller passes other annotations (`frontProxyServiceAnnotations`, `internalServiceAnnotations`).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PrivateKey as TlsPrivateKey } from "@pulumi/tls";
import { podSecurityLabels } from "../manifests";
import { RSA_2048, selfSignedCa } from "../shared/pki";
import { type CertRequest, issueCert, type KeyPair } from "./pki";
import {
  CACHE_DATA_PATH,
  DEFAULT_CACHE_RESOURCES,
  cacheServerMounts,
  renderCacheServerArgs,
} from "./cache-server";
import { configChecksumOf } from "./checksum";
import { Etcd } from "./etcd";
import {
  DEFAULT_FRONT_PROXY_RESOURCES,
  FRONT_PROXY_PATHS,
  frontProxyConfigMaps,
  frontProxyMounts,
  renderFrontProxyArgs,
  renderFrontProxyMapping,
  serviceAccountKeyFile,
} from "./front-proxy";
import { type ShardRequest, type ShardSigner, ShardEnrollment, externalServerNamesOf } from "./enrollment";
import type { KcpHome } from "./home-reference";
import { KCP_GROUPS, kubeconfigSecret } from "./kubeconfig";
import {
  ETCD_NAME,
  type KcpSecretKind,
  ROOT_NAMESPACE,
  ROOT_OBJECTS,
  etcdClientSecretName,
  frontProxyConfigName,
  kcpSecretName,
} from "./names";
import {
  type ContainerResources,
  KCP_PORT,
  checkResources,
  httpsUrl,
  isDnsLabel,
  normalizeHttpsUrl,
  serviceDnsNames,
  splitSans,
  urlHostPort,
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

export interface RootArgs extends KcpServerOptions {
  /** The home cluster's Kubernetes provider (never the default provider). */
  provider: k8s.Provider;
  /** The front-proxy URL clients use (RegionConfig.kcp.externalUrl): https, no path. */
  externalUrl: string;
  /** @default "kcp-root" */
  namespace?: string;
  /** DNS name regions reach the root shard at. @default its load balancer's hostname or IP */
  rootShardHostname?: string;
  /** DNS name regions reach the cache server at. @default its load balancer's hostname or IP */
  cacheServerHostname?: string;
  /** Annotations of the front-proxy's LoadBalancer Service (e.g. internal LB ones). @default {} */
  frontProxyServiceAnnotations?: Record<string, string>;
  /** Annotations of the root shard's and cache server's LoadBalancer Services (e.g. internal LBs). @default {} */
  internalServiceAnnotations?: Record<string, string>;
  /** @default 2 (external etcd) | 1 (embedded: must be 1) */
  rootShardReplicas?: number;
  /** @default 2 (external etcd) | 1 (embedded: must be 1) */
  cacheServerReplicas?: number;
  /** @default 2 */
  frontProxyReplicas?: number;
  /** @default DEFAULT_KCP_RESOURCES */
  rootShardResources?: ContainerResources;
  /** @default DEFAULT_CACHE_RESOURCES */
  cacheServerResources?: ContainerResources;
  /** @default DEFAULT_FRONT_PROXY_RESOURCES */
  frontProxyResources?: ContainerResources;
  /** CA validity in hours. @default 87600 (10 years) */
  caValidityHours?: number;
  /** The other regions' published requests (readShardRequests), each signed here. @default [] */
  shardRequests?: ShardRequest[];
}

const HOST = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Checks the plain-value arguments; throws an Error naming the first problem. */
export function validateRootArgs(args: RootArgs): void {
  if (!args.provider) throw new Error("provider (the home cluster's) is required");
  normalizeHttpsUrl("externalUrl", args.externalUrl);
  if (!isDnsLabel(args.namespace ?? ROOT_NAMESPACE)) throw new Error("namespace must be a DNS label");
  for (const k of ["rootShardHostname", "cacheServerHostname"] as const) {
    const h = args[k];
    if (h !== undefined && !HOST.test(h)) throw new Error(`${k} ${JSON.stringify(h)} is not a host name`);
  }
  checkServerOptions(args);
  const etcd = args.etcd ?? "external";
  checkServerReplicas("rootShardReplicas", etcd, args.rootShardReplicas);
  checkServerReplicas("cacheServerReplicas", etcd, args.cacheServerReplicas);
  const fp = args.frontProxyReplicas ?? 2;
  if (!Number.isInteger(fp) || fp < 1 || fp > 20)
    throw new Error("frontProxyReplicas must be an integer from 1 to 20");
  checkResources("rootShardResources", args.rootShardResources ?? DEFAULT_KCP_RESOURCES);
  checkResources("cacheServerResources", args.cacheServerResources ?? DEFAULT_CACHE_RESOURCES);
  checkResources("frontProxyResources", args.frontProxyResources ?? DEFAULT_FRONT_PROXY_RESOURCES);
  const ca = args.caValidityHours ?? 87600;
  const leaf = args.certValidityHours ?? 8760;
  if (!Number.isInteger(ca) || ca < leaf)
    throw new Error("caValidityHours must be an integer >= certValidityHours");
  const names = (args.shardRequests ?? []).map((r) => r.shardName);
  const twice = names.find((n, i) => names.indexOf(n) !== i || n === "root");
  if (twice)
    throw new Error(`shardRequests: shard name ${JSON.stringify(twice)} is requested twice or is "root"`);
}

/** The kcp root of the fleet. */
export class Root extends pulumi.ComponentResource {
  /** What every region needs, all public (export it from the home stack with homeStackOutput(root.home)). */
  public readonly home: KcpHome;
  /** The fleet CAs with their keys, for the home region's own shard (never exported). */
  public readonly signer: ShardSigner;
  public readonly frontProxyUrl: pulumi.Output<string>;
  /** The front-proxy load balancer's hostname (AWS) or IP (Azure): where externalUrl's DNS record points. */
  public readonly frontProxyAddress: pulumi.Output<string>;
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
    const settings = resolveServerSettings(args);
    const zones = settings.zones;
    const caHours = args.caValidityHours ?? 87600;
    const hours = settings.certValidityHours;
    const image = settings.image;
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
    const cacheClientCa = newCa("cache-client-ca", "kcp-cache-client-ca");
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
    const cacheClient = client("cache-client", "cache-client", KCP_GROUPS.masters, cacheClientCa);
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
    const service = (obj: string, port: number, annotations: Record<string, string> | undefined) =>
      new k8s.core.v1.Service(
        `${name}-${obj}-svc`,
        {
          metadata: { name: obj, namespace, labels: labelsOf(obj), annotations: annotations ?? {} },
          spec: {
            type: "LoadBalancer",
            selector: labelsOf(obj),
            ports: [{ name: "https", port, targetPort: "https", protocol: "TCP" }],
          },
        },
        child,
      );
    const rootSvc = service(O.rootShard, KCP_PORT, args.internalServiceAnnotations);
    const cacheSvc = service(O.cache, KCP_PORT, args.internalServiceAnnotations);
    const frontProxy = urlHostPort(externalUrl);
    const frontSvc = service(O.frontProxy, frontProxy.port, args.frontProxyServiceAnnotations);

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
      kubeconfigSecret(serverUrl, servingCa.cert, pair, entry);
    const adminKubeconfig = kubeconfig(externalUrl, kcpAdmin, "kcp-admin");

    // --- etcd ----------------------------------------------------------------------------------
    const etcd = settings.embedded
      ? undefined
      : new Etcd(
          `${name}-etcd`,
          {
            provider: args.provider,
            namespace,
            zones,
            image: settings.etcdImage,
            storageSize: settings.storageSize ?? "10Gi",
            storageClassName: settings.storageClassName,
            caValidityHours: caHours,
            certValidityHours: hours,
            protect: settings.protect,
          },
          { parent: this },
        );
    const etcdFlags = (prefix: string) =>
      (etcd ? etcd.clientUrls : pulumi.output([] as string[])).apply((servers) =>
        etcd ? { mode: "external" as const, servers, prefix } : { mode: "embedded" as const },
      );
    const etcdClient = etcd ? etcdClientSecretName(ETCD_NAME) : undefined;

    // Secrets by workload; each workload's pods carry the checksum of what they mount.
    const mounted: Record<string, Record<string, Record<string, pulumi.Input<string>>>> = {};
    const secret = (
      obj: string,
      kind: KcpSecretKind,
      type: string,
      data: Record<string, pulumi.Input<string>>,
    ) => {
      const secretName = kcpSecretName(obj, kind);
      (mounted[obj] ??= {})[secretName] = data;
      return new k8s.core.v1.Secret(
        `${name}-${obj}-${kind}`,
        {
          metadata: { name: secretName, namespace, labels: labelsOf(obj) },
          type,
          stringData: pulumi.secret(pulumi.output(data)),
        },
        child,
      );
    };
    const tls = (obj: string, kind: KcpSecretKind, pair: KeyPair) =>
      secret(obj, kind, "kubernetes.io/tls", { "tls.crt": pair.cert, "tls.key": pair.key });
    const caData = {
      "serving-ca.crt": servingCa.cert,
      "client-ca.crt": clientCa.cert,
      "requestheader-ca.crt": requestHeaderCa.cert,
    };
    // etcd's client Secret is the Etcd component's: it counts by its checksum (cache server, root shard).
    const checksumOf = (obj: string, mountsEtcd: boolean) =>
      configChecksumOf({
        ...mounted[obj],
        ...(mountsEtcd && etcd && etcdClient ? { [etcdClient]: { checksum: etcd.clientChecksum } } : {}),
      });
    const workload = (
      obj: string,
      replicas: number,
      persistent: boolean,
      template: pulumi.Output<k8s.types.input.core.v1.PodTemplateSpec>,
      dependsOn: pulumi.Resource[],
    ) =>
      kcpServerWorkload(this, {
        resourcePrefix: `${name}-${obj}`,
        provider: args.provider,
        namespace,
        objectName: obj,
        labels: labelsOf(obj),
        replicas,
        persistent,
        storageSize: settings.storageSize ?? "10Gi",
        storageClassName: settings.storageClassName,
        protect: settings.protect,
        template,
        dependsOn,
      });
    const embedded = settings.embedded;

    // --- Cache server ----------------------------------------------------------------------------
    const cacheSecrets = [
      tls(O.cache, "server-tls", cacheServer),
      secret(O.cache, "ca", "Opaque", { "client-ca.crt": cacheClientCa.cert }),
    ];
    const cacheWorkload = workload(
      O.cache,
      serverReplicas(settings, args.cacheServerReplicas),
      embedded,
      pulumi.all([etcdFlags("/kcp-cache"), checksumOf(O.cache, true)]).apply(([e, checksum]) =>
        renderKcpPodTemplate({
          containerName: "cache-server",
          image,
          command: ["/cache-server"],
          args: renderCacheServerArgs(e),
          mounts: cacheServerMounts(etcdClient),
          labels: labelsOf(O.cache),
          zones,
          resources: args.cacheServerResources ?? DEFAULT_CACHE_RESOURCES,
          dataPath: CACHE_DATA_PATH,
          persistentData: embedded,
          checksum,
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
    const rootMounts = kcpShardMounts(kcpShardSecretNames(O.rootShard, etcdClient));
    const rootWorkload = workload(
      O.rootShard,
      serverReplicas(settings, args.rootShardReplicas),
      embedded,
      pulumi
        .all([rootShardUrl, etcdFlags("/kcp/root"), checksumOf(O.rootShard, true)])
        .apply(([base, e, checksum]) =>
          renderKcpPodTemplate({
            containerName: "kcp",
            image,
            command: ["/kcp", "start"],
            args: renderKcpShardArgs({
              shardName: "root",
              baseUrl: base,
              externalUrl,
              role: "root",
              etcd: e,
            }),
            mounts: rootMounts,
            labels: labelsOf(O.rootShard),
            zones,
            resources: args.rootShardResources ?? DEFAULT_KCP_RESOURCES,
            dataPath: KCP_PATHS.rootDir,
            persistentData: embedded,
            checksum,
          }),
        ),
      // The root shard needs the cache server from its first start.
      [...rootSecrets, rootSvc, cacheWorkload, ...(etcd ? [etcd] : [])],
    );

    // --- Other regions' shards: their requests signed, their ServiceAccount keys trusted --------------
    const cas = {
      serving: servingCa,
      client: clientCa,
      requestHeader: requestHeaderCa,
      cacheClient: cacheClientCa,
    };
    const requests = args.shardRequests ?? [];
    // No shard may ask for a name the root's servers (outside or inside the home cluster) or another shard
    // answer at.
    const reservedFor = (shardName: string) =>
      pulumi
        .all([rootHost, cacheHost, namespace])
        .apply(([r, c, n]) => [
          frontProxy.host,
          r,
          c,
          ...[O.rootShard, O.cache, O.frontProxy].flatMap((obj) => serviceDnsNames(obj, n)),
          ...requests.filter((o) => o.shardName !== shardName).flatMap((o) => externalServerNamesOf(o)),
        ]);
    const enrolled = Object.fromEntries(
      requests.map((request) => [
        request.shardName,
        new ShardEnrollment(
          `${name}-enroll-${request.shardName}`,
          { request, cas, certValidityHours: hours, reservedHosts: reservedFor(request.shardName) },
          { parent: this },
        ).certificates,
      ]),
    );
    const shardPublicKeys = Object.fromEntries(
      requests.map((r) => [serviceAccountKeyFile(r.shardName), r.serviceAccountPublicKeyPem]),
    );

    // --- Front-proxy -------------------------------------------------------------------------------
    const mappingData = { "mapping.yaml": internalUrl(O.rootShard).apply(renderFrontProxyMapping) };
    (mounted[O.frontProxy] ??= {})[frontProxyConfigName()] = mappingData;
    const mapping = new k8s.core.v1.ConfigMap(
      `${name}-${O.frontProxy}-config`,
      {
        metadata: { name: frontProxyConfigName(), namespace, labels: labelsOf(O.frontProxy) },
        data: mappingData,
      },
      child,
    );
    const frontSecrets = [
      tls(O.frontProxy, "server-tls", frontServer),
      tls(O.frontProxy, "requestheader-client-tls", frontProxyRequestHeader),
      secret(O.frontProxy, "ca", "Opaque", caData),
      secret(O.frontProxy, "service-account", "Opaque", { "tls.key": serviceAccountKey, ...shardPublicKeys }),
      // system:masters towards the shards (the front-proxy strips that group from its own clients).
      secret(O.frontProxy, "kubeconfigs", "Opaque", {
        "shards.kubeconfig": kubeconfig(internalUrl(O.rootShard), shardAdmin, "shards"),
      }),
    ];
    workload(
      O.frontProxy,
      args.frontProxyReplicas ?? 2,
      false,
      checksumOf(O.frontProxy, false).apply((checksum) =>
        renderKcpPodTemplate({
          containerName: "kcp-front-proxy",
          image,
          command: ["/kcp-front-proxy"],
          args: renderFrontProxyArgs(Object.keys(shardPublicKeys)),
          configMaps: frontProxyConfigMaps(),
          mounts: frontProxyMounts(),
          labels: labelsOf(O.frontProxy),
          zones,
          resources: args.frontProxyResources ?? DEFAULT_FRONT_PROXY_RESOURCES,
          dataPath: FRONT_PROXY_PATHS.rootDir,
          persistentData: false,
          checksum,
        }),
      ),
      [...frontSecrets, mapping, frontSvc, rootWorkload],
    );

    // --- Outputs ---------------------------------------------------------------------------------
    this.frontProxyUrl = pulumi.output(externalUrl);
    this.frontProxyAddress = frontSvc.status.apply((st) => {
      const lb = st?.loadBalancer?.ingress?.[0];
      return lb?.hostname ?? lb?.ip ?? "";
    });
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
      rootShardUrl,
      cacheUrl,
      shards: pulumi.output(enrolled),
    };
    this.signer = { cas, serviceAccountKeyPem: serviceAccountKey };
    this.registerOutputs({
      frontProxyUrl: this.frontProxyUrl,
      caBundle: this.caBundle,
      adminKubeconfig: this.adminKubeconfig,
      namespace: this.namespace,
      rootShardUrl: this.rootShardUrl,
    });
  }
}
