// Pure rendering shared by the kcp components (Shard, Root, Etcd): labels, pinned images, pod security,
// zone placement, secret mounts, disruption budgets and URLs. No resources are created here.
import type * as k8s from "@pulumi/kubernetes";

/** kcp's release image: `/kcp`, `/kcp-front-proxy` and `/cache-server` on distroless, user 65532. */
export const DEFAULT_KCP_IMAGE = "ghcr.io/kcp-dev/kcp:v0.32.3";
/** etcd's own release image, the version the local toolchain builds (tools/go/etcd). */
export const DEFAULT_ETCD_IMAGE = "quay.io/coreos/etcd:v3.6.13";
/** The distroless "nonroot" user both images are built for. */
export const KCP_UID = 65532;
/** Port every kcp server (shard, cache server, front-proxy) listens on inside its pod. */
export const KCP_PORT = 6443;

/** Shard labels the fleet schedules workspaces by (local/env.sh sets the same ones). */
export const REGION_LABEL = "pipeline-service.dev/region";
export const ROLE_LABEL = "pipeline-service.dev/role";
export type ShardRole = "root" | "region";

export const ZONE_LABEL = "topology.kubernetes.io/zone";
export const HOSTNAME_LABEL = "kubernetes.io/hostname";

/** Where a kcp shard's etcd lives: an etcd StatefulSet beside it, or etcd embedded in the kcp process. */
export type EtcdMode = "external" | "embedded";

export interface ContainerResources {
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
}

/** The labels a Shard object carries so `Workspace.spec.location.selector` can pick it. */
export function shardLabels(region: string, role: ShardRole): Record<string, string> {
  return { [REGION_LABEL]: region, [ROLE_LABEL]: role };
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const QUANTITY = /^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/;

export function isDnsLabel(s: unknown): s is string {
  return typeof s === "string" && DNS_LABEL.test(s);
}

/** Throws unless `image` is pinned by a tag other than latest, or by digest. */
export function checkPinnedImage(what: string, image: string): void {
  const tag = /:([\w][\w.-]{0,127})$/.exec(image.split("@")[0])?.[1];
  if (!image.includes("@sha256:") && (tag === undefined || tag === "latest"))
    throw new Error(
      `${what} ${JSON.stringify(image)} must be pinned by a tag other than latest (or a digest)`,
    );
}

/** Throws unless every request and limit is a Kubernetes quantity. */
export function checkResources(what: string, r: ContainerResources): void {
  for (const [k, v] of [...Object.entries(r.requests ?? {}), ...Object.entries(r.limits ?? {})])
    if (v !== undefined && !QUANTITY.test(v))
      throw new Error(`${what}: ${k} ${JSON.stringify(v)} is not a quantity`);
}

export function checkStorageSize(what: string, size: string): void {
  if (!/^\d+(Mi|Gi|Ti)$/.test(size))
    throw new Error(`${what} ${JSON.stringify(size)} must be a quantity such as 10Gi`);
}

/** Throws unless `zones` are distinct DNS labels (the values nodes report in topology.kubernetes.io/zone). */
export function checkZones(zones: string[]): void {
  for (const z of zones) if (!isDnsLabel(z)) throw new Error(`zone ${JSON.stringify(z)} is not a DNS label`);
  if (new Set(zones).size !== zones.length)
    throw new Error(`zones must be distinct (got ${zones.join(", ")})`);
}

/** An https URL without path, query or trailing slash; returns it normalized, or throws. */
export function normalizeHttpsUrl(what: string, url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`${what} ${JSON.stringify(url)} is not a URL`);
  }
  if (u.protocol !== "https:") throw new Error(`${what} ${JSON.stringify(url)} must be an https URL`);
  if ((u.pathname !== "/" && u.pathname !== "") || u.search || u.hash || u.username)
    throw new Error(`${what} ${JSON.stringify(url)} must have no path, query or credentials`);
  return `https://${u.host}`;
}

/** Host and port of an https URL (port 443 when absent). */
export function urlHostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ""), port: u.port ? Number(u.port) : 443 };
}

