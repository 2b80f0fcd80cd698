// Tekton Results from release_base.yaml (no bundled PostgreSQL: the region's database is used). Created
// around the upstream objects: the DB Secret, the TLS Secret, the S3 key Secret and the API config ConfigMap
// (rendered from upstream's own `config` text, since it carries database outputs that may be unknown in a
// preview). Order: Pipelines (namespace) → secrets + config → database ready → the release.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { applyProfile, type Profile } from "../local-profile";
import {
  dropObject,
  editObject,
  findObject,
  type K8sObject,
  loadManifest,
  normalizeNamespaces,
  configGroupYaml,
} from "../manifests";
import { ECDSA_P256, earlyRenewalHours, issueLeafCert, leafUses } from "../shared/pki";
import { rollOnChange } from "../shared/rollout";
import { PIPELINES_NAMESPACE } from "./pipelines";
import { editContainer, mergeConfigMapData } from "./edits";

export const RESULTS_TYPE = "pipeline-service:tekton:Results";
export const RESULTS_API_SERVICE = "tekton-results-api-service";
export const RESULTS_API_PORT = 8080;
export const RESULTS_API_HOST = `${RESULTS_API_SERVICE}.${PIPELINES_NAMESPACE}.svc.cluster.local`;
export const RESULTS_DB_SECRET = "tekton-results-postgres";
export const RESULTS_TLS_SECRET = "tekton-results-tls";
export const RESULTS_S3_SECRET = "tekton-results-s3";
export const RESULTS_API_CONFIG = "tekton-results-api-config";
export const RESULTS_RETENTION_CONFIG = "tekton-results-config-results-retention-policy";
export const RESULTS_LOGS_PATH = "/logs";
const API = "tekton-results-api";

/**
 * The release's workloads and what each reads at start from the Secrets and ConfigMap this component
 * manages (env from Secrets, the TLS pair and the api config as files loaded once): each rolls when its
 * content changes. Watched objects (the retention policy ConfigMap) need no roll.
 */
export const RESULTS_WORKLOAD_INPUTS = {
  [API]: ["db", "tls", "s3", "config"],
  "tekton-results-retention-policy-agent": ["db", "tls", "config"],
  "tekton-results-watcher": ["tls"],
} as const;

export type DbSslMode = "disable" | "allow" | "prefer" | "require" | "verify-ca" | "verify-full";
const SSL_MODES: DbSslMode[] = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];

/** Log storage: S3 takes static keys only; a PersistentVolumeClaim is mounted at /logs (LOGS_TYPE=File). */
export type ResultsLogs =
  | {
      kind: "s3";
      bucket: pulumi.Input<string>;
      region: pulumi.Input<string>;
      /** @default "" (AWS) */
      endpoint?: pulumi.Input<string>;
      accessKeyId: pulumi.Input<string>;
      secretAccessKey: pulumi.Input<string>;
    }
  | { kind: "pvc"; claimName: string };

export interface ResultsArgs {
  /** The region cluster's provider (server-side apply on). */
  provider: k8s.Provider;
  /** Must exist first: the Pipelines component (namespace tekton-pipelines, CRDs the watcher reads). */
  pipelines: pulumi.Resource;
  /** The database resources Results waits for: the database must exist (the schema migrates on start). */
  database: pulumi.Resource[];
  dbHost: pulumi.Input<string>;
  /** @default 5432 */
  dbPort?: pulumi.Input<number>;
  /** @default "tekton-results" */
  dbName?: pulumi.Input<string>;
  dbUser: pulumi.Input<string>;
  /** Made a Pulumi secret here whatever the caller passes. */
  dbPassword: pulumi.Input<string>;
  /** @default "require" */
  dbSslMode?: DbSslMode;
  logs: ResultsLogs;
  /** Days a result is kept (retention policy agent). @default 30 */
  retentionDays?: number;
  /** Cron schedule of the retention policy agent. @default upstream's "5 5 * * 0" */
  retentionRunAt?: string;
  /** CA that signs the API's certificate. @default none: a self-signed certificate */
  tlsCa?: { certPem: pulumi.Input<string>; privateKeyPem: pulumi.Input<string> };
  /** @default 8760 (one year; re-issued on the first update in its last quarter, at most 30 days early) */
  tlsValidityHours?: number;
  /** @default "cloud" */
  profile?: Profile;
  /** @default defaultMirrorDir() */
  manifestsDir?: string;
}

/** The plain values of the API config. */
export interface ResultsApiConfig {
  dbHost: string;
  dbPort: number;
  dbName: string;
  dbSslMode: DbSslMode;
  logs: { type: "File"; path: string } | { type: "S3"; bucket: string; region: string; endpoint: string };
}

