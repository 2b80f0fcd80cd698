// The Kubernetes provider for a kcp workspace (not a component): kcp's admin kubeconfig with its server
// pointed at `<frontProxyUrl>/clusters/<workspace>`. Locally the kubeconfig is local/env.sh's
// admin.kubeconfig (env.json kcp.adminKubeconfig); in the cloud it is the home stack's `adminKubeconfig`.
//
// Like the cluster providers (components/cluster/workload-cluster.ts), it gets a `clusterIdentifier` —
// the workspace URL, known at preview — so rotating the admin credentials or the CA updates the provider
// instead of replacing it (which would replace every object on kcp made through it).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { normalizeHttpsUrl } from "./render";

/** `<frontProxyUrl>/clusters/<path>`. */
export function workspaceServer(frontProxyUrl: string, path = "root"): string {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(:[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(path))
    throw new Error(`workspace path ${JSON.stringify(path)} is not a path such as root or root:org`);
  return `${normalizeHttpsUrl("frontProxyUrl", frontProxyUrl)}/clusters/${path}`;
}

interface KubeconfigDoc {
  clusters?: { name?: string; cluster?: Record<string, unknown> }[];
  contexts?: { name?: string; context?: { cluster?: string; user?: string } }[];
  "current-context"?: string;
}

/**
 * The kubeconfig with the current context's cluster pointed at `server` (pure). Other entries stay as they
 * are; a kubeconfig without a usable current context is an error (its content is never quoted).
 */
export function kubeconfigForServer(kubeconfig: string, server: string): string {
  let doc: KubeconfigDoc | null;
  try {
    doc = parseYaml(kubeconfig) as KubeconfigDoc | null;
  } catch {
    throw new Error("the kcp kubeconfig is not valid YAML");
  }
  if (!doc || typeof doc !== "object") throw new Error("the kcp kubeconfig is empty");
  const current = doc["current-context"];
  const ctx = (doc.contexts ?? []).find((c) => c.name === current);
  const cluster = (doc.clusters ?? []).find((c) => c.name === ctx?.context?.cluster);
  if (!ctx || !cluster?.cluster) throw new Error("the kcp kubeconfig has no current context with a cluster");
  cluster.cluster = { ...cluster.cluster, server };
  return stringifyYaml(doc);
}

export interface KcpProviderArgs {
  /** Admin kubeconfig content (secret). */
  kubeconfig: pulumi.Input<string>;
  /** The front-proxy URL (env.json kcp.frontProxyUrl, or the home's frontProxyUrl). */
  frontProxyUrl: pulumi.Input<string>;
  /** Workspace path. @default "root" */
  workspacePath?: string;
}

/** A provider for one kcp workspace, child of `opts.parent`. */
export function newKcpProvider(
  name: string,
  args: KcpProviderArgs,
  opts?: { parent?: pulumi.Resource; dependsOn?: pulumi.Input<pulumi.Resource>[] },
): k8s.Provider {
  const server = pulumi.output(args.frontProxyUrl).apply((u) => workspaceServer(u, args.workspacePath));
  return new k8s.Provider(
    name,
    {
      kubeconfig: pulumi.secret(
        pulumi.all([args.kubeconfig, server]).apply(([k, s]) => kubeconfigForServer(k, s)),
      ),
      clusterIdentifier: pulumi.interpolate`kcp:${server}`,
      enableServerSideApply: true,
    },
    opts,
  );
}
