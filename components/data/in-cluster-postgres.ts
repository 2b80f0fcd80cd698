// The Tekton Results database inside any Kubernetes cluster (local kwok clusters, existing
// clusters, or a cloud cluster without a managed database): one PostgreSQL pod in a StatefulSet with
// a persistent volume, a Service in front, and the credentials in a Secret. Single instance: no
// replication or failover (use RDS or Azure PostgreSQL for that); the volume holds the data.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as k8s from "@pulumi/kubernetes";
import { FIELD_MANAGER_ANNOTATIONS, podSecurityLabels } from "../manifests";
import { DB_PASSWORD_ARGS, type PostgresDatabase } from "./postgres";

export const POSTGRES_PORT = 5432;
/** Pinned by tag (never latest); the official image runs as uid/gid 999. */
export const DEFAULT_POSTGRES_IMAGE = "docker.io/library/postgres:17.6";
const POSTGRES_UID = 999;

export interface ContainerResources {
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
}

export interface InClusterPostgresArgs {
  /** The Kubernetes provider of the region's cluster (never the default provider). */
  provider: k8s.Provider;
  /** @default "tekton-results-db" */
  namespace?: string;
  /** Create the namespace (false when it already exists). @default true */
  createNamespace?: boolean;
  /** Name of the StatefulSet, Service and Secret prefix. @default "tekton-results-postgres" */
  name?: string;
  /** A pinned tag. @default DEFAULT_POSTGRES_IMAGE */
  image?: string;
  /** Volume size (DatabaseConfig.storageSize). @default "10Gi" */
  storageSize?: string;
  /** Storage class (DatabaseConfig.storageClassName). @default the cluster's default class */
  storageClassName?: string;
  /** @default { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "1Gi" } } */
  resources?: ContainerResources;
  /** @default "tekton_results" */
  databaseName?: string;
  /** @default "tekton" */
  username?: string;
  /**
   * Pulumi-protects the stateful leaf: the StatefulSet (its volume claim template holds the data). The
   * namespace, Secret, Services and password stay unprotected. @default false
   */
  protect?: boolean;
  /** @default {} */
  labels?: Record<string, string>;
}

export const DEFAULT_RESOURCES: ContainerResources = {
  requests: { cpu: "250m", memory: "512Mi" },
  limits: { memory: "1Gi" },
};

const QUANTITY = /^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/;

/** Checks the arguments that are plain values; throws an Error naming the problem. */
export function validateInClusterPostgresArgs(args: InClusterPostgresArgs): void {
  const dns = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
  if (!dns.test(args.namespace ?? "tekton-results-db")) throw new Error("namespace must be a DNS label");
  if (!dns.test(args.name ?? "tekton-results-postgres") || (args.name ?? "").length > 52)
    throw new Error("name must be a DNS label of at most 52 characters");
  const image = args.image ?? DEFAULT_POSTGRES_IMAGE;
  const tag = /:([\w][\w.-]{0,127})$/.exec(image.split("@")[0])?.[1];
  if (!image.includes("@sha256:") && (tag === undefined || tag === "latest"))
    throw new Error(`image ${JSON.stringify(image)} must be pinned by a tag other than latest (or a digest)`);
  // Any byte quantity the config accepts (10Gi, 500M, 1.5Gi), above zero.
  const size = args.storageSize ?? "10Gi";
  if (!/^\d+(\.\d+)?(k|M|G|T|Ki|Mi|Gi|Ti)?$/.test(size) || /^0+(\.0+)?\D*$/.test(size))
    throw new Error(`storageSize ${JSON.stringify(args.storageSize)} must be a quantity such as 10Gi`);
  const r = args.resources ?? DEFAULT_RESOURCES;
  for (const [k, v] of [...Object.entries(r.requests ?? {}), ...Object.entries(r.limits ?? {})])
    if (v !== undefined && !QUANTITY.test(v))
      throw new Error(`resources: ${k} ${JSON.stringify(v)} is not a quantity`);
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(args.databaseName ?? "tekton_results"))
    throw new Error("databaseName must be a lowercase PostgreSQL identifier");
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(args.username ?? "tekton") || (args.username ?? "").startsWith("pg_"))
    throw new Error("username must be a lowercase PostgreSQL identifier not starting with pg_");
}

