// What every Results database of a region offers, whichever service hosts it (RDS, Azure PostgreSQL
// flexible server, or PostgreSQL in the cluster): the layers above depend on this, not on the service.
import type * as pulumi from "@pulumi/pulumi";

export interface PostgresDatabase extends pulumi.Resource {
  host: pulumi.Output<string>;
  port: pulumi.Output<number>;
  database: pulumi.Output<string>;
  username: pulumi.Output<string>;
  /** A Pulumi secret. */
  password: pulumi.Output<string>;
}

/**
 * The database password every variant generates (`random.RandomPassword`, its `result` a Pulumi secret): 32
 * letters and digits, at least one of each class (Azure's "three of four classes" always holds), no specials
 * (they break connection strings, shells and RDS).
 */
export const DB_PASSWORD_ARGS = {
  length: 32,
  special: false,
  minLower: 1,
  minUpper: 1,
  minNumeric: 1,
} as const;
