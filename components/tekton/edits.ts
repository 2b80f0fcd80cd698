// Pure edits shared by the Tekton components: ConfigMap entries and controller flags.
import type { K8sObject } from "../manifests";

/** A ConfigMap data key (Kubernetes: [-._a-zA-Z0-9]+). */
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

/** Validates and stringifies entries for a ConfigMap's data (booleans become "true"/"false"). */
export function configMapEntries(
  owner: string,
  what: string,
  entries: Record<string, string | boolean>,
): Record<string, string> {
  const out: Record<string, string> = {};
  const bad: string[] = [];
  for (const [k, v] of Object.entries(entries)) {
    if (!CONFIG_KEY.test(k)) bad.push(`${JSON.stringify(k)} is not a ConfigMap key`);
    else if (typeof v !== "string" && typeof v !== "boolean") bad.push(`${k}: a string or boolean value`);
    else out[k] = String(v);
  }
  if (bad.length > 0) throw new Error(`${owner}: invalid ${what}: ${bad.join("; ")}`);
  return out;
}

/** Returns a copy of a ConfigMap with `entries` merged over its data. */
export function mergeConfigMapData(o: K8sObject, entries: Record<string, string>): K8sObject {
  const data = (o.data as Record<string, string> | undefined) ?? {};
  return { ...o, data: { ...data, ...entries } };
}

/**
 * Sets a Go flag in a container's args: replaces `-flag value`, `--flag value`, `-flag=value` or
 * `--flag=value`, else appends `-flag value`.
 */
export function setFlag(args: string[], flag: string, value: string): string[] {
  const name = flag.replace(/^-+/, "");
  const out = [...args];
  for (let i = 0; i < out.length; i++) {
    const a = out[i];
    if (a === `-${name}` || a === `--${name}`) {
      out[i + 1] = value;
      return out;
    }
    if (a.startsWith(`-${name}=`) || a.startsWith(`--${name}=`)) {
      out[i] = `${a.slice(0, a.indexOf("="))}=${value}`;
      return out;
    }
  }
  return [...out, `-${name}`, value];
}

/** Returns a copy of a Deployment with `edit` applied to its container `container`. */
export function editContainer(
  o: K8sObject,
  container: string,
  owner: string,
  edit: (c: Record<string, unknown>) => Record<string, unknown>,
): K8sObject {
  const copy = structuredClone(o);
  const spec = copy.spec as { template: { spec: { containers: Record<string, unknown>[] } } };
  const i = spec.template.spec.containers.findIndex((c) => c.name === container);
  if (i < 0) throw new Error(`${owner}: ${o.kind} ${o.metadata.name} has no container ${container}`);
  spec.template.spec.containers[i] = edit(spec.template.spec.containers[i]);
  return copy;
}
