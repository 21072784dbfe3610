import type { PlacementStrategy } from "../types.js";
import { binpack } from "./binpack.js";
import { spread } from "./spread.js";
import type { Strategy } from "./strategy.js";

export type { CopyCounts, Picker, Strategy } from "./strategy.js";

export const strategies: Readonly<Record<PlacementStrategy, Strategy>> = { BINPACK: binpack, SPREAD: spread };
