// The etcd cluster behind a kcp shard (or the kcp root: root shard + cache server), inside the region's
// cluster: a StatefulSet of `replicas` members spread over the region's zones, mutual TLS everywhere
// (clients, peers) from its own CA, a PodDisruptionBudget that keeps quorum, and a Secret with the client
// certificate kcp mounts. Members find each other through a headless Service that publishes not-ready
// addresses (a member is only ready once the cluster has quorum) and start in parallel for the same reason.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { FIELD_MANAGER_ANNOTATIONS } from "../manifests";
import { issueLeafCert, type LeafPurpose, selfSignedCa } from "../shared/pki";
import { CONFIG_CHECKSUM_ANNOTATION, configChecksumOf } from "./checksum";
import { ETCD_NAME, etcdSecretName, peerServiceName } from "./names";
import {
  type ContainerResources,
  DEFAULT_ETCD_IMAGE,
  checkPinnedImage,
  checkResources,
  checkStorageSize,
  checkZones,
  containerSecurityContext,
  isDnsLabel,
  pdbSpec,
  podSecurityContext,
  secretVolumes,
  workloadLabels,
  zonePlacement,
} from "./render";

export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;
export const ETCD_METRICS_PORT = 2381;
/** Where the client Secret's files appear in a kcp pod (ca.crt, tls.crt, tls.key). */
export const ETCD_CLIENT_MOUNT = "/etc/kcp/etcd";

export interface EtcdArgs {
  /** The region cluster's Kubernetes provider (never the default provider). */
  provider: k8s.Provider;
  /** Namespace the cluster runs in: pass the Namespace's `metadata.name` so objects wait for it. */
  namespace: pulumi.Input<string>;
  /** Prefix of every object name. @default "etcd" */
  name?: string;
  /** Members: 1 (no fault tolerance), 3 or 5. @default 3 */
  replicas?: number;
  /** Zones to keep members in (topology.kubernetes.io/zone values). @default [] (any node, still spread) */
  zones?: string[];
  /** A pinned tag. @default DEFAULT_ETCD_IMAGE */
  image?: string;
  /** Volume per member. @default "10Gi" */
  storageSize?: string;
  /** @default the cluster's default storage class */
  storageClassName?: string;
  /** @default { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "2Gi" } } */
  resources?: ContainerResources;
  /** etcd's backend quota. @default 8 GiB (etcd's recommended maximum) */
  quotaBackendBytes?: number;
  /** Validity of the CA and of the member/client certificates, in hours. @default 87600 (CA), 8760 (leaves) */
  caValidityHours?: number;
  certValidityHours?: number;
  /**
   * Pulumi-protects the stateful leaf: the StatefulSet (its volume claim templates hold the data). The
   * CA, certificates (renewed by replacement), Secrets, Services and PDB stay unprotected. @default false
   */
  protect?: boolean;
}

export const DEFAULT_ETCD_RESOURCES: ContainerResources = {
  requests: { cpu: "500m", memory: "1Gi" },
  limits: { memory: "2Gi" },
};

/** Checks the plain-value arguments; throws an Error naming the problem. */
export function validateEtcdArgs(args: EtcdArgs): void {
  if (typeof args.namespace === "string" && !isDnsLabel(args.namespace))
    throw new Error(`namespace ${JSON.stringify(args.namespace)} is not a DNS label`);
  const name = args.name ?? "etcd";
  if (!isDnsLabel(name) || name.length > 40)
    throw new Error("name must be a DNS label of at most 40 characters");
  const replicas = args.replicas ?? 3;
  if (![1, 3, 5].includes(replicas)) throw new Error(`replicas must be 1, 3 or 5 (got ${replicas})`);
  checkZones(args.zones ?? []);
  checkPinnedImage("image", args.image ?? DEFAULT_ETCD_IMAGE);
  checkStorageSize("storageSize", args.storageSize ?? "10Gi");
  checkResources("resources", args.resources ?? DEFAULT_ETCD_RESOURCES);
  const quota = args.quotaBackendBytes ?? 8 * 1024 ** 3;
  if (!Number.isInteger(quota) || quota < 64 * 1024 ** 2 || quota > 100 * 1024 ** 3)
    throw new Error("quotaBackendBytes must be an integer from 64 MiB to 100 GiB");
}

