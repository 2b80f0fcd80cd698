// Tekton Triggers: release.yaml, then the core interceptors (their ClusterInterceptors need the release's
// CRDs). Both install into tekton-pipelines, which the Pipelines release creates: so after Pipelines.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { applyProfile, type LocalWebhookPorts, type Profile } from "../local-profile";
import { configGroupYaml, type K8sObject, loadManifest, normalizeNamespaces } from "../manifests";
import { PIPELINES_NAMESPACE } from "./pipelines";

export const TRIGGERS_TYPE = "pipeline-service:tekton:Triggers";

export interface TriggersArgs {
  /** The region cluster's provider (server-side apply on). */
  provider: k8s.Provider;
  /** What must exist first: the Pipelines component (its namespace and CRDs). */
  pipelines: pulumi.Resource;
  /** @default "cloud" */
  profile?: Profile;
  /** Local profile: port of the local tekton-triggers-webhook process (local/processes.ts). @default {} */
  localWebhookPorts?: LocalWebhookPorts;
  /** @default defaultMirrorDir() */
  manifestsDir?: string;
}

/** The objects of release.yaml and interceptors.yaml, as applied. */
export function renderTriggers(
  release: K8sObject[],
  interceptors: K8sObject[],
  profile: Profile,
  webhookPorts: LocalWebhookPorts = {},
): { release: K8sObject[]; interceptors: K8sObject[] } {
  return {
    release: applyProfile(normalizeNamespaces(release), profile, webhookPorts),
    interceptors: applyProfile(normalizeNamespaces(interceptors), profile, webhookPorts),
  };
}

/** Tekton Triggers v0.37.0 with the core interceptors. */
export class Triggers extends pulumi.ComponentResource {
  readonly namespace: string = PIPELINES_NAMESPACE;
  readonly release: k8s.yaml.v2.ConfigGroup;
  readonly interceptors: k8s.yaml.v2.ConfigGroup;

  constructor(name: string, args: TriggersArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TRIGGERS_TYPE, name, {}, opts);
    let objs: { release: K8sObject[]; interceptors: K8sObject[] };
    try {
      const load = (file: string) => loadManifest("tekton-triggers", file, { mirrorDir: args.manifestsDir });
      objs = renderTriggers(
        load("release.yaml"),
        load("interceptors.yaml"),
        args.profile ?? "cloud",
        args.localWebhookPorts,
      );
    } catch (e) {
      throw new pulumi.ResourceError((e as Error).message, this);
    }
    this.release = new k8s.yaml.v2.ConfigGroup(
      `${name}-release`,
      { yaml: configGroupYaml(objs.release) },
      { parent: this, provider: args.provider, dependsOn: [args.pipelines] },
    );
    this.interceptors = new k8s.yaml.v2.ConfigGroup(
      `${name}-interceptors`,
      { yaml: configGroupYaml(objs.interceptors) },
      { parent: this, provider: args.provider, dependsOn: [this.release] },
    );
    this.registerOutputs({ namespace: this.namespace });
  }
}
