// The local profile (RegionConfig.profile === "local"): the only ways the platform's upstream objects differ
// on a kwok cluster, where pods are simulated (they become Ready but never serve a port). One pure function
// per difference; the cloud profile applies none of them.
//
//   1. webhookFailurePolicyIgnore — static Validating/MutatingWebhookConfigurations get failurePolicy Ignore.
//      Found in the releases: pipeline (validation.webhook.pipeline.tekton.dev, webhook.pipeline.tekton.dev,
//      config.webhook.pipeline.tekton.dev), triggers (validation.webhook.triggers.tekton.dev,
//      webhook.triggers.tekton.dev, config.webhook.triggers.tekton.dev), pipelines-as-code
//      (validation.pipelinesascode.tekton.dev). As shipped they have no `rules` (knative's webhook fills rules
//      and caBundle at run time and keeps failurePolicy), so they match nothing until a webhook process
//      registers itself; from then on `Fail` would reject every Tekton create whose webhook Service is backed
//      by a simulated pod. Argo CD, Results and Chains ship none.
//   2. crdConversionNone — CRDs with a conversion webhook use strategy None: the webhook Service has no real
//      backend, so any read or write of a non-storage version would fail. Found in pipeline's release only:
//      pipelines, pipelineruns, tasks, taskruns (tekton.dev, v1beta1 ↔ v1), stepactions.tekton.dev and
//      resolutionrequests.resolution.tekton.dev (v1alpha1 ↔ v1beta1). Locally clients use storage versions.
//   3. ingressSkipAwait — Ingresses get `pulumi.com/skipAwait: "true"`: kwok has no ingress controller to set
//      status.loadBalancer, so the provider would wait until its timeout. Deployments keep their awaits.
// Volumes need no difference: local/env.sh gives each kwok cluster a default StorageClass backed by static
// PersistentVolumes, so claims bind as they would on a cloud.
import type { K8sObject } from "./manifests";

export type Profile = "cloud" | "local";

const WEBHOOK_KINDS = new Set(["ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"]);

/** Difference 1: static admission webhooks fail open. */
export function webhookFailurePolicyIgnore(objs: K8sObject[]): K8sObject[] {
  return objs.map((o) => {
    if (!WEBHOOK_KINDS.has(o.kind)) return o;
    const webhooks = (o.webhooks as Record<string, unknown>[] | undefined) ?? [];
    return { ...o, webhooks: webhooks.map((w) => ({ ...w, failurePolicy: "Ignore" })) };
  });
}

/** Difference 2: no conversion webhook on CRDs. */
export function crdConversionNone(objs: K8sObject[]): K8sObject[] {
  return objs.map((o) => {
    const spec = o.spec as { conversion?: { strategy?: string } } | undefined;
    if (o.kind !== "CustomResourceDefinition" || spec?.conversion?.strategy !== "Webhook") return o;
    return { ...o, spec: { ...spec, conversion: { strategy: "None" } } };
  });
}

export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";

/** Difference 3: don't wait for an ingress controller that doesn't exist. */
export function ingressSkipAwait(objs: K8sObject[]): K8sObject[] {
  return objs.map((o) => {
    if (o.kind !== "Ingress") return o;
    return {
      ...o,
      metadata: {
        ...o.metadata,
        annotations: { ...o.metadata.annotations, [SKIP_AWAIT_ANNOTATION]: "true" },
      },
    };
  });
}

/** Differences 1-3, in order: what every release passes through under the local profile. */
export const LOCAL_OBJECT_DIFFERENCES = [
  webhookFailurePolicyIgnore,
  crdConversionNone,
  ingressSkipAwait,
] as const;

/** Applies the local differences when `profile` is "local"; returns `objs` unchanged otherwise. */
export function applyProfile(objs: K8sObject[], profile: Profile): K8sObject[] {
  if (profile !== "local") return objs;
  return LOCAL_OBJECT_DIFFERENCES.reduce((acc, f) => f(acc), objs);
}
