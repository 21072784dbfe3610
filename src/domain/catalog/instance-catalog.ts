import { generatedInstanceTypes } from "./instance-types.generated.js";
import type { InstanceTypeSpec } from "./instance-type.js";

/** The instance types Berth knows the capacity of: the generated catalog plus any from the server config. */
export class InstanceCatalog {
  readonly #types: Map<string, InstanceTypeSpec>;

  constructor(extra: InstanceTypeSpec[] = []) {
    this.#types = new Map([...generatedInstanceTypes, ...extra].map((t) => [t.instanceType, t]));
  }

  get(instanceType: string): InstanceTypeSpec | undefined {
    return this.#types.get(instanceType);
  }

  names(): string[] {
    return [...this.#types.keys()];
  }

  list(): InstanceTypeSpec[] {
    return [...this.#types.values()];
  }

  /** Hints for an unknown type: the known sizes of its family, else the smallest size of every family. */
  suggest(instanceType: string): string[] {
    const family = instanceType.split(".").slice(0, 2).join(".");
    const sameFamily = this.names().filter((n) => n.startsWith(family + "."));
    if (sameFamily.length > 0) return sameFamily;
    const firstOfFamily = new Map<string, string>();
    for (const spec of this.list()) if (!firstOfFamily.has(spec.family)) firstOfFamily.set(spec.family, spec.instanceType);
    return [...firstOfFamily.values()];
  }
}
