// Argo CD from its pinned install.yaml (or ha/install.yaml) into namespace argocd, plus repository credential
// Secrets (label argocd.argoproj.io/secret-type: repository) from stack config secrets. The ApplicationSet
// CRD is larger than the last-applied annotation allows: the provider must use server-side apply (its v4
// default).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { applyProfile, type Profile } from "../local-profile";
import {
  configGroupYaml,
  type K8sObject,
  loadManifest,
  normalizeNamespaces,
  podSecurityLabels,
} from "../manifests";

export const ARGOCD_TYPE = "pipeline-service:gitops:ArgoCd";
export const ARGOCD_NAMESPACE = "argocd";
export const ARGOCD_SERVER_SERVICE = "argocd-server";

/** One repository Argo CD may read; give a password (HTTPS) or an SSH key, or neither for a public repo. */
export interface ArgoCdRepository {
  /** Secret name suffix: Secret `repo-<name>`. */
  name: string;
  url: string;
  /** @default "git" */
  type?: "git" | "helm";
  username?: pulumi.Input<string>;
  password?: pulumi.Input<string>;
  sshPrivateKey?: pulumi.Input<string>;
}

export interface ArgoCdArgs {
  /** The region cluster's provider; server-side apply must stay on (ApplicationSet CRD size). */
  provider: k8s.Provider;
  /** ha/install.yaml (3 Redis replicas with HAProxy, needs 3 nodes) instead of install.yaml. @default false */
  highAvailability?: boolean;
  /** @default [] */
  repositories?: ArgoCdRepository[];
  /** @default "cloud" */
  profile?: Profile;
  /** @default defaultMirrorDir() */
  manifestsDir?: string;
}

/** The upstream file for a flavour. */
export function argoCdFile(highAvailability: boolean): string {
  return highAvailability ? "ha/install.yaml" : "install.yaml";
}

/** Objects as applied: namespaced objects without a namespace go to argocd (install.yaml expects `-n argocd`). */
export function renderArgoCd(upstream: K8sObject[], profile: Profile): K8sObject[] {
  return applyProfile(normalizeNamespaces(upstream, ARGOCD_NAMESPACE), profile);
}

const SECRET_SUFFIX = /^[a-z0-9]([-a-z0-9]{0,56}[a-z0-9])?$/;

/** Validates the repository list (names unique DNS labels, URLs set, one credential kind each). */
export function validateRepositories(repos: ArgoCdRepository[]): void {
  const bad: string[] = [];
  const seen = new Set<string>();
  for (const r of repos) {
    if (!SECRET_SUFFIX.test(r.name))
      bad.push(`${JSON.stringify(r.name)}: a lowercase DNS label (a-z, 0-9, -)`);
    if (seen.has(r.name)) bad.push(`${r.name}: duplicate name`);
    seen.add(r.name);
    if (!/^(https?:\/\/|ssh:\/\/|git@)\S+$/.test(r.url))
      bad.push(`${r.name}: url ${JSON.stringify(r.url)} is not a repository URL`);
    // Outputs (config secrets) are checked when they resolve, in repositorySecretData.
    if (
      typeof r.password === "string" &&
      typeof r.sshPrivateKey === "string" &&
      r.password &&
      r.sshPrivateKey
    )
      bad.push(`${r.name}: a password or an SSH key, not both`);
  }
  if (bad.length > 0) throw new Error(`${ARGOCD_TYPE}: repositories: ${bad.join("; ")}`);
}

/** The repository Secret's stringData in Argo CD's keys; empty credentials are left out. */
export function repositorySecretData(
  r: Pick<ArgoCdRepository, "name" | "url" | "type">,
  creds: { username: string; password: string; sshPrivateKey: string },
): Record<string, string> {
  if (creds.password && creds.sshPrivateKey)
    throw new Error(`${ARGOCD_TYPE}: repositories: ${r.name}: a password or an SSH key, not both`);
  const d: Record<string, string> = { type: r.type ?? "git", url: r.url };
  if (creds.username) d.username = creds.username;
  if (creds.password) d.password = creds.password;
  if (creds.sshPrivateKey) d.sshPrivateKey = creds.sshPrivateKey;
  return d;
}

/**
 * Reads repositories from stack config: `argocdRepositories` (plain list of {name, url, type?}) and the
 * secret object `argocdRepositoryCredentials` ({<name>: {username?, password?, sshPrivateKey?}}).
 */
export function argoCdRepositoriesFromConfig(config: pulumi.Config): ArgoCdRepository[] {
  const repos =
    config.getObject<{ name: string; url: string; type?: "git" | "helm" }[]>("argocdRepositories") ?? [];
  if (repos.length === 0) return [];
  type Creds = Record<string, { username?: string; password?: string; sshPrivateKey?: string }>;
  const creds = config.getSecretObject<Creds>("argocdRepositoryCredentials") ?? pulumi.secret({} as Creds);
  return repos.map((r) => ({
    ...r,
    username: creds.apply((c) => c[r.name]?.username ?? ""),
    password: creds.apply((c) => c[r.name]?.password ?? ""),
    sshPrivateKey: creds.apply((c) => c[r.name]?.sshPrivateKey ?? ""),
  }));
}

/** Argo CD v3.5.1. */
export class ArgoCd extends pulumi.ComponentResource {
  readonly namespace: string = ARGOCD_NAMESPACE;
  readonly serverServiceName: string = ARGOCD_SERVER_SERVICE;
  readonly release: k8s.yaml.v2.ConfigGroup;

  constructor(name: string, args: ArgoCdArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ARGOCD_TYPE, name, {}, opts);
    const repos = args.repositories ?? [];
    let objs: K8sObject[];
    try {
      validateRepositories(repos);
      objs = renderArgoCd(
        loadManifest("argo-cd", argoCdFile(args.highAvailability ?? false), { mirrorDir: args.manifestsDir }),
        args.profile ?? "cloud",
      );
    } catch (e) {
      throw new pulumi.ResourceError((e as Error).message, this);
    }
    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: ARGOCD_NAMESPACE,
          labels: { "app.kubernetes.io/part-of": "argocd", ...podSecurityLabels("baseline") },
        },
      },
      { parent: this, provider: args.provider },
    );
    for (const r of repos) {
      // Credentials may be Outputs (config secrets): the Secret's data is built once they resolve.
      const stringData = pulumi
        .all([r.username ?? "", r.password ?? "", r.sshPrivateKey ?? ""])
        .apply(([username, password, sshPrivateKey]) =>
          repositorySecretData(r, { username, password, sshPrivateKey }),
        );
      new k8s.core.v1.Secret(
        `${name}-repo-${r.name}`,
        {
          metadata: {
            name: `repo-${r.name}`,
            namespace: ARGOCD_NAMESPACE,
            labels: { "argocd.argoproj.io/secret-type": "repository" },
          },
          stringData: pulumi.secret(stringData),
        },
        { parent: this, provider: args.provider, dependsOn: [namespace] },
      );
    }
    this.release = new k8s.yaml.v2.ConfigGroup(
      `${name}-release`,
      { yaml: configGroupYaml(objs) },
      { parent: this, provider: args.provider, dependsOn: [namespace] },
    );
    this.registerOutputs({ namespace: this.namespace, serverServiceName: this.serverServiceName });
  }
}
