// Every policy of the pack, importable without starting the policy server (index.ts does that).
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { awsPolicies } from "./aws";
import { azurePolicies } from "./azure";
import { kubernetesPolicies } from "./kubernetes";
import { platformPolicies } from "./platform";

export const PACK_NAME = "pipeline-service";

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  ...awsPolicies,
  ...azurePolicies,
  ...kubernetesPolicies,
  ...platformPolicies,
];
