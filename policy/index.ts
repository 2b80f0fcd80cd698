// The pipeline-service policy pack. Constructing a PolicyPack starts the analyzer's gRPC server, so
// tests import ./policies instead of this file. Policies without their own level are advisory.
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, policies } from "./policies";

new PolicyPack(PACK_NAME, { policies, enforcementLevel: "advisory" });
