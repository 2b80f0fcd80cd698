// Settings a kcp Root and a region Shard share (zones, etcd mode, images, storage, certificate validity,
// protection), checked and defaulted in one place so both render their servers the same way.
import {
  DEFAULT_ETCD_IMAGE,
  DEFAULT_KCP_IMAGE,
  type EtcdMode,
  checkPinnedImage,
  checkStorageSize,
  checkZones,
} from "./render";

export interface KcpServerOptions {
  /** Zones pods stay in and spread over. @default [] */
  zones?: string[];
  /**
   * "external": an etcd StatefulSet beside the servers (production). "embedded": etcd inside each kcp
   * process on its own claim, one replica (dev). @default "external"
   */
  etcd?: EtcdMode;
  /** @default DEFAULT_KCP_IMAGE */
  image?: string;
  /** @default DEFAULT_ETCD_IMAGE */
  etcdImage?: string;
  /** Per etcd member (external) or per embedded volume. @default "10Gi" (Shard's embedded volume: "20Gi") */
  storageSize?: string;
  /** @default the cluster's default class */
  storageClassName?: string;
  /** Server and client certificate validity in hours. @default 8760 */
  certValidityHours?: number;
  /** Pulumi-protects the stateful leaves only (etcd, or the embedded servers' StatefulSets). @default false */
  protect?: boolean;
}

export interface KcpServerSettings {
  zones: string[];
  etcd: EtcdMode;
  /** etcd is embedded: servers are single-replica StatefulSets with a claim. */
  embedded: boolean;
  image: string;
  etcdImage: string;
  /** As given (callers default it per use). */
  storageSize?: string;
  storageClassName?: string;
  certValidityHours: number;
  protect: boolean;
}

/** Checks the shared options; throws an Error naming the first problem. */
export function checkServerOptions(o: KcpServerOptions): void {
  checkZones(o.zones ?? []);
  const etcd = o.etcd ?? "external";
  if (etcd !== "external" && etcd !== "embedded") throw new Error(`etcd must be "external" or "embedded"`);
  checkPinnedImage("image", o.image ?? DEFAULT_KCP_IMAGE);
  checkPinnedImage("etcdImage", o.etcdImage ?? DEFAULT_ETCD_IMAGE);
  checkStorageSize("storageSize", o.storageSize ?? "10Gi");
  const hours = o.certValidityHours ?? 8760;
  if (!Number.isInteger(hours) || hours < 24) throw new Error("certValidityHours must be an integer >= 24");
}

/** The shared options with their defaults (call checkServerOptions first). */
export function resolveServerSettings(o: KcpServerOptions): KcpServerSettings {
  const etcd = o.etcd ?? "external";
  return {
    zones: o.zones ?? [],
    etcd,
    embedded: etcd === "embedded",
    image: o.image ?? DEFAULT_KCP_IMAGE,
    etcdImage: o.etcdImage ?? DEFAULT_ETCD_IMAGE,
    storageSize: o.storageSize,
    storageClassName: o.storageClassName,
    certValidityHours: o.certValidityHours ?? 8760,
    protect: o.protect ?? false,
  };
}

/** Replicas of a kcp server: given, else 2 with external etcd, 1 with embedded. */
export function serverReplicas(s: Pick<KcpServerSettings, "embedded">, given: number | undefined): number {
  return given ?? (s.embedded ? 1 : 2);
}

/** Throws unless `n` (given or defaulted) is a valid replica count for the etcd mode. */
export function checkServerReplicas(what: string, etcd: EtcdMode, given: number | undefined): void {
  const n = given ?? (etcd === "embedded" ? 1 : 2);
  if (!Number.isInteger(n) || n < 1 || n > 10)
    throw new Error(`${what} must be an integer from 1 to 10 (got ${n})`);
  if (etcd === "embedded" && n !== 1)
    throw new Error(`${what} must be 1 with embedded etcd (each replica would have its own data)`);
}
