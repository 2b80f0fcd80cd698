// kcp client identities: kcp's built-in groups and the kubeconfigs that carry a client certificate.
import * as pulumi from "@pulumi/pulumi";
import { stringify as stringifyYaml } from "yaml";
import type { KeyPair } from "./pki";

/** kcp's built-in groups (pkg/authorization/bootstrap, k8s.io/apiserver user). */
export const KCP_GROUPS = {
  admin: "system:kcp:admin",
  masters: "system:masters",
  logicalClusterAdmin: "system:kcp:logical-cluster-admin",
  externalLogicalClusterAdmin: "system:kcp:external-logical-cluster-admin",
} as const;

/**
 * The context a region shard's --root-shard-kubeconfig-file must have: kcp v0.32.3 loads that file with
 * CurrentContext "shard-base" (pkg/server/config.go) and fails to start without it.
 */
export const ROOT_SHARD_KUBECONFIG_CONTEXT = "shard-base";

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

/** renderKubeconfig of Outputs, as a Pulumi secret. */
export function kubeconfigSecret(
  server: pulumi.Input<string>,
  caPem: pulumi.Input<string>,
  pair: KeyPair,
  entry: string,
): pulumi.Output<string> {
  return pulumi.secret(
    pulumi
      .all([server, caPem, pair.cert, pair.key])
      .apply(([s, ca, crt, key]) =>
        renderKubeconfig({ server: s, caPem: ca, clientCertPem: crt, clientKeyPem: key, name: entry }),
      ),
  );
}