export { etcdClientSecretName, peerServiceName } from "./names";

/** Client URLs of every member, in ordinal order (what kcp's --etcd-servers lists). */
export function etcdClientUrls(name: string, namespace: string, replicas: number): string[] {
  return [...Array(replicas).keys()].map(
    (i) => `https://${name}-${i}.${peerServiceName(name)}.${namespace}.svc:${ETCD_CLIENT_PORT}`,
  );
}

/**
 * etcd's command line. `$(POD_NAME)`/`$(POD_NAMESPACE)` are expanded by the kubelet from the pod's env,
 * so one template serves every member and every namespace.
 */
export function renderEtcdArgs(p: { name: string; replicas: number; quotaBackendBytes: number }): string[] {
  const peer = (member: string) =>
    `https://${member}.${peerServiceName(p.name)}.$(POD_NAMESPACE).svc:${ETCD_PEER_PORT}`;
  const cluster = [...Array(p.replicas).keys()].map((i) => `${p.name}-${i}=${peer(`${p.name}-${i}`)}`);
  const tls = "/etc/etcd/tls";
  return [
    "--name=$(POD_NAME)",
    "--data-dir=/var/lib/etcd/data",
    `--listen-client-urls=https://0.0.0.0:${ETCD_CLIENT_PORT}`,
    `--advertise-client-urls=https://$(POD_NAME).${peerServiceName(p.name)}.$(POD_NAMESPACE).svc:${ETCD_CLIENT_PORT}`,
    `--listen-peer-urls=https://0.0.0.0:${ETCD_PEER_PORT}`,
    `--initial-advertise-peer-urls=${peer("$(POD_NAME)")}`,
    `--initial-cluster=${cluster.join(",")}`,
    "--initial-cluster-state=new",
    `--initial-cluster-token=${p.name}-$(POD_NAMESPACE)`,
    // Plain HTTP, for the kubelet's probes only: /livez, /readyz and /metrics, no data.
    `--listen-metrics-urls=http://0.0.0.0:${ETCD_METRICS_PORT}`,
    "--client-cert-auth=true",
    `--trusted-ca-file=${tls}/ca.crt`,
    `--cert-file=${tls}/tls.crt`,
    `--key-file=${tls}/tls.key`,
    "--peer-client-cert-auth=true",
    `--peer-trusted-ca-file=${tls}/ca.crt`,
    `--peer-cert-file=${tls}/tls.crt`,
    `--peer-key-file=${tls}/tls.key`,
    `--quota-backend-bytes=${p.quotaBackendBytes}`,
  ];
}

