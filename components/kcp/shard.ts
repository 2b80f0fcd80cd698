// A region's kcp shard. Cloud profile: rendered into the region's cluster (namespace `kcp`): its keys and
// certificates (signed by the fleet CAs: in the home region by Root.signer, elsewhere by the home stack
// from this shard's published requests, enrollment.ts), Secrets, etcd (an etcd StatefulSet beside it, or
// embedded for dev), the kcp Deployment/StatefulSet, a Service the front-proxy reaches it through, a
// PodDisruptionBudget; then its Shard object on kcp is labelled with the region so region workspaces land
// on it. A region whose certificates the home stack has not signed yet gets its keys, its requests and its
// Service (the serving request names its load balancer) and nothing that runs. Local profile: local/env.sh
// already runs the shard process, so only the labels are claimed (a server-side-apply patch of the Shard
// object named by the local env's `kcpShard`).
// The server's command line, files and workload are server-workload.ts's (shared with the root shard).
//
// kcp registers its own Shard object in the root workspace at start (create, or update of spec only), so
// labels applied by the patch survive restarts; the patch's field manager owns only those labels.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Profile } from "../local-profile";
import { podSecurityLabels } from "../manifests";
import { PrivateKey as TlsPrivateKey } from "@pulumi/tls";
import { RSA_2048, requestLeafCert } from "../shared/pki";
import { type KeyPair, issueCert } from "./pki";
import { configChecksumOf } from "./checksum";
import {
  type ShardSigner,
  type ShardCertKind,
  type ShardCertificates,
  type ShardRequest,
  SHARD_OWN_KINDS,
  shardCertSpecs,
} from "./enrollment";
import { Etcd } from "./etcd";
import type { KcpHomeValue } from "./home-reference";
import { ROOT_SHARD_KUBECONFIG_CONTEXT, kubeconfigSecret } from "./kubeconfig";
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

