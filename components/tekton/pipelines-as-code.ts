// Pipelines as Code from release.k8s.yaml (the Kubernetes flavour), after Pipelines. With a GitHub App,
// Secret pipelines-as-code-secret holds its credentials and the webhook secret, all Pulumi secrets from
// stack config; without one, PaC serves repositories that bring their own webhook token. An optional
// Ingress exposes the controller's webhook endpoint over TLS (the Secret `tlsSecretName`, made by
// cert-manager or the operator). No ingress controller is installed by the stack: without an
// `ingressClassName` the Ingress is applied but not awaited (a first `up` completes on a bare EKS/AKS
// cluster), and it serves once a default IngressClass exists (docs/cloud-first-deploy.md).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { applyProfile, type Profile, SKIP_AWAIT_ANNOTATION } from "../local-profile";
import { rollOnChange } from "../shared/rollout";
import {
  type K8sObject,
  loadManifest,
  normalizeNamespaces,
  splitNamespaces,
  withPodSecurity,
  configGroupYaml,
} from "../manifests";

export const PAC_TYPE = "pipeline-service:tekton:PipelinesAsCode";
export const PAC_NAMESPACE = "pipelines-as-code";
export const PAC_SECRET = "pipelines-as-code-secret";
export const PAC_CONTROLLER_SERVICE = "pipelines-as-code-controller";
export const PAC_CONTROLLER_PORT = 8080;
/** The workloads that use the GitHub App: they roll when pipelines-as-code-secret changes. */
export const PAC_APP_WORKLOADS = ["pipelines-as-code-controller", "pipelines-as-code-watcher"] as const;

export interface PipelinesAsCodeArgs {
  /** The region cluster's provider (server-side apply on). */
  provider: k8s.Provider;
  /** Must exist first: the Pipelines component (PaC creates PipelineRuns). */
  pipelines: pulumi.Resource;
  /** The GitHub App (stack config secrets githubAppId, githubPrivateKey, githubWebhookSecret). @default none */
  githubApp?: GitHubApp;
  /** Host for an Ingress to the controller. @default none (no Ingress) */
  ingressHost?: string;
  /** IngressClass of an installed controller; the Ingress is awaited only when set. @default the cluster's default */
  ingressClassName?: string;
  /** TLS Secret (namespace pipelines-as-code) for ingressHost. @default "pipelines-as-code-tls" */
  tlsSecretName?: string;
  /** @default "cloud" */
  profile?: Profile;
  /** @default defaultMirrorDir() */
  manifestsDir?: string;
}

export interface GitHubApp {
  /** GitHub App id. */
  appId: pulumi.Input<string>;
  /** GitHub App private key, PEM. */
  privateKey: pulumi.Input<string>;
  /** Shared webhook secret of the GitHub App. */
  webhookSecret: pulumi.Input<string>;
}

export const PAC_TLS_SECRET = "pipelines-as-code-tls";

/**
 * Our Ingress to the controller's Service, TLS on `host` (plain object, so the local profile sees it too).
 * Awaited only with an explicit ingressClassName: the await needs a controller to publish an address.
 */
export function pacIngress(
  host: string,
  ingressClassName?: string,
  tlsSecretName = PAC_TLS_SECRET,
): K8sObject {
  const dns = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
  const bad: string[] = [];
  if (!dns.test(host)) bad.push(`ingressHost ${JSON.stringify(host)}: a DNS name`);
  if (ingressClassName !== undefined && !dns.test(ingressClassName))
    bad.push(`ingressClassName ${JSON.stringify(ingressClassName)}: an IngressClass name`);
  if (!dns.test(tlsSecretName)) bad.push(`tlsSecretName ${JSON.stringify(tlsSecretName)}: a Secret name`);
  if (bad.length > 0) throw new Error(`${PAC_TYPE}: ${bad.join("; ")}`);
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: {
      name: PAC_CONTROLLER_SERVICE,
      namespace: PAC_NAMESPACE,
      labels: { "app.kubernetes.io/part-of": "pipelines-as-code" },
      ...(ingressClassName ? {} : { annotations: { [SKIP_AWAIT_ANNOTATION]: "true" } }),
    },
    spec: {
      ...(ingressClassName ? { ingressClassName } : {}),
      tls: [{ hosts: [host], secretName: tlsSecretName }],
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: PAC_CONTROLLER_SERVICE, port: { number: PAC_CONTROLLER_PORT } } },
              },
            ],
          },
        },
      ],
    },
  };
}

