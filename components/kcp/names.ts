// Object names of the kcp workloads in their clusters, in one place: a Secret's name is made here once and
// both the Secret and the volume that mounts it take it from here. (Pulumi resource names are the
// components' own and stay as they were: they are part of each resource's URN.)

/** Namespace of the kcp root (root shard, cache server, front-proxy) in the home cluster. */
export const ROOT_NAMESPACE = "kcp-root";
/** Namespace of a region's shard in its cluster. */
export const SHARD_NAMESPACE = "kcp";

/** Workloads of the root (each one's Deployment/StatefulSet, Service and PDB carry this name). */
export const ROOT_OBJECTS = {
  rootShard: "kcp-root",
  cache: "kcp-cache",
  frontProxy: "kcp-front-proxy",
} as const;

/** A region shard's workload (Deployment/StatefulSet, Service, PDB). */
export function shardObjectName(shardName: string): string {
  return `kcp-${shardName}`;
}

/** Secrets a kcp server mounts, by what they hold; the object name is `<workload>-<kind>`. */
export type KcpSecretKind =
  | "server-tls"
  | "shard-client-tls"
  | "mounts-proxy-tls"
  | "requestheader-client-tls"
  | "ca"
  | "service-account"
  | "kubeconfigs";

export function kcpSecretName(workload: string, kind: KcpSecretKind): string {
  return `${workload}-${kind}`;
}

/** The front-proxy's ConfigMap (its path mapping). */
export function frontProxyConfigName(): string {
  return `${ROOT_OBJECTS.frontProxy}-config`;
}

/** etcd beside a shard (or the root): StatefulSet, client Service, PDB and Secret prefix. */
export const ETCD_NAME = "etcd";

/** Name of the headless Service members are reached through (`<member>.<peerService>.<ns>.svc`). */
export function peerServiceName(name: string): string {
  return `${name}-peer`;
}

/** Secrets of an etcd cluster: each member's serving/peer certificate, and its kcp client's. */
export type EtcdSecretKind = "member-tls" | "client-tls";

export function etcdSecretName(name: string, kind: EtcdSecretKind): string {
  return `${name}-${kind}`;
}

/** Name of the Secret with a client's ca.crt, tls.crt and tls.key. */
export function etcdClientSecretName(name: string): string {
  return etcdSecretName(name, "client-tls");
}
