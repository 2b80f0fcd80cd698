// The region program: read and validate the stack config, read what the other stacks of the fleet published
// about kcp (the home stack's facts, or the regions' shard requests), then build one FailureDomain. Config
// errors are thrown before any resource is registered. index.ts runs it; tests call it under mocks.
import * as pulumi from "@pulumi/pulumi";
import { FailureDomain, type FailureDomainSecrets } from "../components/failure-domain";
import { argoCdRepositoriesFromConfig } from "../components/gitops/argocd";
import type { ShardRequest } from "../components/kcp/enrollment";
import {
  type KcpHomeValue,
  readKcpHome,
  readShardRequests,
  readStackOutput,
} from "../components/kcp/home-reference";
import { localWebhookPorts } from "../local/processes";
import { ConfigError, PROJECT } from "./config";
import { checkProgramConfig, rawStackConfig, readStackFiles, resolveRegion } from "./stack-config";

/** Pipelines as Code GitHub App secrets: all three or none (then PaC serves webhook-token repos only). */
function githubApp(config: pulumi.Config): FailureDomainSecrets["githubApp"] {
  const appId = config.getSecret("githubAppId");
  const privateKey = config.getSecret("githubPrivateKey");
  const webhookSecret = config.getSecret("githubWebhookSecret");
  if (!appId && !privateKey && !webhookSecret) return undefined;
  // Invariant: checkProgramConfig refused a partial set before anything was registered.
  if (!appId || !privateKey || !webhookSecret) {
    throw new pulumi.RunError(
      `${PROJECT}:githubAppId, githubPrivateKey and githubWebhookSecret must be set together (pulumi config set --secret)`,
    );
  }
  return { appId, privateKey, webhookSecret };
}

/** The running stack's fully qualified name (to refuse a kcp.homeStack that names it). */
function thisStack() {
  let organization: string | undefined;
  try {
    organization = pulumi.getOrganization();
  } catch {
    organization = undefined; // unknown (e.g. under test mocks): the project and stack names decide
  }
  return { organization, project: pulumi.getProject(), stack: pulumi.getStack() };
}

/** Whether the engine holds a config key as a secret (PULUMI_CONFIG_SECRET_KEYS, which the runtime reads). */
function isConfigSecret(fullKey: string): boolean {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
  return runtime.isConfigSecret?.(fullKey) ?? false;
}

/** Config errors are the user's to fix: reported without a stack trace (pulumi.RunError), nothing registered. */
function resolveOrReport(config: pulumi.Config) {
  try {
    const resolved = resolveRegion(rawStackConfig(config), readStackFiles(), { stack: thisStack() });
    const all = pulumi.runtime.allConfig();
    const problems = checkProgramConfig(all, isConfigSecret, resolved.config);
    if (problems.length > 0) throw new ConfigError(problems);
    return resolved;
  } catch (e) {
    if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
}

/**
 * The password of a `database.kind: external` Results database: the secret resultsDatabasePassword. The local
 * profile's server (local/env.sh) trusts loopback connections, so there it may be left unset; Results still
 * needs a non-empty value, which the server then ignores.
 */
function resultsDatabasePassword(config: pulumi.Config, external: boolean, local: boolean) {
  const password = config.getSecret("resultsDatabasePassword");
  if (!external || password) return password;
  if (local) return pulumi.secret("local-trust-auth");
  // Invariant: checkProgramConfig refused a cloud external database without a password.
  throw new pulumi.RunError(
    `${PROJECT}:resultsDatabasePassword is not set: database.kind external needs it ` +
      `(pulumi config set --secret resultsDatabasePassword)`,
  );
}

/**
 * A region whose shard runs (its last `up` exported kcpReady: true) and that the home stack no longer signs
 * for (taken out of kcp.regionStacks?) would remove its shard, workspace, Tekton export and tenants on this
 * `up`: refused. Read only then, from this stack's own last outputs.
 */
async function refuseUnsigning(home: KcpHomeValue, shardName: string, homeStack: string): Promise<void> {
  const self = thisStack();
  if (home.shards[shardName] || !self.organization) return;
  const qualified = `${self.organization}/${self.project}/${self.stack}`;
  if ((await readStackOutput(qualified, "kcpReady")) !== true) return;
  throw new Error(
    `home stack ${homeStack} publishes no certificates for kcp shard ${JSON.stringify(shardName)}, which this ` +
      `region runs: this up would remove its shard, workspace, Tekton export and tenants. List this stack in ` +
      `the home stack's kcp.regionStacks and \`pulumi up\` there first (to remove the region, destroy it).`,
  );
}

/**
 * What the other stacks published about kcp (cloud profile): the home stack's facts for a region, the
 * regions' shard requests for the home stack. A missing or malformed output is the user's to fix.
 */
async function readFleet(
  region: ReturnType<typeof resolveOrReport>["config"],
): Promise<{ kcpHome?: KcpHomeValue; shardRequests?: ShardRequest[] }> {
  if (region.profile !== "cloud") return {};
  try {
    // A StackReference is a read: a new URN reads it again and drops the old entry, deleting nothing.
    if (!region.home) {
      const kcpHome = await readKcpHome(region.kcp.homeStack ?? "");
      await refuseUnsigning(kcpHome, region.kcp.shardName ?? region.region, region.kcp.homeStack ?? "");
      return { kcpHome };
    }
    const { requests, pending } = await readShardRequests(region.kcp.regionStacks);
    if (pending.length > 0)
      void pulumi.log.warn(
        `no kcp shard request published yet by ${pending.join(", ")}: run \`pulumi up\` there first, then here`,
      );
    return { shardRequests: requests };
  } catch (e) {
    throw new pulumi.RunError((e as Error).message);
  }
}

export async function program(config = new pulumi.Config(PROJECT)) {
  const { config: region, kubeconfig, localEnv, kcpAdminKubeconfig } = resolveOrReport(config);
  const secrets: FailureDomainSecrets = {
    githubApp: githubApp(config),
    argoCdRepositories: argoCdRepositoriesFromConfig(config),
    resultsDatabasePassword: resultsDatabasePassword(
      config,
      region.database.kind === "external",
      region.profile === "local",
    ),
  };
  const regionIndex = localEnv?.regions.findIndex((r) => r.name === region.region) ?? -1;
  const shard = localEnv?.regions[regionIndex]?.kcpShard;
  const domain = new FailureDomain(region.region, {
    config: region,
    kubeconfig,
    secrets,
    localKcp:
      localEnv && shard && kcpAdminKubeconfig
        ? { frontProxyUrl: localEnv.kcp.frontProxyUrl, shardName: shard, adminKubeconfig: kcpAdminKubeconfig }
        : undefined,
    localWebhookPorts: regionIndex >= 0 ? localWebhookPorts(regionIndex) : undefined,
    ...(await readFleet(region)),
  });
  return {
    regionName: region.region,
    home: region.home,
    clusterName: domain.cluster.name,
    namespaces: domain.namespaces,
    resultsEndpoint: domain.resultsEndpoint,
    chainsPublicKeyPem: domain.chainsPublicKeyPem,
    kcp: domain.kcpHome,
    kcpShardRequest: domain.kcpShardRequest,
    kcpReady: domain.kcpReady,
    tenants: domain.tenants,
    tektonExport: domain.tektonExport,
  };
}