/** The release split into its namespace and the rest, with our Ingress when a host is set. */
export function renderPipelinesAsCode(
  upstream: K8sObject[],
  opts: { ingressHost?: string; ingressClassName?: string; tlsSecretName?: string; profile: Profile },
): { namespaces: K8sObject[]; rest: K8sObject[] } {
  const objs = normalizeNamespaces(upstream);
  const ingress = opts.ingressHost
    ? [pacIngress(opts.ingressHost, opts.ingressClassName, opts.tlsSecretName)]
    : [];
  return splitNamespaces(withPodSecurity(applyProfile([...objs, ...ingress], opts.profile), "baseline"));
}

/** Pipelines as Code v0.50.0. */
export class PipelinesAsCode extends pulumi.ComponentResource {
  readonly namespace: string = PAC_NAMESPACE;
  /** In-cluster URL of the controller (the GitHub webhook target behind the Ingress). */
  readonly controllerUrl: string = `http://${PAC_CONTROLLER_SERVICE}.${PAC_NAMESPACE}.svc.cluster.local:${PAC_CONTROLLER_PORT}`;
  /** Public webhook URL when an Ingress host is set. */
  readonly webhookUrl?: string;
  readonly release: k8s.yaml.v2.ConfigGroup;

  constructor(name: string, args: PipelinesAsCodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super(PAC_TYPE, name, {}, opts);
    let objs: { namespaces: K8sObject[]; rest: K8sObject[] };
    try {
      objs = renderPipelinesAsCode(
        loadManifest("pipelines-as-code", "release.k8s.yaml", { mirrorDir: args.manifestsDir }),
        {
          ingressHost: args.ingressHost,
          ingressClassName: args.ingressClassName,
          tlsSecretName: args.tlsSecretName,
          profile: args.profile ?? "cloud",
        },
      );
    } catch (e) {
      throw new pulumi.ResourceError((e as Error).message, this);
    }
    this.webhookUrl = args.ingressHost ? `https://${args.ingressHost}` : undefined;
    const namespace = new k8s.yaml.v2.ConfigGroup(
      `${name}-namespace`,
      { yaml: configGroupYaml(objs.namespaces) },
      { parent: this, provider: args.provider, dependsOn: [args.pipelines] },
    );
    const app = args.githubApp;
    const secret = app
      ? new k8s.core.v1.Secret(
          `${name}-secret`,
          {
            metadata: {
              name: PAC_SECRET,
              namespace: PAC_NAMESPACE,
              labels: { "app.kubernetes.io/part-of": "pipelines-as-code" },
            },
            stringData: {
              "github-application-id": pulumi.secret(app.appId),
              "github-private-key": pulumi.secret(app.privateKey),
              "webhook.secret": pulumi.secret(app.webhookSecret),
            },
          },
          { parent: this, provider: args.provider, dependsOn: [namespace] },
        )
      : undefined;
    this.release = new k8s.yaml.v2.ConfigGroup(
      `${name}-release`,
      { yaml: configGroupYaml(objs.rest) },
      {
        parent: this,
        provider: args.provider,
        dependsOn: [args.pipelines, namespace, ...(secret ? [secret] : [])],
      },
    );
    // A roll makes every replica use the new App key and webhook secret, whatever it cached.
    if (app) {
      for (const workload of PAC_APP_WORKLOADS) {
        rollOnChange(
          `${name}-${workload.replace(/^pipelines-as-code-/, "")}-rollout`,
          {
            provider: args.provider,
            kind: "Deployment",
            namespace: PAC_NAMESPACE,
            workload,
            contents: {
              [PAC_SECRET]: {
                "github-application-id": pulumi.secret(app.appId),
                "github-private-key": pulumi.secret(app.privateKey),
                "webhook.secret": pulumi.secret(app.webhookSecret),
              },
            },
            dependsOn: [this.release],
          },
          this,
        );
      }
    }
    this.registerOutputs({
      namespace: this.namespace,
      controllerUrl: this.controllerUrl,
      webhookUrl: this.webhookUrl,
    });
  }
}
