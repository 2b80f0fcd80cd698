// The kcp front-proxy: what clients reach at `externalUrl`. It maps workspace and virtual-workspace paths
// to the root shard, which redirects it to the shard that owns the workspace.
import { stringify as stringifyYaml } from "yaml";
import { type ContainerResources, KCP_PORT, type SecretMount } from "./render";
import { frontProxyConfigName, kcpSecretName, ROOT_OBJECTS } from "./names";
import { KCP_PATHS, REQUESTHEADER_ALLOWED_NAMES } from "./server-workload";

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

export const DEFAULT_FRONT_PROXY_RESOURCES: ContainerResources = {
  requests: { cpu: "100m", memory: "128Mi" },
  limits: { memory: "512Mi" },
};

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

/** The file (in the front-proxy's service-account Secret) with a region shard's ServiceAccount public key. */
export function serviceAccountKeyFile(shardName: string): string {
  return `shard-${shardName}.pub`;
}

/**
 * kcp-front-proxy's command line (flags of kcp v0.32.3 pkg/proxy/options and cmd/sharded-test-server).
 * `shardKeyFiles`: the region shards' ServiceAccount public keys (serviceAccountKeyFile), each trusted.
 */
export function renderFrontProxyArgs(shardKeyFiles: string[] = []): string[] {
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
    // ServiceAccount tokens of any shard authenticate at the front-proxy. Without lookup: kcp v0.32.3's
    // proxy looks a token's ServiceAccount up on the root shard only, so a token of a workspace on a region
    // shard (the api-syncagent's) was refused as Unauthorized (test/integration/kcp-render-run.test.ts).
    // The cost: a deleted ServiceAccount's tokens stay valid at the proxy until they expire.
    // One key per signer: the root's (the home region's shards) and each region shard's own.
    `--service-account-key-file=${p.serviceAccount}/tls.key`,
    ...shardKeyFiles.map((f) => `--service-account-key-file=${p.serviceAccount}/${f}`),
    "--service-account-lookup=false",
  ];
}

/** The Secrets the front-proxy mounts (names from names.ts). */
export function frontProxyMounts(): SecretMount[] {
  const obj = ROOT_OBJECTS.frontProxy;
  const fp = FRONT_PROXY_PATHS;
  return [
    { volume: "server-tls", secretName: kcpSecretName(obj, "server-tls"), mountPath: fp.tls },
    {
      volume: "requestheader-client-tls",
      secretName: kcpSecretName(obj, "requestheader-client-tls"),
      mountPath: fp.requestHeaderClient,
    },
    { volume: "ca", secretName: kcpSecretName(obj, "ca"), mountPath: fp.ca },
    {
      volume: "service-account",
      secretName: kcpSecretName(obj, "service-account"),
      mountPath: fp.serviceAccount,
    },
    { volume: "kubeconfigs", secretName: kcpSecretName(obj, "kubeconfigs"), mountPath: fp.kubeconfigs },
  ];
}

/** The ConfigMap the front-proxy mounts. */
export function frontProxyConfigMaps(): { volume: string; configMap: string; mountPath: string }[] {
  return [{ volume: "config", configMap: frontProxyConfigName(), mountPath: FRONT_PROXY_PATHS.config }];
}
