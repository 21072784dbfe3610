import { join } from "node:path";
import type { ComponentRecord } from "../../src/domain/resources.js";
import type { BerthRecords, BerthStore } from "../../src/state/records.js";
import { SqliteStore } from "../../src/store/sqlite-store.js";
import { tempDir } from "../support/temp-dir.js";

export function storeFile(): string {
  return join(tempDir("berth-state-"), "berth.db");
}

export function newStore(path = storeFile()): BerthStore {
  return new SqliteStore<BerthRecords>(path);
}

/** A component record as CreateInferenceComponent writes it; `base` makes it an adapter. */
export function component(name: string, endpointName: string, base?: string): ComponentRecord {
  return {
    name,
    arn: `arn:aws:sagemaker:us-east-1:000000000000:inference-component/${name.toLowerCase()}`,
    endpointName,
    variantName: "AllTraffic",
    createdAt: 1,
    lastModifiedAt: 1,
    status: "Creating",
    specification: {},
    resolved: {
      version: 1,
      image: "berth/echo",
      environment: {},
      needs: { accelerators: 0, cpuMillis: base ? 0 : 1000, memoryMiB: base ? 0 : 1024 },
      strategy: "SPREAD",
      startupTimeoutSeconds: 60,
      downloadTimeoutSeconds: 60,
      ...(base ? { baseComponentName: base, artifactUrl: "/tmp/adapter" } : {}),
    },
    desiredCopyCount: base ? 0 : 1,
    nextCopyOrdinal: 1,
    tags: [],
  };
}

/** Each component's endpoint and name as the components say, and as the index says. */
export async function indexAndComponents(store: BerthStore): Promise<{ index: string[]; components: string[] }> {
  const [index, components] = await Promise.all([store.list("endpoint-component"), store.list("inference-component")]);
  return {
    index: index.map((e) => `${e.key} ${e.value.componentName}`).sort(),
    components: components.map((c) => `${c.value.endpointName.toLowerCase()}/${c.key} ${c.value.name}`).sort(),
  };
}
