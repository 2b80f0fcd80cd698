// Tekton Chains from release.yaml. The release ships an empty Secret signing-secrets; it is dropped from the
// objects (two owners of one Secret fight, and provider >= 4.29 fails on AlreadyExists) and ours carries
// x509.pem from a tls.PrivateKey (PKCS#8: Chains reads no other form). The controller mounts that Secret,
// so it must exist before the Deployment: namespace → signing secret → release.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { applyProfile, type Profile } from "../local-profile";
import {
  dropObject,
  editObject,
  type K8sObject,
  loadManifest,
  normalizeNamespaces,
  splitNamespaces,
  withPodSecurity,
  configGroupYaml,
} from "../manifests";
import { ECDSA_P256 } from "../shared/pki";
import { rollOnChange } from "../shared/rollout";
import { configMapEntries, mergeConfigMapData } from "./edits";

export const CHAINS_TYPE = "pipeline-service:tekton:Chains";
export const CHAINS_NAMESPACE = "tekton-chains";
export const CHAINS_SIGNING_SECRET = "signing-secrets";
/** The controller mounts signing-secrets and rolls when the key changes. */
export const CHAINS_CONTROLLER = "tekton-chains-controller";

export type ChainsFormat = "in-toto" | "slsa/v1" | "slsa/v2alpha3" | "slsa/v2alpha4";
export type ChainsStorage = "tekton" | "oci" | "tekton,oci";
const FORMATS: ChainsFormat[] = ["in-toto", "slsa/v1", "slsa/v2alpha3", "slsa/v2alpha4"];
const STORAGES: ChainsStorage[] = ["tekton", "oci", "tekton,oci"];

export interface ChainsArgs {
  /** The region cluster's provider (server-side apply on). */
  provider: k8s.Provider;
  /** Must exist first: the Pipelines component (Chains watches TaskRuns and PipelineRuns). */
  pipelines: pulumi.Resource;
  /** artifacts.taskrun.format. @default "in-toto" */
  taskrunFormat?: ChainsFormat;
  /** Where TaskRun and PipelineRun attestations go; OCI signing is on only with "oci". @default "tekton" */
  storage?: ChainsStorage;
  /** Further chains-config entries, applied last. @default {} */
  extraConfig?: Record<string, string>;
  /** @default "cloud" */
  profile?: Profile;
  /** @default defaultMirrorDir() */
  manifestsDir?: string;
}

/** The chains-config entries for our settings (the x509 signer reads signing-secrets/x509.pem). */
export function chainsConfig(
  args: Pick<ChainsArgs, "taskrunFormat" | "storage" | "extraConfig">,
): Record<string, string> {
  const format = args.taskrunFormat ?? "in-toto";
  const storage = args.storage ?? "tekton";
  const bad: string[] = [];
  if (!FORMATS.includes(format)) bad.push(`taskrunFormat = ${format}: one of ${FORMATS.join(", ")}`);
  if (!STORAGES.includes(storage)) bad.push(`storage = ${storage}: one of ${STORAGES.join(", ")}`);
  if (bad.length > 0) throw new Error(`${CHAINS_TYPE}: ${bad.join("; ")}`);
  return {
    "artifacts.taskrun.format": format,
    "artifacts.taskrun.storage": storage,
    "artifacts.taskrun.signer": "x509",
    "artifacts.pipelinerun.storage": storage,
    "artifacts.pipelinerun.signer": "x509",
    // An empty storage turns OCI image signing off (it needs registry credentials).
    "artifacts.oci.storage": storage.includes("oci") ? "oci" : "",
    "artifacts.oci.signer": "x509",
    ...configMapEntries(CHAINS_TYPE, "extraConfig", args.extraConfig ?? {}),
  };
}

/** The release split into its namespace and the rest; signing-secrets dropped, chains-config set. */
export function renderChains(
  upstream: K8sObject[],
  config: Record<string, string>,
  profile: Profile,
): { namespaces: K8sObject[]; rest: K8sObject[] } {
  let objs = dropObject(normalizeNamespaces(upstream), "Secret", CHAINS_SIGNING_SECRET, CHAINS_TYPE);
  objs = editObject(objs, "ConfigMap", "chains-config", CHAINS_TYPE, (o) => mergeConfigMapData(o, config));
  return splitNamespaces(withPodSecurity(applyProfile(objs, profile), "baseline"));
}

/** Tekton Chains v0.28.1 (the release whose Go module builds here) with an x509 signing key. */
export class Chains extends pulumi.ComponentResource {
  readonly namespace: string = CHAINS_NAMESPACE;
  /** Public half of the signing key (SPKI PEM), for verifying attestations. */
  readonly signingPublicKeyPem: pulumi.Output<string>;
  readonly release: k8s.yaml.v2.ConfigGroup;

  constructor(name: string, args: ChainsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(CHAINS_TYPE, name, {}, opts);
    let objs: { namespaces: K8sObject[]; rest: K8sObject[] };
    try {
      objs = renderChains(
        loadManifest("tekton-chains", "release.yaml", { mirrorDir: args.manifestsDir }),
        chainsConfig(args),
        args.profile ?? "cloud",
      );
    } catch (e) {
      throw new pulumi.ResourceError((e as Error).message, this);
    }
    const namespace = new k8s.yaml.v2.ConfigGroup(
      `${name}-namespace`,
      { yaml: configGroupYaml(objs.namespaces) },
      { parent: this, provider: args.provider, dependsOn: [args.pipelines] },
    );
    const key = new tls.PrivateKey(`${name}-signing-key`, ECDSA_P256, { parent: this });
    this.signingPublicKeyPem = key.publicKeyPem;
    const signing = new k8s.core.v1.Secret(
      `${name}-signing-secrets`,
      {
        metadata: {
          name: CHAINS_SIGNING_SECRET,
          namespace: CHAINS_NAMESPACE,
          labels: { "app.kubernetes.io/instance": "default", "app.kubernetes.io/part-of": "tekton-chains" },
        },
        stringData: { "x509.pem": key.privateKeyPemPkcs8 },
      },
      { parent: this, provider: args.provider, dependsOn: [namespace] },
    );
    this.release = new k8s.yaml.v2.ConfigGroup(
      `${name}-release`,
      { yaml: configGroupYaml(objs.rest) },
      { parent: this, provider: args.provider, dependsOn: [args.pipelines, namespace, signing] },
    );
    rollOnChange(
      `${name}-controller-rollout`,
      {
        provider: args.provider,
        kind: "Deployment",
        namespace: CHAINS_NAMESPACE,
        workload: CHAINS_CONTROLLER,
        contents: { [CHAINS_SIGNING_SECRET]: { "x509.pem": key.privateKeyPemPkcs8 } },
        dependsOn: [this.release],
      },
      this,
    );
    this.registerOutputs({ namespace: this.namespace, signingPublicKeyPem: this.signingPublicKeyPem });
  }
}
