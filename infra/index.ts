// The program entry (Pulumi.yaml main: infra/): one region per stack.
import { program } from "./program";

const outputs = program();

export const regionName = outputs.regionName;
export const home = outputs.home;
export const clusterName = outputs.clusterName;
export const namespaces = outputs.namespaces;
export const resultsEndpoint = outputs.resultsEndpoint;
/** Home region only: the kcp root facts other regions read through a StackReference. */
export const kcp = outputs.kcp;
/** Tenants served by this region: name → workspace path, shard, cluster namespaces, kubeconfig command. */
export const tenants = outputs.tenants;
/** The region's Tekton APIExport on kcp. */
export const tektonExport = outputs.tektonExport;
/** Public half of the Chains signing key (PEM): verifies the signatures Chains writes on TaskRuns. */
export const chainsPublicKeyPem = outputs.chainsPublicKeyPem;
