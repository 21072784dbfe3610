import type { Rng } from "./prng.js";

/** Inter-arrival families that ServeGen fits per window. */
export type GapFamily = "Gamma" | "Weibull" | "Exponential";

/**
 * Draws gaps with mean 1 and the family's shape, so callers set the rate by dividing by it.
 * Only the shape survives: the fitted scale is replaced by whatever makes the mean match the rate.
 */
export function unitMeanSampler(family: GapFamily, shape: number): (rng: Rng) => number {
  if (family === "Exponential" || (family === "Gamma" && shape === 1)) return (rng) => -Math.log(rng.uniform());
  if (family === "Gamma") return (rng) => gamma(rng, shape) / shape;
  const norm = Math.exp(logGamma(1 + 1 / shape));
  const power = 1 / shape;
  return (rng) => Math.pow(-Math.log(rng.uniform()), power) / norm;
}

/** Gamma(shape, scale 1) by Marsaglia and Tsang; shapes below 1 use the u^(1/a) boost. */
export function gamma(rng: Rng, shape: number): number {
  if (shape < 1) return gamma(rng, shape + 1) * Math.pow(rng.uniform(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.uniform();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
  }
}

const lanczos = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7): about 15 significant digits. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = lanczos[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += lanczos[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Mean of the family with the given shape and scale (numpy/scipy convention). */
export function familyMean(family: GapFamily, shape: number, scale: number): number {
  if (family === "Gamma") return shape * scale;
  if (family === "Weibull") return scale * Math.exp(logGamma(1 + 1 / shape));
  return scale;
}