const ENV_VALUE = /^[^\s'"`$\\#]*$/;

/**
 * Renders the `config` key of tekton-results-api-config from upstream's text: the listed keys are replaced,
 * every other line is kept. Credentials stay empty in the file: they reach the pods as env from Secrets.
 */
export function renderResultsApiConfig(upstreamConfig: string, c: ResultsApiConfig): string {
  const s3 = c.logs.type === "S3" ? c.logs : undefined;
  const set: Record<string, string> = {
    DB_USER: "",
    DB_PASSWORD: "",
    DB_HOST: c.dbHost,
    DB_PORT: String(c.dbPort),
    DB_NAME: c.dbName,
    DB_SSLMODE: c.dbSslMode,
    LOGS_API: "true",
    LOGS_TYPE: c.logs.type,
    LOGS_PATH: c.logs.type === "File" ? c.logs.path : RESULTS_LOGS_PATH,
    S3_BUCKET_NAME: s3?.bucket ?? "",
    S3_REGION: s3?.region ?? "",
    S3_ENDPOINT: s3?.endpoint ?? "",
    S3_ACCESS_KEY_ID: "",
    S3_SECRET_ACCESS_KEY: "",
  };
  const bad: string[] = [];
  if (!c.dbHost) bad.push("dbHost is empty");
  if (!c.dbName) bad.push("dbName is empty");
  if (!Number.isInteger(c.dbPort) || c.dbPort < 1 || c.dbPort > 65535)
    bad.push(`dbPort ${c.dbPort}: 1-65535`);
  if (!SSL_MODES.includes(c.dbSslMode)) bad.push(`dbSslMode ${c.dbSslMode}: one of ${SSL_MODES.join(", ")}`);
  if (s3 && (!s3.bucket || !s3.region)) bad.push("S3 logs need a bucket and a region");
  for (const [k, v] of Object.entries(set))
    if (!ENV_VALUE.test(v)) bad.push(`${k} = ${JSON.stringify(v)}: no spaces, quotes, $, \\ or #`);
  const lines = upstreamConfig.split("\n");
  const present = new Set(lines.map((l) => l.split("=")[0]));
  for (const k of Object.keys(set))
    if (!present.has(k)) bad.push(`upstream config has no ${k} (release changed?)`);
  if (bad.length > 0) throw new Error(`${RESULTS_TYPE}: api config: ${bad.join("; ")}`);
  return lines
    .map((l) => {
      const k = l.split("=")[0];
      return l.includes("=") && k in set ? `${k}=${set[k]}` : l;
    })
    .join("\n");
}

/** Resolved, validated plain settings. */
export interface ResultsSettings {
  profile: Profile;
  retentionDays: number;
  retentionRunAt: string;
  logs: { kind: "s3" } | { kind: "pvc"; claimName: string };
}

export function resultsSettings(
  args: Pick<ResultsArgs, "profile" | "retentionDays" | "retentionRunAt" | "dbSslMode" | "logs">,
): ResultsSettings {
  const s: ResultsSettings = {
    profile: args.profile ?? "cloud",
    retentionDays: args.retentionDays ?? 30,
    retentionRunAt: args.retentionRunAt ?? "5 5 * * 0",
    logs: args.logs.kind === "pvc" ? { kind: "pvc", claimName: args.logs.claimName } : { kind: "s3" },
  };
  const bad: string[] = [];
  if (!Number.isInteger(s.retentionDays) || s.retentionDays < 1 || s.retentionDays > 3650)
    bad.push(`retentionDays = ${s.retentionDays}: an integer from 1 to 3650`);
  if (s.retentionRunAt.trim().split(/\s+/).length !== 5)
    bad.push(`retentionRunAt = ${JSON.stringify(s.retentionRunAt)}: a 5-field cron schedule`);
  if (args.dbSslMode !== undefined && !SSL_MODES.includes(args.dbSslMode))
    bad.push(`dbSslMode = ${args.dbSslMode}: one of ${SSL_MODES.join(", ")}`);
  if (s.logs.kind === "pvc" && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(s.logs.claimName))
    bad.push(`logs.claimName = ${JSON.stringify(s.logs.claimName)}: a PersistentVolumeClaim name`);
  if (bad.length > 0) throw new Error(`${RESULTS_TYPE}: ${bad.join("; ")}`);
  return s;
}

/** Upstream's `config` text of tekton-results-api-config. */
export function upstreamApiConfig(upstream: K8sObject[]): string {
  const cm = findObject(upstream, "ConfigMap", RESULTS_API_CONFIG, RESULTS_TYPE);
  return ((cm.data as Record<string, string> | undefined) ?? {}).config ?? "";
}

/**
 * The release objects as applied: without the API ConfigMap (a separate resource), with the retention
 * policy and, on the API Deployment, the logs volume (File) or the S3 keys as env from a Secret (S3).
 */
export function renderResults(upstream: K8sObject[], s: ResultsSettings): K8sObject[] {
  let objs = dropObject(normalizeNamespaces(upstream), "ConfigMap", RESULTS_API_CONFIG, RESULTS_TYPE);
  objs = editObject(objs, "ConfigMap", RESULTS_RETENTION_CONFIG, RESULTS_TYPE, (o) =>
    mergeConfigMapData(o, { defaultRetention: String(s.retentionDays), runAt: s.retentionRunAt }),
  );
  objs = editObject(objs, "Deployment", API, RESULTS_TYPE, (o) => {
    const logs = s.logs;
    if (logs.kind === "pvc") {
      const withMount = editContainer(o, "api", RESULTS_TYPE, (c) => ({
        ...c,
        volumeMounts: [
          ...((c.volumeMounts as object[] | undefined) ?? []),
          { name: "logs", mountPath: RESULTS_LOGS_PATH },
        ],
      }));
      const pod = (withMount.spec as { template: { spec: { volumes?: object[] } } }).template.spec;
      pod.volumes = [
        ...(pod.volumes ?? []),
        { name: "logs", persistentVolumeClaim: { claimName: logs.claimName } },
      ];
      return withMount;
    }
    const fromSecret = (name: string) => ({
      name,
      valueFrom: { secretKeyRef: { name: RESULTS_S3_SECRET, key: name } },
    });
    return editContainer(o, "api", RESULTS_TYPE, (c) => ({
      ...c,
      env: [
        ...((c.env as object[] | undefined) ?? []),
        fromSecret("S3_ACCESS_KEY_ID"),
        fromSecret("S3_SECRET_ACCESS_KEY"),
      ],
    }));
  });
  return applyProfile(objs, s.profile);
}

/** Tekton Results v0.20.0 against an external PostgreSQL. */
export class Results extends pulumi.ComponentResource {
  readonly namespace: string = PIPELINES_NAMESPACE;
  readonly apiServiceName: string = RESULTS_API_SERVICE;
  /** In-cluster gRPC/REST endpoint of the API (TLS). */
  readonly apiEndpoint: string = `https://${RESULTS_API_HOST}:${RESULTS_API_PORT}`;
  /** The certificate clients trust for the API: the CA's when tlsCa is set, else the self-signed one. */
  readonly caCertPem: pulumi.Output<string>;
  readonly release: k8s.yaml.v2.ConfigGroup;

  constructor(name: string, args: ResultsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(RESULTS_TYPE, name, {}, opts);
    let objs: K8sObject[];
    let upstreamConfig: string;
    try {
      const upstream = loadManifest("tekton-results", "release_base.yaml", { mirrorDir: args.manifestsDir });
      upstreamConfig = upstreamApiConfig(upstream);
      objs = renderResults(upstream, resultsSettings(args));
    } catch (e) {
      throw new pulumi.ResourceError((e as Error).message, this);
    }
    const child = { parent: this, provider: args.provider, dependsOn: [args.pipelines] };
    const labels = { "app.kubernetes.io/part-of": "tekton-results" };
    const meta = (n: string) => ({ name: n, namespace: PIPELINES_NAMESPACE, labels });

    const dbSecret = new k8s.core.v1.Secret(
      `${name}-db`,
      {
        metadata: meta(RESULTS_DB_SECRET),
        stringData: { POSTGRES_USER: args.dbUser, POSTGRES_PASSWORD: pulumi.secret(args.dbPassword) },
      },
      child,
    );

    // TLS for the API: ECDSA key, a certificate for the Service's DNS names.
    const validityHours = args.tlsValidityHours ?? 8760;
    const subject = { commonName: RESULTS_API_HOST };
    const dnsNames = [
      RESULTS_API_SERVICE,
      `${RESULTS_API_SERVICE}.${PIPELINES_NAMESPACE}`,
      `${RESULTS_API_SERVICE}.${PIPELINES_NAMESPACE}.svc`,
      RESULTS_API_HOST,
      // The API's REST gateway dials its own gRPC port as localhost (":port") with the server's TLS config.
      "localhost",
    ];
    let tlsKey: pulumi.Output<string>;
    let tlsCert: pulumi.Output<string>;
    if (args.tlsCa) {
      const leaf = issueLeafCert(
        `${name}-tls`,
        {
          ca: { certPem: args.tlsCa.certPem, keyPem: args.tlsCa.privateKeyPem },
          ...subject,
          purposes: ["server_auth"],
          dnsNames,
          validityHours,
        },
        { parent: this },
      );
      [tlsKey, tlsCert] = [leaf.keyPem, leaf.certPem];
      this.caCertPem = pulumi.output(args.tlsCa.certPem);
    } else {
      const key = new tls.PrivateKey(`${name}-tls-key`, ECDSA_P256, { parent: this });
      const cert = new tls.SelfSignedCert(
        `${name}-tls-cert`,
        {
          privateKeyPem: key.privateKeyPemPkcs8,
          subject,
          dnsNames,
          validityPeriodHours: validityHours,
          earlyRenewalHours: earlyRenewalHours(validityHours),
          allowedUses: leafUses(["server_auth"]),
          setSubjectKeyId: true,
        },
        { parent: this },
      );
      [tlsKey, tlsCert] = [key.privateKeyPemPkcs8, cert.certPem];
      this.caCertPem = cert.certPem;
    }
    const tlsSecret = new k8s.core.v1.Secret(
      `${name}-tls`,
      {
        metadata: meta(RESULTS_TLS_SECRET),
        type: "kubernetes.io/tls",
        stringData: { "tls.crt": tlsCert, "tls.key": tlsKey },
      },
      child,
    );

    const logs = args.logs;
    const s3Secret =
      logs.kind === "s3"
        ? new k8s.core.v1.Secret(
            `${name}-s3`,
            {
              metadata: meta(RESULTS_S3_SECRET),
              stringData: {
                S3_ACCESS_KEY_ID: pulumi.secret(logs.accessKeyId),
                S3_SECRET_ACCESS_KEY: pulumi.secret(logs.secretAccessKey),
              },
            },
            child,
          )
        : undefined;

    const sslMode = args.dbSslMode ?? "require";
    const config = pulumi
      .all([
        args.dbHost,
        args.dbPort ?? 5432,
        args.dbName ?? "tekton-results",
        logs.kind === "s3" ? logs.bucket : "",
        logs.kind === "s3" ? logs.region : "",
        logs.kind === "s3" ? (logs.endpoint ?? "") : "",
      ])
      .apply(([dbHost, dbPort, dbName, bucket, region, endpoint]) =>
        renderResultsApiConfig(upstreamConfig, {
          dbHost,
          dbPort,
          dbName,
          dbSslMode: sslMode,
          logs:
            logs.kind === "s3"
              ? { type: "S3", bucket, region, endpoint }
              : { type: "File", path: RESULTS_LOGS_PATH },
        }),
      );
    const apiConfig = new k8s.core.v1.ConfigMap(
      `${name}-api-config`,
      { metadata: meta(RESULTS_API_CONFIG), data: { config } },
      child,
    );

    const release = new k8s.yaml.v2.ConfigGroup(
      `${name}-release`,
      { yaml: configGroupYaml(objs) },
      {
        parent: this,
        provider: args.provider,
        dependsOn: [
          args.pipelines,
          ...args.database,
          dbSecret,
          tlsSecret,
          apiConfig,
          ...(s3Secret ? [s3Secret] : []),
        ],
      },
    );
    this.release = release;

    // Rotation reaches pods: the content each workload reads at start, as its pod template's checksum.
    const contents: Record<string, Record<string, pulumi.Input<string>>> = {
      db: { POSTGRES_USER: pulumi.output(args.dbUser), POSTGRES_PASSWORD: pulumi.secret(args.dbPassword) },
      tls: { "tls.crt": tlsCert, "tls.key": tlsKey },
      s3:
        logs.kind === "s3"
          ? {
              S3_ACCESS_KEY_ID: pulumi.secret(logs.accessKeyId),
              S3_SECRET_ACCESS_KEY: pulumi.secret(logs.secretAccessKey),
            }
          : {},
      config: { config },
    };
    for (const [workload, reads] of Object.entries(RESULTS_WORKLOAD_INPUTS)) {
      rollOnChange(
        `${name}-${workload.replace(/^tekton-results-/, "")}-rollout`,
        {
          provider: args.provider,
          kind: "Deployment",
          namespace: PIPELINES_NAMESPACE,
          workload,
          contents: Object.fromEntries(reads.map((r) => [r, contents[r]])),
          dependsOn: [release],
        },
        this,
      );
    }
    this.registerOutputs({
      namespace: this.namespace,
      apiEndpoint: this.apiEndpoint,
      caCertPem: this.caCertPem,
    });
  }
}