/** The kcp root's public facts a shard needs (KcpHomeValue without the signed certificates). */
export type KcpFleet = { [K in Exclude<keyof KcpHomeValue, "shards">]: pulumi.Input<string> };

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
  /**
   * Provider for kcp's root workspace (kcp-provider.ts newKcpProvider): the Shard object is patched there.
   * Required unless the shard awaits its certificates.
   */
  kcpProvider?: k8s.Provider;

  // Cloud profile only (and so are the KcpServerOptions).
  /** The region cluster's provider. Required in the cloud profile. */
  provider?: k8s.Provider;
  /** The kcp root's public facts (readKcpHome(homeStack), or Root.home). Required in the cloud profile. */
  fleet?: KcpFleet;
  /** Home region: the fleet CAs sign this shard's certificates in this stack. */
  signer?: ShardSigner;
  /**
   * Other regions: the certificates the home stack signed for this shard's requests
   * (KcpHomeValue.shards[shardName]). Until they exist the shard only publishes its request (`request`).
   */
  certificates?: pulumi.Input<ShardCertificates>;
  /** Other regions: the region stack's admin certificate request, published with the shard's. */
  adminCertificateRequest?: pulumi.Input<string>;
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
  const cloud = (args.profile ?? "cloud") === "cloud";
  if (!args.kcpProvider && (!cloud || args.signer || args.certificates))
    throw new Error("kcpProvider is required (the Shard object lives on kcp)");
  if (!cloud) return;
  if (!args.provider) throw new Error("provider (the region cluster's) is required in the cloud profile");
  if (!args.fleet) throw new Error("fleet (the kcp root's public facts) is required in the cloud profile");
  if (args.signer && (args.certificates || args.adminCertificateRequest))
    throw new Error(
      "signer (home region) and certificates/adminCertificateRequest (other regions) exclude each other",
    );
  if (!args.signer && !args.adminCertificateRequest)
    throw new Error(
      "adminCertificateRequest is required outside the home region (it is published with the shard's)",
    );
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
  /** Other regions: what the home stack signs (export it as `kcpShardRequest`). */
  public readonly request?: pulumi.Output<ShardRequest>;
  /** Whether the shard runs: false while a region awaits the home stack's signature. */
  public readonly started: boolean;
  /** The Shard object's label patch on kcp (when the shard runs). */
  public readonly labelPatch?: k8s.apiextensions.CustomResourcePatch;

  constructor(name: string, args: ShardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pipeline-service:kcp:Shard", name, { region: args.region }, opts);
    try {
      validateShardArgs(args);
    } catch (e) {
      throw new pulumi.ResourceError(`Shard ${name}: ${(e as Error).message}`, this);
    }
    this.shardName = args.shardName ?? args.region;
    const dependsOn: pulumi.Resource[] = [];
    this.started = true;
    if ((args.profile ?? "cloud") === "cloud") {
      const rendered = this.renderWorkload(name, args);
      this.baseUrl = rendered.baseUrl;
      this.namespace = rendered.namespace;
      this.request = rendered.request;
      this.started = rendered.workload !== undefined;
      // kcp creates its Shard object once it runs: label it after the workload is ready.
      if (rendered.workload) dependsOn.push(rendered.workload);
    }
    if (this.started)
      this.labelPatch = new k8s.apiextensions.CustomResourcePatch(
        `${name}-shard-labels`,
        {
          apiVersion: SHARD_API_VERSION,
          kind: "Shard",
          metadata: { name: this.shardName, labels: shardLabels(args.region, "region") },
        },
        { parent: this, provider: args.kcpProvider, dependsOn },
      );
    this.registerOutputs({
      shardName: this.shardName,
      baseUrl: this.baseUrl,
      namespace: this.namespace,
      request: this.request,
    });
  }

  private renderWorkload(
    name: string,
    args: ShardArgs,
  ): {
    workload?: pulumi.Resource;
    baseUrl: pulumi.Output<string>;
    namespace: pulumi.Output<string>;
    request?: pulumi.Output<ShardRequest>;
  } {
    const fleet = args.fleet!;
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

    // --- Keys and certificates (enrollment.ts: what each one is) --------------------------------------
    // The serving certificate names every host the shard is reached at.
    const sans = pulumi
      .all([host, namespace])
      .apply(([h, n]) => splitSans([h, ...serviceDnsNames(objectName, n), "localhost", "127.0.0.1"]));
    const specs = shardCertSpecs(shardName);
    const pairs = {} as Record<(typeof SHARD_OWN_KINDS)[number], KeyPair>;
    const requests = {} as Record<ShardCertKind, pulumi.Output<string>>;
    for (const kind of SHARD_OWN_KINDS) {
      const spec = specs[kind];
      const req = {
        commonName: spec.commonName,
        organization: spec.organization,
        uses: spec.uses,
        ...(kind === "server" ? { dnsNames: sans.dnsNames, ipAddresses: sans.ipAddresses } : {}),
      };
      if (args.signer) {
        pairs[kind] = issueCert(this, `${name}-${kind}`, args.signer.cas[spec.ca], req, hours);
      } else {
        const { key, csr } = requestLeafCert(`${name}-${kind}`, req, { parent: this });
        requests[kind] = csr.certRequestPem;
        const cert = pulumi.output(args.certificates).apply((c) => c?.[kind] ?? "");
        pairs[kind] = { key: key.privateKeyPemPkcs8, cert: spec.organization ? pulumi.secret(cert) : cert };
      }
    }
    // ServiceAccount tokens: the home region's shard signs with the root's key; every other shard with its
    // own, whose public key the front-proxy trusts (published with the requests).
    let serviceAccountKey: pulumi.Input<string>;
    let request: pulumi.Output<ShardRequest> | undefined;
    if (args.signer) {
      serviceAccountKey = args.signer.serviceAccountKeyPem;
    } else {
      const key = new TlsPrivateKey(`${name}-service-account-key`, RSA_2048, { parent: this });
      serviceAccountKey = key.privateKeyPemPkcs8;
      requests.admin = pulumi.output(args.adminCertificateRequest!);
      request = pulumi.all([pulumi.output(requests), key.publicKeyPem]).apply(([csrs, pub]) => ({
        shardName,
        certificateRequests: csrs as Record<ShardCertKind, string>,
        serviceAccountPublicKeyPem: pub,
      }));
      if (!args.certificates) return { baseUrl, namespace, request };
    }

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

    const kubeconfig = (server: pulumi.Input<string>, pair: KeyPair, entry: string) =>
      kubeconfigSecret(server, fleet.caBundle, pair, entry);
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
    const tls = (kind: KcpSecretKind, pair: KeyPair) =>
      secret(kind, "kubernetes.io/tls", { "tls.crt": pair.cert, "tls.key": pair.key });
    const secrets = [
      tls("server-tls", pairs.server),
      tls("shard-client-tls", pairs["shard-client"]),
      tls("mounts-proxy-tls", pairs["mounts-proxy"]),
      secret("ca", "Opaque", {
        "serving-ca.crt": fleet.caBundle,
        "client-ca.crt": fleet.clientCaCertPem,
        "requestheader-ca.crt": fleet.requestHeaderCaCertPem,
      }),
      secret("service-account", "Opaque", { "tls.key": serviceAccountKey }),
      secret("kubeconfigs", "Opaque", {
        // kcp loads this one with context "shard-base" (kubeconfig.ts).
        "root-shard.kubeconfig": kubeconfig(
          fleet.rootShardUrl,
          pairs["shard-client"],
          ROOT_SHARD_KUBECONFIG_CONTEXT,
        ),
        "cache.kubeconfig": kubeconfig(fleet.cacheUrl, pairs["cache-client"], "cache"),
        "logical-cluster-admin.kubeconfig": kubeconfig(
          fleet.rootShardUrl,
          pairs["logical-cluster-admin"],
          "logical-cluster-admin",
        ),
        "external-logical-cluster-admin.kubeconfig": kubeconfig(
          fleet.frontProxyUrl,
          pairs["external-logical-cluster-admin"],
          "external-logical-cluster-admin",
        ),
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
        pulumi.output(fleet.frontProxyUrl),
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
    return { workload, baseUrl, namespace, request };
  }
}
