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
