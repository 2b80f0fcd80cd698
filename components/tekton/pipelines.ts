// Tekton Pipelines (with its resolvers) from the pinned upstream release.yaml, with our settings applied to
// the parsed objects before they reach the ConfigGroup: feature-flags, config-defaults and the controller's
// client flags. Everything else is upstream as published.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { applyProfile, type LocalWebhookPorts, type Profile } from "../local-profile";
import {
  configGroupYaml,
  editObject,
  type K8sObject,
  loadManifest,
  lockVersions,
  normalizeNamespaces,
} from "../manifests";
import { configMapEntries, editContainer, mergeConfigMapData, setFlag } from "./edits";

export const PIPELINES_TYPE = "pipeline-service:tekton:Pipelines";
export const PIPELINES_NAMESPACE = "tekton-pipelines";
export const RESOLVERS_NAMESPACE = "tekton-pipelines-resolvers";
const CONTROLLER = "tekton-pipelines-controller";

/** The Pipelines releases the manifest lock pins, newest first (a stack picks one; the newest by default). */
export const PIPELINES_VERSIONS: readonly string[] = lockVersions("tekton-pipeline", "release.yaml");

export interface PipelinesArgs {
  /** The region cluster's provider. Server-side apply (the provider v4 default) must stay enabled. */
  provider: k8s.Provider;
  /** The release, one of PIPELINES_VERSIONS. @default PIPELINES_VERSIONS[0] (the newest) */
  version?: string;
  /** "local" applies the documented kwok differences (components/local-profile.ts). @default "cloud" */
  profile?: Profile;
  /** Local profile: port of the local tekton-pipelines-webhook process (local/processes.ts). @default {} */
  localWebhookPorts?: LocalWebhookPorts;
  /** Merged into ConfigMap feature-flags; booleans become "true"/"false". @default {} */
  featureFlags?: Record<string, string | boolean>;
  /** Merged into ConfigMap config-defaults, e.g. default-timeout-minutes. @default {} */
  defaults?: Record<string, string>;
  /** Controller flag -threads-per-controller. @default 2 */
  controllerThreadsPerController?: number;
  /** Controller flag -kube-api-qps. @default 50 */
  controllerKubeApiQps?: number;
  /** Controller flag -kube-api-burst. @default 50 */
  controllerKubeApiBurst?: number;
  /** Mirror/cache dir of the pinned manifests. @default defaultMirrorDir() */
  manifestsDir?: string;
}

/** Resolved, validated settings. */
export interface PipelinesSettings {
  version: string;
  profile: Profile;
  localWebhookPorts: LocalWebhookPorts;
  featureFlags: Record<string, string>;
  defaults: Record<string, string>;
  threadsPerController: number;
  kubeApiQps: number;
  kubeApiBurst: number;
}

/** Applies defaults and validates (throws naming the component). */
export function pipelinesSettings(args: Omit<PipelinesArgs, "provider">): PipelinesSettings {
  const s: PipelinesSettings = {
    version: args.version ?? PIPELINES_VERSIONS[0],
    profile: args.profile ?? "cloud",
    localWebhookPorts: args.localWebhookPorts ?? {},
    featureFlags: configMapEntries(PIPELINES_TYPE, "featureFlags", args.featureFlags ?? {}),
    defaults: configMapEntries(PIPELINES_TYPE, "defaults", args.defaults ?? {}),
    threadsPerController: args.controllerThreadsPerController ?? 2,
    kubeApiQps: args.controllerKubeApiQps ?? 50,
    kubeApiBurst: args.controllerKubeApiBurst ?? 50,
  };
  const bad: string[] = [];
  if (!PIPELINES_VERSIONS.includes(s.version))
    bad.push(
      `version = ${JSON.stringify(s.version)}: one the manifest lock pins (${PIPELINES_VERSIONS.join(", ")})`,
    );
  if (!Number.isInteger(s.threadsPerController) || s.threadsPerController < 1 || s.threadsPerController > 128)
    bad.push(`controllerThreadsPerController = ${s.threadsPerController}: an integer from 1 to 128`);
  if (!(s.kubeApiQps >= 1 && s.kubeApiQps <= 1000))
    bad.push(`controllerKubeApiQps = ${s.kubeApiQps}: a number from 1 to 1000`);
  if (!Number.isInteger(s.kubeApiBurst) || s.kubeApiBurst < 1 || s.kubeApiBurst > 2000)
    bad.push(`controllerKubeApiBurst = ${s.kubeApiBurst}: an integer from 1 to 2000`);
  if (bad.length > 0) throw new Error(`${PIPELINES_TYPE}: ${bad.join("; ")}`);
  return s;
}

/** The objects handed to the ConfigGroup: upstream release.yaml with our settings applied. */
export function renderPipelines(upstream: K8sObject[], s: PipelinesSettings): K8sObject[] {
  let objs = normalizeNamespaces(upstream);
  if (Object.keys(s.featureFlags).length > 0)
    objs = editObject(objs, "ConfigMap", "feature-flags", PIPELINES_TYPE, (o) =>
      mergeConfigMapData(o, s.featureFlags),
    );
  if (Object.keys(s.defaults).length > 0)
    objs = editObject(objs, "ConfigMap", "config-defaults", PIPELINES_TYPE, (o) =>
      mergeConfigMapData(o, s.defaults),
    );
  objs = editObject(objs, "Deployment", CONTROLLER, PIPELINES_TYPE, (o) =>
    editContainer(o, CONTROLLER, PIPELINES_TYPE, (c) => {
      let args = (c.args as string[] | undefined) ?? [];
      args = setFlag(args, "threads-per-controller", String(s.threadsPerController));
      args = setFlag(args, "kube-api-qps", String(s.kubeApiQps));
      args = setFlag(args, "kube-api-burst", String(s.kubeApiBurst));
      return { ...c, args };
    }),
  );
  return applyProfile(objs, s.profile, s.localWebhookPorts);
}

/** Tekton Pipelines (the pinned release: `version`) and its remote resolvers. */
export class Pipelines extends pulumi.ComponentResource {
  /** Namespace of the controller, webhook and (later) Triggers and Results. */
  readonly namespace: string = PIPELINES_NAMESPACE;
  readonly resolversNamespace: string = RESOLVERS_NAMESPACE;
  /** The release; depend on it (or on this component) for "after Pipelines". */
  readonly release: k8s.yaml.v2.ConfigGroup;

  constructor(name: string, args: PipelinesArgs, opts?: pulumi.ComponentResourceOptions) {
    super(PIPELINES_TYPE, name, {}, opts);
    let objs: K8sObject[];
    try {
      const settings = pipelinesSettings(args);
      objs = renderPipelines(
        loadManifest("tekton-pipeline", "release.yaml", {
          mirrorDir: args.manifestsDir,
          version: settings.version,
        }),
        settings,
      );
    } catch (e) {
      throw new pulumi.ResourceError((e as Error).message, this);
    }
    this.release = new k8s.yaml.v2.ConfigGroup(
      `${name}-release`,
      { yaml: configGroupYaml(objs) },
      { parent: this, provider: args.provider },
    );
    this.registerOutputs({ namespace: this.namespace, resolversNamespace: this.resolversNamespace });
  }
}
