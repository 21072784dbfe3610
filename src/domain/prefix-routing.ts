import { sageMakerErrors } from "./errors/sagemaker.js";
import type { ProductionVariant, Tag } from "./resources.js";

/**
 * Berth's block-level prefix matching: the documented exception to the reserved `berth:` tag prefix on
 * CreateEndpointConfig (README, "Prefix-aware routing"). The official SDKs carry tags unchanged, and the service
 * model has no member for it. It refines RoutingStrategy PREFIX_AWARE, so it needs a variant that uses it.
 */
export const prefixTagKeys = {
  matching: "berth:PrefixMatching",
  blockBytes: "berth:PrefixBlockBytes",
} as const;

export interface PrefixBlockMatching {
  /** Bytes per block: the prompt is hashed block by block, each block's hash covering the blocks before it. */
  blockBytes: number;
}

export const defaultPrefixBlockBytes = 256;
const minBlockBytes = 16;
const maxBlockBytes = 4096;

const keys: readonly string[] = Object.values(prefixTagKeys);

export function isPrefixTagKey(key: string): boolean {
  return keys.includes(key);
}

/** The block mode the tags ask for, undefined without them; refuses values it does not know and a config without PREFIX_AWARE. */
export function prefixMatchingFromTags(tags: readonly Tag[], variants: readonly ProductionVariant[]): PrefixBlockMatching | undefined {
  const value = (key: string) => tags.find((t) => t.Key === key)?.Value;
  const matching = value(prefixTagKeys.matching);
  const block = value(prefixTagKeys.blockBytes);
  if (matching === undefined) {
    if (block !== undefined)
      throw sageMakerErrors.invalid(`Tag '${prefixTagKeys.blockBytes}' needs tag '${prefixTagKeys.matching}' with the value 'blocks' too.`);
    return undefined;
  }
  if (matching !== "blocks") throw sageMakerErrors.invalid(`Tag '${prefixTagKeys.matching}' must be 'blocks'; got '${matching}'.`);
  if (!variants.some((v) => v.RoutingConfig?.RoutingStrategy === "PREFIX_AWARE")) {
    throw sageMakerErrors.invalid(
      `Tag '${prefixTagKeys.matching}' refines prefix-aware routing, but no variant of this configuration has RoutingConfig.RoutingStrategy PREFIX_AWARE. ` +
        `Set it (with PrefixAwareRoutingConfig) on the variants to route by prefix, or remove the tag.`,
    );
  }
  if (block === undefined) return { blockBytes: defaultPrefixBlockBytes };
  const blockBytes = /^[0-9]{1,5}$/.test(block.trim()) ? Number(block.trim()) : NaN;
  if (!(blockBytes >= minBlockBytes && blockBytes <= maxBlockBytes)) {
    throw sageMakerErrors.invalid(
      `Tag '${prefixTagKeys.blockBytes}' must be a whole number of bytes from ${minBlockBytes} to ${maxBlockBytes}; got '${block}'.`,
    );
  }
  return { blockBytes };
}

/** PrefixAwareRoutingConfig, with both its members, goes with RoutingStrategy PREFIX_AWARE and with nothing else. */
export function checkRoutingConfig(variant: ProductionVariant): void {
  const routing = variant.RoutingConfig;
  if (!routing) return;
  const where = `ProductionVariants '${variant.VariantName}' RoutingConfig`;
  const prefix = routing.PrefixAwareRoutingConfig;
  if (routing.RoutingStrategy !== "PREFIX_AWARE") {
    if (prefix !== undefined) {
      throw sageMakerErrors.invalid(
        `${where}: PrefixAwareRoutingConfig is allowed only with RoutingStrategy PREFIX_AWARE, not ${routing.RoutingStrategy}. ` +
          `Set RoutingStrategy to PREFIX_AWARE, or remove PrefixAwareRoutingConfig.`,
      );
    }
    return;
  }
  const missing = [prefix?.PrefixLength === undefined && "PrefixLength", prefix?.ConcurrencyThreshold === undefined && "ConcurrencyThreshold"].filter(Boolean);
  if (missing.length > 0) {
    throw sageMakerErrors.invalid(
      `${where}: RoutingStrategy PREFIX_AWARE needs PrefixAwareRoutingConfig with PrefixLength (bytes of the body, 1024 to 65536) and ` +
        `ConcurrencyThreshold (1 to 1024); missing: ${missing.join(", ")}. For example {"RoutingStrategy": "PREFIX_AWARE", ` +
        `"PrefixAwareRoutingConfig": {"PrefixLength": 4096, "ConcurrencyThreshold": 8}}.`,
    );
  }
}
