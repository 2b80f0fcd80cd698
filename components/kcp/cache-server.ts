// The kcp cache server: replicates the objects shards share (APIExports, their identities, ...) between
// shards. Shards and the root shard reach it with a system:masters client certificate of a CA of its own
// (kcp v0.32.3's cache server authorizes that group only), so that certificate opens no shard.
import { ETCD_CLIENT_MOUNT } from "./etcd";
import { kcpSecretName, ROOT_OBJECTS } from "./names";
import { type ContainerResources, KCP_PORT, type SecretMount } from "./render";
import { KCP_PATHS } from "./server-workload";

export const DEFAULT_CACHE_RESOURCES: ContainerResources = {
  requests: { cpu: "250m", memory: "512Mi" },
  limits: { memory: "1Gi" },
};

/** Where the cache server keeps its state (an emptyDir, or the claim with embedded etcd). */
export const CACHE_DATA_PATH = "/var/lib/kcp-cache";

/** The cache server's command line. */
export function renderCacheServerArgs(
  etcd: { mode: "embedded" } | { mode: "external"; servers: string[]; prefix: string },
): string[] {
  const args = [
    `--root-directory=${CACHE_DATA_PATH}`,
    `--secure-port=${KCP_PORT}`,
    `--tls-cert-file=${KCP_PATHS.serverTls}/tls.crt`,
    `--tls-private-key-file=${KCP_PATHS.serverTls}/tls.key`,
    // Only system:masters of the cache client CA (not the fleet's client CA) may read or write.
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

/** The Secrets the cache server mounts (names from names.ts). */
export function cacheServerMounts(etcdClient?: string): SecretMount[] {
  const obj = ROOT_OBJECTS.cache;
  return [
    { volume: "server-tls", secretName: kcpSecretName(obj, "server-tls"), mountPath: KCP_PATHS.serverTls },
    { volume: "ca", secretName: kcpSecretName(obj, "ca"), mountPath: KCP_PATHS.ca },
    ...(etcdClient ? [{ volume: "etcd-client", secretName: etcdClient, mountPath: ETCD_CLIENT_MOUNT }] : []),
  ];
}