/** `https://host:port`, bracketing IPv6 literals. */
export function httpsUrl(host: string, port: number): string {
  return `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** Splits host names into certificate SANs: IP literals vs DNS names (deduplicated, order kept). */
export function splitSans(hosts: string[]): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const h of hosts) {
    const isIp = /^\d{1,3}(\.\d{1,3}){3}$/.test(h) || h.includes(":");
    const list = isIp ? ipAddresses : dnsNames;
    if (!list.includes(h)) list.push(h);
  }
  return { dnsNames, ipAddresses };
}

/** The in-cluster DNS names of a Service. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
}

/**
 * The address a LoadBalancer Service got (EKS/ELB gives a hostname, AKS an IP), or undefined while none
 * is assigned. The provider waits for an ingress before it reports a LoadBalancer Service created.
 */
export function loadBalancerHost(
  ingress: { hostname?: string; ip?: string }[] | undefined,
): string | undefined {
  const first = (ingress ?? []).find((i) => i.hostname || i.ip);
  return first?.hostname || first?.ip || undefined;
}

/** Standard labels of one kcp workload. */
export function workloadLabels(component: string, instance: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": component,
    "app.kubernetes.io/instance": instance,
    "app.kubernetes.io/part-of": "pipeline-service",
  };
}

/** Pod security: non-root as the image's user, RuntimeDefault seccomp, group-owned volumes. */
export function podSecurityContext(): k8s.types.input.core.v1.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: KCP_UID,
    runAsGroup: KCP_UID,
    fsGroup: KCP_UID,
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Container security: read-only root file system, no privilege escalation, no capabilities. */
export function containerSecurityContext(): k8s.types.input.core.v1.SecurityContext {
  return { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
}

/**
 * Keeps pods on the region's zones and spreads them: at most one more pod in any zone than in another
 * (hard), and across nodes when possible (soft). With no zones given only the spreading applies.
 */
export function zonePlacement(
  selector: Record<string, string>,
  zones: string[],
): Pick<k8s.types.input.core.v1.PodSpec, "affinity" | "topologySpreadConstraints"> {
  const spread: k8s.types.input.core.v1.TopologySpreadConstraint[] = [
    {
      maxSkew: 1,
      topologyKey: ZONE_LABEL,
      whenUnsatisfiable: "DoNotSchedule",
      labelSelector: { matchLabels: selector },
    },
    {
      maxSkew: 1,
      topologyKey: HOSTNAME_LABEL,
      whenUnsatisfiable: "ScheduleAnyway",
      labelSelector: { matchLabels: selector },
    },
  ];
  if (zones.length === 0) return { topologySpreadConstraints: spread };
  return {
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: ZONE_LABEL, operator: "In", values: [...zones] }] },
          ],
        },
      },
    },
    topologySpreadConstraints: spread,
  };
}

/** A Secret mounted read-only as a directory. */
export interface SecretMount {
  volume: string;
  secretName: string;
  mountPath: string;
}

/** Volumes and mounts for secret directories (mode 0440: readable by the pod's group only). */
export function secretVolumes(mounts: SecretMount[]): {
  volumes: k8s.types.input.core.v1.Volume[];
  volumeMounts: k8s.types.input.core.v1.VolumeMount[];
} {
  const names = mounts.map((m) => m.volume);
  if (new Set(names).size !== names.length) throw new Error(`duplicate volume names: ${names.join(", ")}`);
  return {
    volumes: mounts.map((m) => ({
      name: m.volume,
      secret: { secretName: m.secretName, defaultMode: 0o440 },
    })),
    volumeMounts: mounts.map((m) => ({ name: m.volume, mountPath: m.mountPath, readOnly: true })),
  };
}

/** Members that must stay up for an etcd cluster of `replicas` to keep quorum. */
export function etcdQuorum(replicas: number): number {
  return Math.floor(replicas / 2) + 1;
}

/**
 * Disruption budget: etcd keeps its quorum; a stateless server keeps all but one replica. A single
 * replica (dev) gets maxUnavailable 1 too, so a node drain is never blocked forever.
 */
export function pdbSpec(
  selector: Record<string, string>,
  kind: "quorum" | "serving",
  replicas: number,
): k8s.types.input.policy.v1.PodDisruptionBudgetSpec {
  if (kind === "quorum" && replicas > 1)
    return { minAvailable: etcdQuorum(replicas), selector: { matchLabels: selector } };
  return { maxUnavailable: 1, selector: { matchLabels: selector } };
}

/** An HTTPS probe of a kcp server's health endpoint (always allowed without authentication). */
export function httpsProbe(
  path: "/livez" | "/readyz",
  extra: Partial<k8s.types.input.core.v1.Probe> = {},
): k8s.types.input.core.v1.Probe {
  return {
    httpGet: { path, port: "https", scheme: "HTTPS" },
    periodSeconds: 10,
    timeoutSeconds: 5,
    failureThreshold: 6,
    ...extra,
  };
}

/** Clouds whose load balancers the kcp Services can ask to be internal. */
export type LoadBalancerCloud = "aws" | "azure";

/**
 * Annotations that make a LoadBalancer Service internal (a private address in the cluster's network):
 * AWS an internal NLB (the AWS Load Balancer Controller reads the scheme, the in-tree provider the
 * `internal` flag), Azure an internal load balancer.
 */
export function internalLoadBalancerAnnotations(cloud: LoadBalancerCloud): Record<string, string> {
  switch (cloud) {
    case "aws":
      return {
        "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
        "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
      };
    case "azure":
      return { "service.beta.kubernetes.io/azure-load-balancer-internal": "true" };
  }
}
