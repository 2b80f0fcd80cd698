// Object-list diffs for rendering tests: which objects (by group/kind/namespace/name) differ between renders.
import { type K8sObject, objectKey, parseConfigGroupYaml } from "../../components/manifests";

/** Keys of objects added, removed or changed between two renders, sorted. */
export function changedObjects(a: K8sObject[], b: K8sObject[]): string[] {
  const index = (objs: K8sObject[]) => new Map(objs.map((o) => [objectKey(o), JSON.stringify(o)]));
  const ia = index(a);
  const ib = index(b);
  const keys = new Set([...ia.keys(), ...ib.keys()]);
  return [...keys].filter((k) => ia.get(k) !== ib.get(k)).sort();
}

export function byKind(objs: K8sObject[], kind: string): K8sObject[] {
  return objs.filter((o) => o.kind === kind);
}

/** The objects a ConfigGroup registration will create: its `yaml` (JSON documents, configGroupYaml) or `objs`. */
export function configGroupObjects(inputs: Record<string, unknown> | undefined): K8sObject[] {
  if (typeof inputs?.yaml === "string") return parseConfigGroupYaml(inputs.yaml);
  return (inputs?.objs ?? []) as K8sObject[];
}