/**
 * The StatefulSet spec: non-root, read-only root file system (writable emptyDirs for the socket
 * and temp files), no privilege escalation, all capabilities dropped, readiness/liveness by
 * pg_isready, credentials from the Secret, data in a subdirectory of the volume (its root may hold
 * lost+found, which initdb refuses).
 */
export function renderStatefulSetSpec(p: {
  serviceName: string;
  secretName: string;
  image: string;
  storageSize: string;
  storageClassName?: string;
  resources: ContainerResources;
  databaseName: string;
  labels: Record<string, string>;
}): k8s.types.input.apps.v1.StatefulSetSpec {
  const pgIsReady = [
    "sh",
    "-c",
    'exec pg_isready -h 127.0.0.1 -p 5432 -U "$POSTGRES_USER" -d "$POSTGRES_DB"',
  ];
  return {
    serviceName: p.serviceName,
    replicas: 1,
    selector: { matchLabels: p.labels },
    // A StatefulSet never runs two pods of one ordinal, so two servers never open the same volume.
    updateStrategy: { type: "RollingUpdate" },
    template: {
      metadata: { labels: p.labels },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        terminationGracePeriodSeconds: 60,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: POSTGRES_UID,
          runAsGroup: POSTGRES_UID,
          fsGroup: POSTGRES_UID,
          fsGroupChangePolicy: "OnRootMismatch",
          seccompProfile: { type: "RuntimeDefault" },
        },
        containers: [
          {
            name: "postgres",
            image: p.image,
            imagePullPolicy: "IfNotPresent",
            ports: [{ name: "postgres", containerPort: POSTGRES_PORT, protocol: "TCP" }],
            env: [
              { name: "POSTGRES_DB", value: p.databaseName },
              {
                name: "POSTGRES_USER",
                valueFrom: { secretKeyRef: { name: p.secretName, key: "POSTGRES_USER" } },
              },
              {
                name: "POSTGRES_PASSWORD",
                valueFrom: { secretKeyRef: { name: p.secretName, key: "POSTGRES_PASSWORD" } },
              },
              { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
            ],
            resources: p.resources,
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ["ALL"] },
            },
            readinessProbe: {
              exec: { command: pgIsReady },
              periodSeconds: 5,
              timeoutSeconds: 3,
              failureThreshold: 6,
            },
            livenessProbe: {
              exec: { command: pgIsReady },
              initialDelaySeconds: 30,
              periodSeconds: 10,
              timeoutSeconds: 5,
              failureThreshold: 6,
            },
            volumeMounts: [
              { name: "data", mountPath: "/var/lib/postgresql/data" },
              { name: "run", mountPath: "/var/run/postgresql" },
              { name: "tmp", mountPath: "/tmp" },
            ],
          },
        ],
        volumes: [
          { name: "run", emptyDir: {} },
          { name: "tmp", emptyDir: {} },
        ],
      },
    },
    volumeClaimTemplates: [
      {
        metadata: { name: "data", labels: p.labels },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: p.storageClassName,
          resources: { requests: { storage: p.storageSize } },
        },
      },
    ],
  };
}

/** A single PostgreSQL instance for Tekton Results inside the cluster. */
export class InClusterPostgres extends pulumi.ComponentResource implements PostgresDatabase {
  /** Service DNS name, <service>.<namespace>.svc. */
  public readonly host: pulumi.Output<string>;
  public readonly port: pulumi.Output<number>;
  public readonly database: pulumi.Output<string>;
  public readonly username: pulumi.Output<string>;
  /** The password (a Pulumi secret). */
  public readonly password: pulumi.Output<string>;
  public readonly namespace: pulumi.Output<string>;
  /** Secret with POSTGRES_USER and POSTGRES_PASSWORD (the keys Tekton Results reads). */
  public readonly secretName: pulumi.Output<string>;