/** The StatefulSet spec (pure). */
export function renderEtcdStatefulSetSpec(p: {
  name: string;
  replicas: number;
  image: string;
  zones: string[];
  storageSize: string;
  storageClassName?: string;
  resources: ContainerResources;
  quotaBackendBytes: number;
  serverSecretName: string;
  labels: Record<string, string>;
  /** Checksum of the member Secret (a renewed certificate rolls the members). @default none */
  checksum?: pulumi.Input<string>;
}): k8s.types.input.apps.v1.StatefulSetSpec {
  const health = (path: string) => ({ httpGet: { path, port: "metrics", scheme: "HTTP" } });
  const { volumes, volumeMounts } = secretVolumes([
    { volume: "tls", secretName: p.serverSecretName, mountPath: "/etc/etcd/tls" },
  ]);
  return {
    serviceName: peerServiceName(p.name),
    replicas: p.replicas,
    // Members must all start to form a quorum; OrderedReady would wait for member 0 to be ready first.
    podManagementPolicy: "Parallel",
    updateStrategy: { type: "RollingUpdate" },
    selector: { matchLabels: p.labels },
    template: {
      metadata: {
        labels: p.labels,
        ...(p.checksum ? { annotations: { [CONFIG_CHECKSUM_ANNOTATION]: p.checksum } } : {}),
      },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        terminationGracePeriodSeconds: 60,
        securityContext: podSecurityContext(),
        ...zonePlacement(p.labels, p.zones),
        containers: [
          {
            name: "etcd",
            image: p.image,
            imagePullPolicy: "IfNotPresent",
            command: ["/usr/local/bin/etcd"],
            args: renderEtcdArgs(p),
            env: [
              { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
              { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
            ],
            ports: [
              { name: "client", containerPort: ETCD_CLIENT_PORT, protocol: "TCP" },
              { name: "peer", containerPort: ETCD_PEER_PORT, protocol: "TCP" },
              { name: "metrics", containerPort: ETCD_METRICS_PORT, protocol: "TCP" },
            ],
            resources: p.resources,
            securityContext: containerSecurityContext(),
            // A fresh member may take a while to join; liveness starts after the startup probe passes.
            startupProbe: { ...health("/readyz"), periodSeconds: 5, failureThreshold: 60 },
            readinessProbe: { ...health("/readyz"), periodSeconds: 5, timeoutSeconds: 3 },
            livenessProbe: { ...health("/livez"), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
            volumeMounts: [{ name: "data", mountPath: "/var/lib/etcd" }, ...volumeMounts],
          },
        ],
        volumes,
      },
    },
    volumeClaimTemplates: [
      {
        metadata: { name: "data", labels: p.labels },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: p.storageClassName,
          resources: { requests: { storage: p.storageSize } },
        },
      },
    ],
  };
}

/** Server/peer certificate names: every member by name, the client Service, and loopback. */
export function etcdServerSans(
  name: string,
  namespace: string,
): { dnsNames: string[]; ipAddresses: string[] } {
  return {
    dnsNames: [
      `*.${peerServiceName(name)}.${namespace}.svc`,
      `*.${peerServiceName(name)}.${namespace}.svc.cluster.local`,
      `${name}.${namespace}.svc`,
      `${name}.${namespace}.svc.cluster.local`,
      "localhost",
    ],
    ipAddresses: ["127.0.0.1"],
  };
}

/** A TLS etcd cluster for kcp. */
export class Etcd extends pulumi.ComponentResource {
  /** Every member's client URL (for --etcd-servers). */
  public readonly clientUrls: pulumi.Output<string[]>;
  /** Secret with ca.crt, tls.crt and tls.key for a client (mount at ETCD_CLIENT_MOUNT). */
  public readonly clientSecretName: pulumi.Output<string>;
  /** Checksum of the client Secret: kcp pods that mount it carry it, so a renewal rolls them. */
  public readonly clientChecksum: pulumi.Output<string>;
  /** The StatefulSet (depend on it to start kcp after etcd is up). */
  public readonly statefulSet: k8s.apps.v1.StatefulSet;

  constructor(name: string, args: EtcdArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pipeline-service:kcp:Etcd", name, {}, opts);
    try {
      validateEtcdArgs(args);
    } catch (e) {
      throw new pulumi.ResourceError(`Etcd ${name}: ${(e as Error).message}`, this);
    }
    const child = { parent: this, provider: args.provider };
    const objectName = args.name ?? ETCD_NAME;
    const namespace = args.namespace;
    const replicas = args.replicas ?? 3;
    const labels = workloadLabels("etcd", objectName);
    const caHours = args.caValidityHours ?? 87600;
    const leafHours = args.certValidityHours ?? 8760;

    // A CA of its own: only this cluster's members and its kcp clients ever trust it.
    const ca = selfSignedCa(
      `${name}-ca`,
      { commonName: `${objectName} etcd CA`, validityHours: caHours },
      { parent: this },
    );
    const issue = (
      suffix: string,
      commonName: string,
      purposes: LeafPurpose[],
      sans: { dnsNames?: pulumi.Input<string[]>; ipAddresses?: string[] } = {},
    ) =>
      issueLeafCert(
        `${name}-${suffix}`,
        { ca, commonName, purposes, validityHours: leafHours, ...sans },
        { parent: this },
      );
    // Members present one certificate as server (clients, peers) and as client (to peers).
    const ns = pulumi.output(namespace);
    const member = issue("member", objectName, ["server_auth", "client_auth"], {
      dnsNames: ns.apply((n) => etcdServerSans(objectName, n).dnsNames),
      ipAddresses: etcdServerSans(objectName, "default").ipAddresses,
    });
    const client = issue("client", "kcp", ["client_auth"]);

    const tlsSecret = (suffix: "member-tls" | "client-tls", pair: ReturnType<typeof issue>) =>
      new k8s.core.v1.Secret(
        `${name}-${suffix}`,
        {
          metadata: { name: etcdSecretName(objectName, suffix), namespace, labels },
          type: "kubernetes.io/tls",
          stringData: pulumi.secret({
            "ca.crt": ca.certPem,
            "tls.crt": pair.certPem,
            "tls.key": pair.keyPem,
          }),
        },
        child,
      );
    const serverSecret = tlsSecret("member-tls", member);
    const clientSecret = tlsSecret("client-tls", client);
    // What each Secret holds, for the checksums that roll the pods mounting it.
    const secretChecksum = (suffix: "member-tls" | "client-tls", pair: ReturnType<typeof issue>) =>
      configChecksumOf({
        [etcdSecretName(objectName, suffix)]: {
          "ca.crt": ca.certPem,
          "tls.crt": pair.certPem,
          "tls.key": pair.keyPem,
        },
      });

    const peerService = new k8s.core.v1.Service(
      `${name}-peer`,
      {
        metadata: { name: peerServiceName(objectName), namespace, labels },
        spec: {
          clusterIP: "None",
          // Peers must resolve each other before any of them is ready.
          publishNotReadyAddresses: true,
          selector: labels,
          ports: [
            { name: "client", port: ETCD_CLIENT_PORT, targetPort: "client" },
            { name: "peer", port: ETCD_PEER_PORT, targetPort: "peer" },
          ],
        },
      },
      child,
    );
    new k8s.core.v1.Service(
      `${name}-client`,
      {
        metadata: { name: objectName, namespace, labels },
        spec: {
          type: "ClusterIP",
          selector: labels,
          ports: [{ name: "client", port: ETCD_CLIENT_PORT, targetPort: "client" }],
        },
      },
      child,
    );
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      { metadata: { name: objectName, namespace, labels }, spec: pdbSpec(labels, "quorum", replicas) },
      child,
    );
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-sts`,
      {
        metadata: { name: objectName, namespace, labels, annotations: FIELD_MANAGER_ANNOTATIONS },
        // Only the annotation waits for the certificate: the rest of the spec stays known in previews.
        spec: renderEtcdStatefulSetSpec({
          name: objectName,
          replicas,
          image: args.image ?? DEFAULT_ETCD_IMAGE,
          zones: args.zones ?? [],
          storageSize: args.storageSize ?? "10Gi",
          storageClassName: args.storageClassName,
          resources: args.resources ?? DEFAULT_ETCD_RESOURCES,
          quotaBackendBytes: args.quotaBackendBytes ?? 8 * 1024 ** 3,
          serverSecretName: etcdSecretName(objectName, "member-tls"),
          labels,
          checksum: secretChecksum("member-tls", member),
        }),
      },
      { ...child, protect: args.protect ?? false, dependsOn: [serverSecret, peerService] },
    );

    this.clientUrls = ns.apply((n) => etcdClientUrls(objectName, n, replicas));
    this.clientSecretName = clientSecret.metadata.name;
    this.clientChecksum = secretChecksum("client-tls", client);
    this.registerOutputs({ clientUrls: this.clientUrls, clientSecretName: this.clientSecretName });
  }
}
