// The Kubernetes objects a deployed stack applied, taken from `pulumi stack export --show-secrets`: each
// custom resource's inputs (names filled from its outputs), grouped by the provider (kubeconfig) that
// applied them, in state (dependency) order. The kubectl baselines apply and diff exactly these objects.
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export interface ProviderGroup {
  /** The provider resource's URN. */
  urn: string;
  /** Its kubeconfig (plaintext: the export was taken with --show-secrets). */
  kubeconfig: string;
  objects: K8sObject[];
  /**
   * Its Patch resources (e.g. the rollout checksum DeploymentPatches): partial objects that Pulumi applies
   * under field managers of their own; applied with the objects' manager they would drop the objects' fields.
   */
  patches: K8sObject[];
}

interface StateResource {
  urn: string;
  type: string;
  custom?: boolean;
  id?: string;
  provider?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/** Replaces Pulumi's secret envelopes (decrypted by --show-secrets) with their values. */
export function unwrapSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270" && "plaintext" in o) {
      return unwrapSecrets(JSON.parse(o.plaintext as string));
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x)]));
  }
  return v;
}

/** Kubernetes objects of an export, grouped by provider, in state order. */
export function objectsByProvider(exported: unknown): ProviderGroup[] {
  const resources = (exported as { deployment: { resources?: StateResource[] } }).deployment.resources ?? [];
  const providers = new Map<string, string>();
  for (const r of resources) {
    if (r.type === "pulumi:providers:kubernetes") {
      const kubeconfig = unwrapSecrets(r.inputs?.kubeconfig);
      providers.set(
        `${r.urn}::${r.id}`,
        typeof kubeconfig === "string" ? kubeconfig : JSON.stringify(kubeconfig),
      );
    }
  }
  const groups = new Map<string, ProviderGroup>();
  for (const r of resources) {
    if (!r.custom || !r.type.startsWith("kubernetes:") || !r.provider) continue;
    const kubeconfig = providers.get(r.provider);
    if (kubeconfig === undefined) continue;
    const inputs = unwrapSecrets(r.inputs ?? {}) as Record<string, unknown>;
    const outputs = unwrapSecrets(r.outputs ?? {}) as { metadata?: { name?: string; namespace?: string } };
    delete inputs.__inputs;
    if (typeof inputs.apiVersion !== "string" || typeof inputs.kind !== "string") continue;
    const metadata = { ...(inputs.metadata as Record<string, unknown> | undefined) };
    metadata.name ??= outputs.metadata?.name;
    if (outputs.metadata?.namespace) metadata.namespace ??= outputs.metadata.namespace;
    const obj = { ...inputs, metadata } as K8sObject;
    let g = groups.get(r.provider);
    if (!g)
      groups.set(
        r.provider,
        (g = { urn: r.provider.split("::").slice(0, -1).join("::"), kubeconfig, objects: [], patches: [] }),
      );
    (r.type.endsWith("Patch") ? g.patches : g.objects).push(obj);
  }
  return [...groups.values()];
}

/** Objects that must exist before the rest of their group can be applied (definitions and namespaces). */
export function isDefinition(o: K8sObject): boolean {
  return ["CustomResourceDefinition", "Namespace", "APIResourceSchema"].includes(o.kind);
}

/** The workloads whose rollout `pulumi up` waits for (kubectl rollout status does the same). */
export function rolloutTargets(objects: K8sObject[]): string[] {
  return objects
    .filter((o) => ["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind))
    .map(
      (o) =>
        `${o.kind.toLowerCase()}/${o.metadata.name}${o.metadata.namespace ? `@${o.metadata.namespace}` : ""}`,
    );
}
