// The local profile (RegionConfig.profile === "local"): the only ways the platform's upstream objects differ
// on a kwok cluster. Pods there are simulated, but the Tekton controllers and webhooks run for real as local
// processes on 127.0.0.1 (local/processes.ts), so admission and conversion go through the real webhooks with
// upstream's failurePolicy. One pure function per difference; the cloud profile applies none of them.
//
//   1. webhookServicesLocal — the webhook Services of the processes that run locally (Tekton Pipelines'
//      tekton-pipelines-webhook, Triggers' tekton-triggers-webhook) become `type: ExternalName` to localhost,
//      and every admission webhook and CRD conversion webhook that calls them gets the local process's port.
//      The API server resolves an ExternalName Service to `https://<externalName>:<port>` and still verifies
//      the certificate for `<service>.<namespace>.svc`, which the webhook's own certificate names. Without a
//      kube-proxy a ClusterIP Service would lead nowhere.
//   2. ingressSkipAwait — Ingresses get `pulumi.com/skipAwait: "true"`: kwok has no ingress controller to set
//      status.loadBalancer, so the provider would wait until its timeout. Deployments keep their awaits.
// Volumes need no difference: local/env.sh gives each kwok cluster a default StorageClass backed by static
// PersistentVolumes, so claims bind as they would on a cloud.
import { ADMISSION_WEBHOOK_KINDS, type K8sObject, webhooksAfterBackends } from "./manifests";

export type Profile = "cloud" | "local";

/** Where a local region's webhook processes listen: webhook Service name → port on 127.0.0.1. */
export type LocalWebhookPorts = Record<string, number>;

interface ServiceRef {
  name?: string;
  namespace?: string;
  port?: number;
}

/** Difference 1: webhook Services point at the local processes. */
export function webhookServicesLocal(objs: K8sObject[], ports: LocalWebhookPorts = {}): K8sObject[] {
  const withPort = (svc: ServiceRef | undefined): ServiceRef | undefined =>
    svc?.name !== undefined && ports[svc.name] !== undefined ? { ...svc, port: ports[svc.name] } : svc;
  return objs.map((o) => {
    if (o.kind === "Service" && ports[o.metadata.name] !== undefined) {
      const spec = (o.spec ?? {}) as Record<string, unknown>;
      return { ...o, spec: { type: "ExternalName", externalName: "localhost", ports: spec.ports } };
    }
    if (ADMISSION_WEBHOOK_KINDS.has(o.kind)) {
      const webhooks = (o.webhooks as { clientConfig?: { service?: ServiceRef } }[] | undefined) ?? [];
      return {
        ...o,
        webhooks: webhooks.map((w) => ({
          ...w,
          clientConfig: { ...w.clientConfig, service: withPort(w.clientConfig?.service) },
        })),
      };
    }
    const spec = o.spec as
      | { conversion?: { strategy?: string; webhook?: { clientConfig?: { service?: ServiceRef } } } }
      | undefined;
    if (o.kind === "CustomResourceDefinition" && spec?.conversion?.strategy === "Webhook") {
      const webhook = spec.conversion.webhook ?? {};
      return {
        ...o,
        spec: {
          ...spec,
          conversion: {
            ...spec.conversion,
            webhook: {
              ...webhook,
              clientConfig: { ...webhook.clientConfig, service: withPort(webhook.clientConfig?.service) },
            },
          },
        },
      };
    }
    return o;
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

/** Differences 1-2, in order: what every release passes through under the local profile. */
export const LOCAL_OBJECT_DIFFERENCES = [webhookServicesLocal, ingressSkipAwait] as const;

/**
 * The last step of every release render: webhook configurations ordered after their backends (both
 * profiles; manifests.ts webhooksAfterBackends), then the local differences when `profile` is "local".
 * `webhookPorts` names the webhook Services whose processes run locally (local/processes.ts).
 */
export function applyProfile(
  objs: K8sObject[],
  profile: Profile,
  webhookPorts: LocalWebhookPorts = {},
): K8sObject[] {
  const ordered = webhooksAfterBackends(objs);
  if (profile !== "local") return ordered;
  return ingressSkipAwait(webhookServicesLocal(ordered, webhookPorts));
}