  constructor(name: string, args: InClusterPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pipeline-service:data:InClusterPostgres", name, {}, opts);
    try {
      validateInClusterPostgresArgs(args);
    } catch (e) {
      throw new pulumi.ResourceError(`InClusterPostgres ${name}: ${(e as Error).message}`, this);
    }
    const child = { parent: this, provider: args.provider };
    const objectName = args.name ?? "tekton-results-postgres";
    const databaseName = args.databaseName ?? "tekton_results";
    const username = args.username ?? "tekton";
    const labels = {
      ...args.labels,
      "app.kubernetes.io/name": "postgres",
      "app.kubernetes.io/instance": objectName,
      "app.kubernetes.io/part-of": "pipeline-service",
    };

    const namespace: pulumi.Output<string> =
      args.createNamespace === false
        ? pulumi.output(args.namespace ?? "tekton-results-db")
        : new k8s.core.v1.Namespace(
            `${name}-ns`,
            {
              metadata: {
                name: args.namespace ?? "tekton-results-db",
                labels: { ...podSecurityLabels("baseline"), ...args.labels },
              },
            },
            child,
          ).metadata.name;

    const password = new random.RandomPassword(`${name}-password`, DB_PASSWORD_ARGS, { parent: this });
    const secret = new k8s.core.v1.Secret(
      `${name}-credentials`,
      {
        metadata: { name: `${objectName}-credentials`, namespace, labels },
        type: "Opaque",
        stringData: { POSTGRES_USER: username, POSTGRES_PASSWORD: password.result },
      },
      child,
    );

    const headless = new k8s.core.v1.Service(
      `${name}-headless`,
      {
        metadata: { name: `${objectName}-headless`, namespace, labels },
        spec: {
          clusterIP: "None",
          selector: labels,
          ports: [{ name: "postgres", port: POSTGRES_PORT, targetPort: "postgres" }],
        },
      },
      child,
    );
    const service = new k8s.core.v1.Service(
      `${name}-svc`,
      {
        metadata: { name: objectName, namespace, labels },
        spec: {
          type: "ClusterIP",
          selector: labels,
          ports: [{ name: "postgres", port: POSTGRES_PORT, targetPort: "postgres" }],
        },
      },
      child,
    );

    new k8s.apps.v1.StatefulSet(
      `${name}-sts`,
      {
        metadata: { name: objectName, namespace, labels, annotations: FIELD_MANAGER_ANNOTATIONS },
        spec: renderStatefulSetSpec({
          serviceName: objectName + "-headless",
          secretName: objectName + "-credentials",
          image: args.image ?? DEFAULT_POSTGRES_IMAGE,
          storageSize: args.storageSize ?? "10Gi",
          storageClassName: args.storageClassName,
          resources: args.resources ?? DEFAULT_RESOURCES,
          databaseName,
          labels,
        }),
      },
      // volumeClaimTemplates are immutable: a size or class change replaces the StatefulSet (the
      // claim and its data stay, as Kubernetes never deletes StatefulSet claims by itself).
      { ...child, protect: args.protect ?? false, dependsOn: [secret, headless] },
    );

    this.host = pulumi.interpolate`${service.metadata.name}.${service.metadata.namespace}.svc`;
    this.port = pulumi.output(POSTGRES_PORT);
    this.database = pulumi.output(databaseName);
    this.username = pulumi.output(username);
    this.password = pulumi.secret(password.result);
    this.namespace = namespace;
    this.secretName = secret.metadata.name;
    this.registerOutputs({
      host: this.host,
      port: this.port,
      database: this.database,
      username: this.username,
      password: this.password,
      namespace: this.namespace,
      secretName: this.secretName,
    });
  }
}
