// The program entry (Pulumi.yaml main: infra/): one region per stack. The program is async (it reads what
// the other stacks of the fleet published before it builds the region); the engine awaits this function
// and exports what it returns as the stack's outputs.
import { program } from "./program";

export = async () => {
  const outputs = await program();
  return {
    regionName: outputs.regionName,
    home: outputs.home,
    clusterName: outputs.clusterName,
    namespaces: outputs.namespaces,
    resultsEndpoint: outputs.resultsEndpoint,
    /** Home region only: the kcp root facts other regions read through a StackReference (all public). */
    kcp: outputs.kcp,
    /** Regions but home: the kcp shard's certificate requests and ServiceAccount public key (public). */
    kcpShardRequest: outputs.kcpShardRequest,
    /** False until the home stack has signed this region's shard (then `pulumi up` here again). */
    kcpReady: outputs.kcpReady,
    /** Tenants served by this region: name → workspace path, shard, cluster namespaces, kubeconfig command. */
    tenants: outputs.tenants,
    /** The region's Tekton APIExport on kcp. */
    tektonExport: outputs.tektonExport,
    /** Public half of the Chains signing key (PEM): verifies the signatures Chains writes on TaskRuns. */
    chainsPublicKeyPem: outputs.chainsPublicKeyPem,
  };
};
